/**
 * The price of one rendered message: its SMS segments (counted after substitution, per recipient)
 * and its price by the most specific tariff — the organisation's own first, then the defaults.
 */
import { DEFAULT_TARIFFS, findTariff, phoneCountry, priceOf, type Tariff } from './pricing.ts';
import { countSegments, type SmsEncoding } from './sms/segments.ts';
import type { Channel } from './states.ts';

export interface Priced {
  segments: number;
  encoding: SmsEncoding | null;
  priceKopecks: number;
}

export type Pricer = (channel: Channel, address: string, body: string) => Priced;

export function makePricer(orgTariffs: readonly Tariff[]): Pricer {
  const countries = new Map<string, string | null>();
  return (channel, address, body) => {
    let country: string | null = null;
    if (channel === 'sms') {
      // Most recipients share a few prefixes; the parse is the costly part, so remember it per prefix.
      const prefix = address.slice(0, 6);
      if (!countries.has(prefix)) countries.set(prefix, phoneCountry(address));
      country = countries.get(prefix) ?? null;
    }
    const tariff = findTariff(orgTariffs, channel, country) ?? findTariff(DEFAULT_TARIFFS, channel, country)!;
    if (channel !== 'sms') return { segments: 1, encoding: null, priceKopecks: priceOf(tariff, channel, 1) };
    const c = countSegments(body);
    return { segments: c.segments, encoding: c.encoding, priceKopecks: priceOf(tariff, channel, c.segments) };
  };
}

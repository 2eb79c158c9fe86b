/**
 * Tariffs (BL-1) and prices. Money is integer kopecks, always. A tariff is a price per SMS segment
 * or per message of another channel, for a country (ISO code from the phone number, `*` for any)
 * and optionally an operator; the most specific one that matches wins.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Channel } from './states.ts';

export interface Tariff {
  channel: Channel;
  /** ISO 3166-1 alpha-2, or '*' for any country. */
  country: string;
  /** An operator's name as the gateway reports it, or null for any. */
  operator: string | null;
  /** Per SMS segment; per message for the other channels. */
  priceKopecks: number;
}

/** What an organisation pays until it sets its own: seed 001's 0.30 RUB per Russian segment. */
export const DEFAULT_TARIFFS: readonly Tariff[] = [
  { channel: 'sms', country: 'RU', operator: null, priceKopecks: 30 },
  { channel: 'sms', country: '*', operator: null, priceKopecks: 30 },
  { channel: 'messenger', country: '*', operator: null, priceKopecks: 0 },
  { channel: 'email', country: '*', operator: null, priceKopecks: 0 },
];

/** The country of an E.164 number, or null when it cannot be told. */
export function phoneCountry(e164: string): string | null {
  return parsePhoneNumberFromString(e164)?.country ?? null;
}

/** The most specific tariff for a message: operator over any operator, country over `*`. */
export function findTariff(
  tariffs: readonly Tariff[],
  channel: Channel,
  country: string | null,
  operator: string | null = null,
): Tariff | undefined {
  let best: Tariff | undefined;
  let bestScore = -1;
  for (const t of tariffs) {
    if (t.channel !== channel) continue;
    if (t.country !== '*' && t.country !== country) continue;
    if (t.operator !== null && t.operator !== operator) continue;
    const score = (t.country === '*' ? 0 : 2) + (t.operator === null ? 0 : 1);
    if (score > bestScore) {
      best = t;
      bestScore = score;
    }
  }
  return best;
}

/** The price of one message: segments × tariff for SMS, the tariff for the rest. */
export function priceOf(tariff: Tariff, channel: Channel, segments: number): number {
  return channel === 'sms' ? tariff.priceKopecks * segments : tariff.priceKopecks;
}

/** Kopecks as people read roubles: `1 234,50 ₽` (Russian) — never through floating point. */
export function formatRoubles(kopecks: number): string {
  const sign = kopecks < 0 ? '−' : '';
  const abs = Math.abs(kopecks);
  const roubles = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
  return `${sign}${roubles},${String(abs % 100).padStart(2, '0')}\u00a0₽`;
}

/** Parses a rouble amount as typed (`1000`, `1 000,50`, `0.3`) into kopecks; null if it is not one. */
export function parseRoubles(input: string): number | null {
  const s = input
    .trim()
    .replace(/[\s\u00a0₽]|руб\.?|RUB/gi, '')
    .replace(',', '.');
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  const kopecks = Number(m[2]) * 100 + Number((m[3] ?? '0').padEnd(2, '0'));
  if (!Number.isSafeInteger(kopecks)) return null;
  return m[1] ? -kopecks : kopecks;
}

/**
 * Unsubscribe and suppression (AC-4): the address is normalised the way contacts store it, written to
 * the suppression list, and every message to it not yet sent is excluded at once.
 */
import { normalizeChatId, normalizeEmail, normalizePhone } from '../core/address.ts';
import type { Result } from '../core/result.ts';
import type { Channel } from '../core/states.ts';
import { excludeQueuedTo, type Suppression, type SuppressionReason, suppress } from '../store/consent.ts';
import type { Db } from '../store/db.ts';

export function normalizeAddress(channel: Channel, address: string, field = 'address'): Result<string> {
  if (channel === 'sms') return normalizePhone(address, field);
  if (channel === 'email') return normalizeEmail(address, field);
  return normalizeChatId(address, field);
}

/** Suppresses the address; queued messages to it become `excluded` with the reason. */
export async function suppressAddress(
  db: Db,
  orgId: number,
  s: { channel: Channel; address: string; reason: SuppressionReason; note?: string; by: string },
): Promise<Result<{ suppression: Suppression; excludedMessages: number }>> {
  const address = normalizeAddress(s.channel, s.address);
  if (!address.ok) return address;
  const suppression = await suppress(db, orgId, { ...s, address: address.value });
  // After the suppression is committed: a launch running now either sees it or wrote rows this catches.
  const excludedMessages = await excludeQueuedTo(
    db,
    orgId,
    s.channel,
    address.value,
    s.reason === 'unsubscribed' ? 'unsubscribed' : `suppressed: ${s.reason}`,
  );
  return { ok: true, value: { suppression, excludedMessages } };
}

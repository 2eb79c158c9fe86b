/**
 * Incoming messages (issue 19): the one entry point for replies from every gateway — callbacks
 * (api/routes/gateways.ts), the gateway's own connection (Gateway.onInbound, registered by the
 * gateway pool) and polling (pollInboxes, from the dispatcher's sweep). Each is stored once per
 * provider id, linked to its contact and to the message it most likely answers; a stop request
 * («СТОП», the organisation's words) unsubscribes the address at once (AC-4): suppressed, every
 * message to it not yet sent excluded, consents withdrawn — and, if the organisation wants it,
 * acknowledged by one message through the ordinary single-send path.
 */
import { normalizePhone } from '../core/address.ts';
import { DEFAULT_CONFIRMATION_TEXT, DEFAULT_STOP_WORDS, isStopReply } from '../core/replies/stopWords.ts';
import type { Result } from '../core/result.ts';
import type { Channel } from '../core/states.ts';
import type { GatewayPool } from '../dispatch/gatewayPool.ts';
import type { InboundMessage } from '../providers/provider.ts';
import type { Db } from '../store/db.ts';
import { enabledGatewaysOfKinds, getGatewayById } from '../store/gateways.ts';
import {
  alreadyUnsubscribed,
  getReplySettings,
  type InboundRow,
  insertInbound,
  leaseInboundCursor,
  type ReplySettings,
  recordStopDone,
  releaseInboundCursor,
  saveInboundCursor,
  unfinishedStop,
} from '../store/inbound.ts';
import { normalizeAddress } from './consent.ts';
import { sendSingle } from './messaging.ts';
import { unsubscribeAddress } from './unsubscribe.ts';

/** Gateways whose inbox is polled (Gateway.inbound): the dispatcher's sweep asks them. */
export const POLLED_INBOX_KINDS = ['telegram'];
/** How long one process holds the right to poll a gateway's inbox. */
const POLL_LEASE_SECONDS = 60;

/**
 * An address as the provider gave it → as contacts store it. A number without its «+» (SMSC and
 * SMPP give «79123456789», abroad «4915112345678») is tried with one; what is no address Vestnik
 * knows (a short code, an alphanumeric sender) is kept as given, so the reply is still stored.
 */
export function inboundAddress(channel: Channel, from: string): string {
  const raw = from.trim();
  const a = normalizeAddress(channel, raw);
  if (a.ok) return a.value;
  if (channel === 'sms' && /^\d{11,15}$/.test(raw)) {
    const plus = normalizePhone(`+${raw}`);
    if (plus.ok) return plus.value;
  }
  return raw;
}

export interface Received {
  /** Stored now (a repeat of a provider id stored before is not). */
  stored: InboundRow[];
  /** Stop requests acted on now. */
  stops: number;
}

/** Stores a gateway's incoming messages and acts on the stop requests among them. */
export async function receiveInbound(
  db: Db,
  gatewayId: number,
  messages: InboundMessage[],
  now: Date = new Date(),
): Promise<Received> {
  const out: Received = { stored: [], stops: 0 };
  if (messages.length === 0) return out;
  const gateway = await getGatewayById(db, gatewayId);
  if (!gateway) throw new Error(`receiveInbound: gateway ${gatewayId} does not exist`);
  const settings = await getReplySettings(db, gateway.orgId);
  const words = settings.stopWords ?? DEFAULT_STOP_WORDS;
  for (const m of messages) {
    const text = m.text ?? '';
    const row = await insertInbound(db, {
      orgId: gateway.orgId,
      gatewayId,
      channel: gateway.channel,
      fromAddress: inboundAddress(gateway.channel, m.from),
      toAddress: m.to?.trim() || null,
      text,
      providerId: m.providerId ?? null,
      receivedAt: m.receivedAt && !Number.isNaN(m.receivedAt.getTime()) ? m.receivedAt : now,
      isStop: isStopReply(text, words),
    });
    if (!row) {
      const unfinished = m.providerId ? await unfinishedStop(db, gatewayId, m.providerId) : undefined;
      if (unfinished) {
        await actOnStop(db, unfinished, confirmationOf(settings));
        out.stops++;
      }
      continue;
    }
    out.stored.push(row);
    if (row.isStop) {
      await actOnStop(db, row, confirmationOf(settings));
      out.stops++;
    }
  }
  return out;
}

const confirmationOf = (s: ReplySettings): string | null =>
  s.confirmStop ? (s.confirmationText ?? DEFAULT_CONFIRMATION_TEXT) : null;

/**
 * Unsubscribes the address of a stop request (the same function as the e-mail's unsubscribe link)
 * and sends the confirmation, if any: once, since its idempotency key is the reply's id, and not held
 * back by the suppression just made (a single send to an address is not checked against the list).
 *
 * An address its owner unsubscribed before (a link, an earlier «СТОП») is left as it is: its
 * messages were excluded then and launches leave it out since, and a second exclusion would cancel
 * the first stop's confirmation if it has not gone yet — a person who writes «СТОП» twice is
 * answered once.
 */
async function actOnStop(db: Db, reply: InboundRow, confirmation: string | null): Promise<void> {
  if (await alreadyUnsubscribed(db, reply.orgId, reply.channel, reply.fromAddress)) {
    await recordStopDone(db, reply.id, { excludedMessages: 0, confirmationId: null });
    return;
  }
  const u: Result<{ excludedMessages: number }> = await unsubscribeAddress(db, reply.orgId, {
    channel: reply.channel,
    address: reply.fromAddress,
    contactId: reply.contactId,
    note: `reply ${reply.id}: «${reply.text.slice(0, 60)}»`,
    by: `recipient:reply:${reply.id}`,
  });
  // An address that is none (a short code): nothing to suppress, nobody to answer.
  if (!u.ok) {
    await recordStopDone(db, reply.id, { excludedMessages: 0, confirmationId: null });
    return;
  }
  let confirmationId: number | null = null;
  if (confirmation) {
    const sent = await sendSingle(db, reply.orgId, `reply:${reply.id}`, {
      channel: reply.channel,
      to: reply.fromAddress,
      text: confirmation,
      idempotencyKey: `stop-confirmation:${reply.id}`,
    });
    if (sent.ok) confirmationId = sent.value.message.id;
  }
  await recordStopDone(db, reply.id, { excludedMessages: u.value.excludedMessages, confirmationId });
}

/**
 * One round of polling: every enabled gateway whose inbox is polled, that no other process is
 * polling now, is asked for what came after its stored cursor; the messages are stored first and the
 * cursor moved after, so a crash in between asks again (and the provider ids make the repeat a no-op).
 */
export async function pollInboxes(
  db: Db,
  gateways: GatewayPool,
  onError: (err: unknown) => void = () => undefined,
): Promise<number> {
  let stored = 0;
  for (const id of await enabledGatewaysOfKinds(db, POLLED_INBOX_KINDS)) {
    let gateway: Awaited<ReturnType<GatewayPool['get']>>;
    try {
      gateway = await gateways.get(id);
    } catch (err) {
      onError(err);
      continue;
    }
    if (!gateway.inbound) continue;
    const lease = await leaseInboundCursor(db, id, POLL_LEASE_SECONDS);
    if (!lease) continue;
    try {
      const got = await gateway.inbound(lease.cursor);
      stored += (await receiveInbound(db, id, got.messages)).stored.length;
      await saveInboundCursor(db, id, got.cursor);
    } catch (err) {
      await releaseInboundCursor(db, id);
      onError(err);
    }
  }
  return stored;
}

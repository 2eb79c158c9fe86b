/**
 * One transactional message (SD-6): to a contact or a raw address, with an idempotency key so a
 * retried API call never sends twice. The row, its price reserved on the balance and a NOTIFY go in
 * one statement (store/messages.ts, insertSingleMessage); a worker picks it up at once.
 */
import crypto from 'node:crypto';
import { normalizeChatId, normalizeEmail, normalizePhone } from '../core/address.ts';
import { makePricer } from '../core/price.ts';
import { fail, ok, type Result } from '../core/result.ts';
import { transliterate } from '../core/sms/translit.ts';
import type { Channel } from '../core/states.ts';
import { addressFor } from '../dispatch/launch.ts';
import { getContact } from '../store/contacts.ts';
import type { Db, Queryable } from '../store/db.ts';
import { primaryGateway } from '../store/gateways.ts';
import { insertSingleMessage, type Message } from '../store/messages.ts';
import { getOrg } from '../store/orgs.ts';
import { findSender } from '../store/senders.ts';
import { listTariffs } from '../store/tariffs.ts';
import { holdSingleMessage, WAITING_REASON } from './moderation.ts';

export interface SingleSend {
  channel: Channel;
  to?: string;
  contactId?: number;
  text: string;
  subject?: string;
  idempotencyKey?: string;
  sender?: string;
  transliterate?: boolean;
}

export type SingleSendResult =
  | Result<{ message: Message; created: boolean }>
  | { ok: false; conflict: true }
  | { ok: false; insufficient: { costKopecks: number; availableKopecks: number } };

function normalizeAddress(channel: Channel, to: string): Result<string> {
  if (channel === 'sms') return normalizePhone(to, 'to');
  if (channel === 'email') return normalizeEmail(to, 'to');
  return normalizeChatId(to, 'to');
}

export async function sendSingle(
  db: Db,
  orgId: number,
  initiator: string,
  s: SingleSend,
): Promise<SingleSendResult> {
  if (s.text.trim() === '') return fail('text', s.text, 'is empty');
  if (s.channel === 'email' && !s.subject?.trim())
    return fail('subject', s.subject ?? null, 'an e-mail needs a subject');
  if ((s.to === undefined) === (s.contactId === undefined))
    return fail('to', s.to ?? null, 'give exactly one of `to` and `contactId`');
  // The gateway and the tariffs do not depend on the recipient: asked for at once, side by side, on
  // the pool's connections (a single send's latency is its round trips, issue 6); the organisation
  // for its moderation mode (issue 18) likewise.
  const lookups = Promise.all([
    primaryGateway(db, orgId, s.channel),
    listTariffs(db, orgId),
    getOrg(db, orgId),
  ]);
  lookups.catch(() => undefined); // awaited below unless the input is refused first
  let address: string;
  let contactId: number | null = null;
  if (s.contactId !== undefined) {
    const contact = await getContact(db, orgId, s.contactId);
    if (!contact) return fail('contactId', s.contactId, `contact ${s.contactId} not found`);
    if (contact.doNotMessage) return fail('contactId', s.contactId, 'the contact is marked «do not message»');
    const a = addressFor(s.channel, {
      phone: contact.phone,
      email: contact.email,
      telegram_chat_id: contact.telegramChatId,
    });
    if (!a) return fail('contactId', s.contactId, `the contact has no ${s.channel} address`);
    address = a;
    contactId = contact.id;
  } else {
    const a = normalizeAddress(s.channel, s.to!);
    if (!a.ok) return a;
    address = a.value;
  }
  const [gateway, tariffs, org] = await lookups;
  if (!gateway) return fail('channel', s.channel, `no enabled gateway for channel ${s.channel}`);
  if (s.sender !== undefined) {
    const sender = await findSender(db, gateway.id, s.sender);
    if (sender?.state !== 'approved') {
      return fail(
        'sender',
        s.sender,
        `is ${sender ? sender.state : 'not registered'} with gateway ${gateway.name}`,
      );
    }
  }
  const body = s.transliterate && s.channel === 'sms' ? transliterate(s.text) : s.text;
  const priced = makePricer(tariffs)(s.channel, address, body);
  const requestHash = crypto
    .createHash('sha256')
    .update(
      JSON.stringify([
        s.channel,
        address,
        contactId,
        s.text,
        s.subject ?? null,
        s.sender ?? null,
        s.transliterate ?? false,
      ]),
    )
    .digest('hex');
  // Written, then parked in the same transaction when moderation wants a look (issue 18): the
  // insert's NOTIFY is delivered at commit, when no worker can claim the parked row any more.
  const moderated = org !== undefined && org.moderationMode !== 'none';
  let held = false;
  const insert = (q: Queryable) =>
    insertSingleMessage(q, {
      orgId,
      contactId,
      channel: s.channel,
      gatewayId: gateway.id,
      address,
      subject: s.subject ?? null,
      body,
      initiator,
      idempotencyKey: s.idempotencyKey ?? null,
      requestHash,
      sender: s.sender ?? null,
      segments: priced.segments,
      priceKopecks: priced.priceKopecks,
    });
  const r = moderated
    ? await db.transaction(async (tx) => {
        const written = await insert(tx);
        if (written.ok && written.created)
          held = await holdSingleMessage(tx, org, written.message, initiator);
        return written;
      })
    : await insert(db);
  if (r.ok && held) r.message.reason = WAITING_REASON;
  if (!r.ok)
    return {
      ok: false,
      insufficient: { costKopecks: priced.priceKopecks, availableKopecks: r.availableKopecks },
    };
  if (!r.sameRequest) return { ok: false, conflict: true };
  return ok({ message: r.message, created: r.created });
}

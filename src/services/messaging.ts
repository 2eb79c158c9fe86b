/**
 * One transactional message (SD-6): to a contact or a raw address, with an idempotency key so a
 * retried API call never sends twice. Written as a queued row and a NOTIFY in one statement pair;
 * a worker picks it up at once.
 */
import crypto from 'node:crypto';
import { normalizeChatId, normalizeEmail, normalizePhone } from '../core/address.ts';
import { fail, ok, type Result } from '../core/result.ts';
import type { Channel } from '../core/states.ts';
import { addressFor } from '../dispatch/launch.ts';
import { getContact } from '../store/contacts.ts';
import type { Queryable } from '../store/db.ts';
import { primaryGateway } from '../store/gateways.ts';
import { insertSingleMessage, type Message } from '../store/messages.ts';

export interface SingleSend {
  channel: Channel;
  to?: string;
  contactId?: number;
  text: string;
  subject?: string;
  idempotencyKey?: string;
}

export type SingleSendResult = Result<{ message: Message; created: boolean }> | { ok: false; conflict: true };

function normalizeAddress(channel: Channel, to: string): Result<string> {
  if (channel === 'sms') return normalizePhone(to, 'to');
  if (channel === 'email') return normalizeEmail(to, 'to');
  return normalizeChatId(to, 'to');
}

export async function sendSingle(
  db: Queryable,
  orgId: number,
  initiator: string,
  s: SingleSend,
): Promise<SingleSendResult> {
  if (s.text.trim() === '') return fail('text', s.text, 'is empty');
  if (s.channel === 'email' && !s.subject?.trim())
    return fail('subject', s.subject ?? null, 'an e-mail needs a subject');
  if ((s.to === undefined) === (s.contactId === undefined))
    return fail('to', s.to ?? null, 'give exactly one of `to` and `contactId`');
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
  const gateway = await primaryGateway(db, orgId, s.channel);
  if (!gateway) return fail('channel', s.channel, `no enabled gateway for channel ${s.channel}`);
  const requestHash = crypto
    .createHash('sha256')
    .update(JSON.stringify([s.channel, address, contactId, s.text, s.subject ?? null]))
    .digest('hex');
  const r = await insertSingleMessage(db, {
    orgId,
    contactId,
    channel: s.channel,
    gatewayId: gateway.id,
    address,
    subject: s.subject ?? null,
    body: s.text,
    initiator,
    idempotencyKey: s.idempotencyKey ?? null,
    requestHash,
  });
  if (!r.sameRequest) return { ok: false, conflict: true };
  return ok({ message: r.message, created: r.created });
}

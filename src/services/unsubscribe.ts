/**
 * The recipient's own unsubscribe (CT-4, RFC 8058): the signed per-message link of an e-mail's
 * List-Unsubscribe header. Opening it only shows what would happen (mail scanners follow links);
 * the POST does it: the address goes on the organisation's suppression list (so every message to it
 * not yet sent is excluded — services/consent.ts) and the contact's consents on that channel are
 * withdrawn. Doing it twice changes nothing more.
 */
import { CATEGORIES } from '../core/audience/audience.ts';
import { peekUnsubscribeOrg, signUnsubscribe, verifyUnsubscribe } from '../core/email/unsubscribe.ts';
import type { Result } from '../core/result.ts';
import type { Channel } from '../core/states.ts';
import { withdrawConsent } from '../store/consent.ts';
import type { Db, Queryable } from '../store/db.ts';
import { getMessage } from '../store/messages.ts';
import { getLinkSecret, getOrg } from '../store/orgs.ts';
import { suppressAddress } from './consent.ts';

/**
 * The link for one message's List-Unsubscribe header: `${publicUrl}/u/${token}`, the token signed
 * with the organisation's link secret. Without `expiresAt` it never expires (a recipient may
 * unsubscribe from an old letter).
 */
export async function unsubscribeLink(
  q: Queryable,
  orgId: number,
  claims: { contactId: number; messageId: number },
  publicUrl: string,
  expiresAt?: Date,
): Promise<string> {
  const secret = await getLinkSecret(q, orgId);
  if (!secret) throw new Error(`unsubscribeLink: organisation ${orgId} does not exist`);
  const token = signUnsubscribe(secret, { orgId, ...claims }, expiresAt ? { expiresAt } : {});
  return `${publicUrl.replace(/\/+$/, '')}/u/${token}`;
}

export interface UnsubscribeTarget {
  orgId: number;
  orgName: string;
  contactId: number | null;
  messageId: number;
  channel: Channel;
  address: string;
}

export type Resolved =
  | { ok: true; target: UnsubscribeTarget }
  /** 404: not a genuine link (the same answer whatever is wrong); 410: genuine but expired. */
  | { ok: false; status: 404 | 410 };

const asId = (v: number | string): number | null => {
  const n = typeof v === 'number' ? v : /^\d{1,15}$/.test(v) ? Number(v) : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
};

/** Whose address a link is for, when it is genuine. */
export async function resolveUnsubscribe(q: Queryable, token: string, now: Date): Promise<Resolved> {
  const invalid = { ok: false, status: 404 } as const;
  const peeked = peekUnsubscribeOrg(token);
  const orgId = peeked === null ? null : asId(peeked);
  if (orgId === null) return invalid;
  const secret = await getLinkSecret(q, orgId);
  if (!secret) return invalid;
  const v = verifyUnsubscribe(secret, token, now.getTime() / 1000);
  if (!v.ok) return v.reason === 'expired' ? { ok: false, status: 410 } : invalid;
  const messageId = asId(v.claims.messageId);
  const contactId = asId(v.claims.contactId);
  if (asId(v.claims.orgId) !== orgId || messageId === null) return invalid;
  const message = await getMessage(q, orgId, messageId);
  // The message names the address and the channel; its contact must be the one the link was made for.
  if (!message || (message.contactId !== null && message.contactId !== contactId)) return invalid;
  const org = await getOrg(q, orgId);
  return {
    ok: true,
    target: {
      orgId,
      orgName: org?.name ?? '',
      contactId: message.contactId,
      messageId,
      channel: message.channel,
      address: message.address,
    },
  };
}

export type Unsubscribed =
  | { ok: true; target: UnsubscribeTarget; excludedMessages: number }
  | { ok: false; status: 404 | 410 };

export async function unsubscribeByToken(db: Db, token: string, now: Date): Promise<Unsubscribed> {
  const r = await resolveUnsubscribe(db, token, now);
  if (!r.ok) return r;
  const t = r.target;
  const s = await unsubscribeAddress(db, t.orgId, {
    channel: t.channel,
    address: t.address,
    contactId: t.contactId,
    note: `the recipient's link in message ${t.messageId}`,
    by: `recipient:message:${t.messageId}`,
  });
  // The address was normalised when the message was made; a failure here would be a bug.
  if (!s.ok) throw new Error(`unsubscribe: ${s.problem.field}: ${s.problem.message}`);
  return { ok: true, target: t, excludedMessages: s.value.excludedMessages };
}

/**
 * The recipient's own unsubscribe, however asked (the e-mail link, a «СТОП» reply —
 * services/inbound.ts): the address suppressed with reason «unsubscribed», every message to it not
 * yet sent excluded, and the contact's consents on the channel withdrawn.
 */
export async function unsubscribeAddress(
  db: Db,
  orgId: number,
  u: { channel: Channel; address: string; contactId: number | null; note: string; by: string },
): Promise<Result<{ excludedMessages: number }>> {
  const s = await suppressAddress(db, orgId, {
    channel: u.channel,
    address: u.address,
    reason: 'unsubscribed',
    note: u.note,
    by: u.by,
  });
  if (!s.ok) return s;
  if (u.contactId !== null) {
    for (const category of CATEGORIES) {
      await withdrawConsent(db, orgId, { contactId: u.contactId, channel: u.channel, category });
    }
  }
  return { ok: true, value: { excludedMessages: s.value.excludedMessages } };
}

/**
 * Incoming messages (replies, «СТОП», messages to the bot), the organisation's reply settings, and
 * the cursors of polled inboxes (migration 0016).
 */
import type { Channel } from '../core/states.ts';
import type { Queryable } from './db.ts';

export interface InboundRow {
  id: number;
  orgId: number;
  gatewayId: number;
  channel: Channel;
  fromAddress: string;
  toAddress: string | null;
  text: string;
  providerId: string | null;
  receivedAt: Date;
  contactId: number | null;
  messageId: number | null;
  campaignId: number | null;
  isStop: boolean;
  excludedMessages: number | null;
  confirmationId: number | null;
}

interface Row {
  id: number;
  org_id: number;
  gateway_id: number;
  channel: Channel;
  from_address: string;
  to_address: string | null;
  text: string;
  provider_id: string | null;
  received_at: Date;
  contact_id: number | null;
  message_id: number | null;
  campaign_id: number | null;
  is_stop: boolean;
  excluded_messages: number | null;
  confirmation_id: number | null;
}

const toInbound = (r: Row): InboundRow => ({
  id: r.id,
  orgId: r.org_id,
  gatewayId: r.gateway_id,
  channel: r.channel,
  fromAddress: r.from_address,
  toAddress: r.to_address,
  text: r.text,
  providerId: r.provider_id,
  receivedAt: r.received_at,
  contactId: r.contact_id,
  messageId: r.message_id,
  campaignId: r.campaign_id,
  isStop: r.is_stop,
  excludedMessages: r.excluded_messages,
  confirmationId: r.confirmation_id,
});

/** The contacts' column that holds an address of the channel. */
const ADDRESS_COLUMN: Record<Channel, string> = {
  sms: 'phone',
  messenger: 'telegram_chat_id',
  email: 'email',
};

/** How far back a reply may answer a message. */
export const ANSWER_WINDOW_DAYS = 7;

/**
 * Stores one incoming message, linked in the same statement to the lowest contact id of the
 * organisation holding the address, and to the latest message sent to that address on the channel
 * within ANSWER_WINDOW_DAYS before it came (found through the holders' contact index, so no index on
 * the messages' addresses is needed on the launch's hot path). Undefined when the provider's id was
 * stored before: a repeat.
 */
export async function insertInbound(
  q: Queryable,
  m: Pick<
    InboundRow,
    | 'orgId'
    | 'gatewayId'
    | 'channel'
    | 'fromAddress'
    | 'toAddress'
    | 'text'
    | 'providerId'
    | 'receivedAt'
    | 'isStop'
  >,
): Promise<InboundRow | undefined> {
  const column = ADDRESS_COLUMN[m.channel];
  const { rows } = await q.query<Row>(
    `WITH holders AS (SELECT id FROM contacts WHERE org_id = $1 AND ${column} = $4),
     answered AS (
       SELECT msg.id, msg.campaign_id FROM messages msg
       WHERE msg.org_id = $1 AND msg.contact_id IN (SELECT id FROM holders) AND msg.channel = $3
         AND msg.address = $4 AND msg.submitted_at IS NOT NULL AND msg.submitted_at <= $8::timestamptz
         AND msg.submitted_at > $8::timestamptz - make_interval(days => $10)
       ORDER BY msg.id DESC LIMIT 1)
     INSERT INTO inbound_messages (org_id, gateway_id, channel, from_address, to_address, text, provider_id,
                                   received_at, is_stop, contact_id, message_id, campaign_id)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, (SELECT min(id) FROM holders),
            (SELECT id FROM answered), (SELECT campaign_id FROM answered)
     ON CONFLICT (gateway_id, provider_id) DO NOTHING
     RETURNING *`,
    [
      m.orgId,
      m.gatewayId,
      m.channel,
      m.fromAddress,
      m.toAddress,
      m.text,
      m.providerId,
      m.receivedAt,
      m.isStop,
      ANSWER_WINDOW_DAYS,
    ],
  );
  return rows[0] ? toInbound(rows[0]) : undefined;
}

/**
 * The stored message a repeat names, when it is a stop request not yet acted on (the process that
 * stored it stopped before it was done): the repeat finishes the job.
 */
export async function unfinishedStop(
  q: Queryable,
  gatewayId: number,
  providerId: string,
): Promise<InboundRow | undefined> {
  const { rows } = await q.query<Row>(
    `SELECT * FROM inbound_messages WHERE gateway_id = $1 AND provider_id = $2
       AND is_stop AND excluded_messages IS NULL`,
    [gatewayId, providerId],
  );
  return rows[0] ? toInbound(rows[0]) : undefined;
}

/** Was the address unsubscribed by its owner before (a link, an earlier stop request)? */
export async function alreadyUnsubscribed(
  q: Queryable,
  orgId: number,
  channel: Channel,
  address: string,
): Promise<boolean> {
  const { rows } = await q.query(
    "SELECT 1 FROM suppressions WHERE org_id = $1 AND channel = $2 AND address = $3 AND reason = 'unsubscribed'",
    [orgId, channel, address],
  );
  return rows.length > 0;
}

/** What a stop request did: the messages it excluded and the confirmation sent, if any. */
export async function recordStopDone(
  q: Queryable,
  id: number,
  done: { excludedMessages: number; confirmationId: number | null },
): Promise<void> {
  await q.query('UPDATE inbound_messages SET excluded_messages = $2, confirmation_id = $3 WHERE id = $1', [
    id,
    done.excludedMessages,
    done.confirmationId,
  ]);
}

/** A reply as the API and the interface show it: with its contact and the message it answers. */
export interface Reply extends InboundRow {
  contactName: string | null;
  campaignName: string | null;
  /** The text of the message it answers. */
  answeredText: string | null;
}

export interface ReplyFilter {
  /** The address in any of these forms (as typed, normalised). */
  from?: string[];
  contactId?: number;
  stopOnly?: boolean;
  /** Words in the text, case-insensitively. */
  search?: string;
  since?: Date;
  until?: Date;
}

const likePattern = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Replies newest first, a page of `limit` below id `beforeId`. */
export async function listReplies(
  q: Queryable,
  orgId: number,
  f: ReplyFilter,
  page: { beforeId: number; limit: number },
): Promise<Reply[]> {
  const { rows } = await q.query<
    Row & { contact_name: string | null; campaign_name: string | null; answered_text: string | null }
  >(
    `SELECT i.*, nullif(trim(concat_ws(' ', c.last_name, c.first_name, c.middle_name)), '') AS contact_name,
            cp.name AS campaign_name, m.body AS answered_text
     FROM inbound_messages i
     LEFT JOIN contacts c ON c.id = i.contact_id
     LEFT JOIN campaigns cp ON cp.id = i.campaign_id AND cp.org_id = i.org_id
     LEFT JOIN messages m ON m.id = i.message_id AND m.org_id = i.org_id
     WHERE i.org_id = $1 AND i.id < $2
       AND ($4::text[] IS NULL OR i.from_address = ANY($4::text[]))
       AND ($5::bigint IS NULL OR i.contact_id = $5)
       AND (NOT $6 OR i.is_stop)
       AND ($7::text IS NULL OR i.text ILIKE $7)
       AND ($8::timestamptz IS NULL OR i.received_at >= $8)
       AND ($9::timestamptz IS NULL OR i.received_at < $9)
     ORDER BY i.id DESC LIMIT $3`,
    [
      orgId,
      page.beforeId,
      page.limit,
      f.from ?? null,
      f.contactId ?? null,
      f.stopOnly ?? false,
      f.search ? likePattern(f.search) : null,
      f.since ?? null,
      f.until ?? null,
    ],
  );
  return rows.map((r) => ({
    ...toInbound(r),
    contactName: r.contact_name,
    campaignName: r.campaign_name,
    answeredText: r.answered_text,
  }));
}

export interface ReplySettings {
  /** Null: the defaults (core/replies/stopWords.ts). */
  stopWords: string[] | null;
  confirmStop: boolean;
  /** Null: the default text. */
  confirmationText: string | null;
}

export async function getReplySettings(q: Queryable, orgId: number): Promise<ReplySettings> {
  const { rows } = await q.query<{
    stop_words: string[] | null;
    confirm_stop: boolean;
    confirmation_text: string | null;
  }>('SELECT stop_words, confirm_stop, confirmation_text FROM reply_settings WHERE org_id = $1', [orgId]);
  const r = rows[0];
  return r
    ? { stopWords: r.stop_words, confirmStop: r.confirm_stop, confirmationText: r.confirmation_text }
    : { stopWords: null, confirmStop: false, confirmationText: null };
}

export async function putReplySettings(q: Queryable, orgId: number, s: ReplySettings): Promise<void> {
  await q.query(
    `INSERT INTO reply_settings (org_id, stop_words, confirm_stop, confirmation_text) VALUES ($1, $2, $3, $4)
     ON CONFLICT (org_id) DO UPDATE SET stop_words = excluded.stop_words, confirm_stop = excluded.confirm_stop,
       confirmation_text = excluded.confirmation_text`,
    [orgId, s.stopWords, s.confirmStop, s.confirmationText],
  );
}

/**
 * Takes the right to poll a gateway's inbox for `leaseSeconds`: its cursor, or undefined when
 * another process holds it now. A process that dies while polling lets the lease run out.
 */
export async function leaseInboundCursor(
  q: Queryable,
  gatewayId: number,
  leaseSeconds: number,
): Promise<{ cursor: string | null } | undefined> {
  await q.query('INSERT INTO inbound_cursors (gateway_id) VALUES ($1) ON CONFLICT (gateway_id) DO NOTHING', [
    gatewayId,
  ]);
  const { rows } = await q.query<{ cursor: string | null }>(
    `UPDATE inbound_cursors SET leased_until = now() + make_interval(secs => $2)
     WHERE gateway_id = $1 AND (leased_until IS NULL OR leased_until < now()) RETURNING cursor`,
    [gatewayId, leaseSeconds],
  );
  return rows[0];
}

/** Moves the cursor on (after the messages it covers are stored) and gives the lease back. */
export async function saveInboundCursor(
  q: Queryable,
  gatewayId: number,
  cursor: string | null,
): Promise<void> {
  await q.query(
    'UPDATE inbound_cursors SET cursor = $2, leased_until = NULL, polled_at = now() WHERE gateway_id = $1',
    [gatewayId, cursor],
  );
}

/** Gives the lease back without moving the cursor (the poll failed). */
export async function releaseInboundCursor(q: Queryable, gatewayId: number): Promise<void> {
  await q.query('UPDATE inbound_cursors SET leased_until = NULL WHERE gateway_id = $1', [gatewayId]);
}

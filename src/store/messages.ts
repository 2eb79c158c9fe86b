/**
 * Messages (SD-2) — and the dispatch queue, which is the same table.
 *
 * `due_at` says when a row next needs a worker: a queued row is due to be sent (or re-sent once the
 * lease of a crashed worker runs out); a submitted row is due for a status poll or, past its
 * deadline, to be expired. Claiming pushes `due_at` forward by the lease, so a crash needs no
 * cleanup: the row simply becomes due again.
 */
import type { MessageContent } from '../core/content.ts';
import type { Channel, MessageState } from '../core/states.ts';
import type { Queryable } from './db.ts';

export const DUE_CHANNEL = 'vestnik_due';

export interface Message {
  id: number;
  campaignId: number | null;
  contactId: number | null;
  channel: Channel;
  address: string;
  subject: string | null;
  body: string;
  state: MessageState;
  reason: string | null;
  attempts: number;
  gatewayId: number | null;
  providerMessageId: string | null;
  rawStatus: string | null;
  segments: number;
  /** The price estimated at launch or send (segments × tariff). */
  priceKopecks: number;
  /** What was charged when the gateway accepted it; null until then. */
  costKopecks: number | null;
  sender: string | null;
  initiator: string;
  createdAt: Date;
  submittedAt: Date | null;
  finalAt: Date | null;
}

interface Row {
  id: number;
  org_id: number;
  campaign_id: number | null;
  contact_id: number | null;
  channel: Channel;
  address: string;
  subject: string | null;
  body: string;
  state: MessageState;
  reason: string | null;
  attempts: number;
  gateway_id: number | null;
  provider_message_id: string | null;
  raw_status: string | null;
  segments: number;
  price_kopecks: number;
  cost_kopecks: number | null;
  sender: string | null;
  initiator: string;
  created_at: Date;
  submitted_at: Date | null;
  final_at: Date | null;
  request_hash: string | null;
}

const toMessage = (r: Row): Message => ({
  id: r.id,
  campaignId: r.campaign_id,
  contactId: r.contact_id,
  channel: r.channel,
  address: r.address,
  subject: r.subject,
  body: r.body,
  state: r.state,
  reason: r.reason,
  attempts: r.attempts,
  gatewayId: r.gateway_id,
  providerMessageId: r.provider_message_id,
  rawStatus: r.raw_status,
  segments: r.segments,
  priceKopecks: r.price_kopecks,
  costKopecks: r.cost_kopecks,
  sender: r.sender,
  initiator: r.initiator,
  createdAt: r.created_at,
  submittedAt: r.submitted_at,
  finalAt: r.final_at,
});

export interface NewMessage {
  /** Taken beforehand (allocateMessageIds) when the text names its own message: an unsubscribe link. */
  id?: number;
  contactId: number | null;
  address: string;
  body: string;
  subject: string | null;
  /** 'queued' to send, or a final state (excluded, invalid_address) with its reason. */
  state: 'queued' | 'excluded' | 'invalid_address';
  reason: string | null;
  segments: number;
  priceKopecks: number;
  /** An e-mail's HTML, headers and attachments (CT-4); absent for SMS and messenger. */
  content?: MessageContent | null;
  /** When it is first due (issue 7); absent: at once. */
  dueAt?: Date;
  /** Why it is due then, in words (issue 7 item 8). */
  dueReason?: string | null;
  /** The recipient's time zone, for the window and the caps the worker checks before each send. */
  zone?: string | null;
  /** The organisation's daytime window holds it (not in urgent mode). */
  windowed?: boolean;
  /** Debt collection's hours and caps apply (SD-7). */
  collection?: boolean;
  /** The messenger message this SMS is the fallback of (the cascade, CH-2). */
  cascadeOf?: number | null;
}

/**
 * Writes a launch batch in one statement. Rows that exist already (a relaunch after a crash) are
 * skipped by the unique key; returns how many were new.
 */
export async function insertCampaignMessages(
  tx: Queryable,
  c: {
    orgId: number;
    campaignId: number;
    channel: Channel;
    gatewayId: number;
    initiator: string;
    sender: string | null;
  },
  batch: NewMessage[],
): Promise<number> {
  if (batch.length === 0) return 0;
  // Ids taken beforehand go in as they are; otherwise the identity column numbers the rows.
  const ids = batch.some((m) => m.id !== undefined);
  // The batch goes as one JSON document the server takes apart: JSON.stringify is native, where
  // sixteen array parameters were escaped element by element in JavaScript (a launch is bound by
  // this process's CPU, not the server's).
  const rows = JSON.stringify(
    batch.map((m) => ({
      contact_id: m.contactId,
      address: m.address,
      body: m.body,
      subject: m.subject,
      state: m.state,
      reason: m.reason,
      segments: m.segments,
      price: m.priceKopecks,
      content: m.content ?? null,
      id: m.id ?? null,
      due_at: m.dueAt ?? null,
      due_reason: m.dueReason ?? null,
      zone: m.zone ?? null,
      windowed: m.windowed ?? false,
      collection: m.collection ?? false,
      cascade_of: m.cascadeOf ?? null,
    })),
  );
  const { rowCount } = await tx.query(
    `INSERT INTO messages (${ids ? 'id, ' : ''}org_id, campaign_id, channel, gateway_id, initiator, sender, contact_id, address, body, subject,
                           state, reason, segments, price_kopecks, content, due_at, final_at, due_reason, zone, windowed,
                           collection, cascade_of)
     ${ids ? 'OVERRIDING SYSTEM VALUE' : ''}
     SELECT ${ids ? "coalesce(u.id, nextval(pg_get_serial_sequence('messages', 'id'))), " : ''}$1, $2, $3, $4, $5, $6, u.contact_id, u.address, u.body, u.subject, u.state, u.reason, u.segments, u.price,
            u.content, CASE WHEN u.state = 'queued' THEN coalesce(u.due_at, now()) END, CASE WHEN u.state <> 'queued' THEN now() END,
            u.due_reason, u.zone, u.windowed, u.collection, u.cascade_of
     FROM json_to_recordset($7::json)
          AS u(contact_id bigint, address text, body text, subject text, state text, reason text, segments int, price bigint,
               content jsonb, id bigint, due_at timestamptz, due_reason text, zone text, windowed boolean, collection boolean,
               cascade_of bigint)
     ON CONFLICT (campaign_id, contact_id, channel) WHERE campaign_id IS NOT NULL AND contact_id IS NOT NULL
     DO NOTHING`,
    [c.orgId, c.campaignId, c.channel, c.gatewayId, c.initiator, c.sender, rows],
  );
  return rowCount;
}

/** Message ids taken from the table's sequence before the rows are written, in one round trip. */
export async function allocateMessageIds(tx: Queryable, n: number): Promise<number[]> {
  if (n === 0) return [];
  const { rows } = await tx.query<{ id: number }>(
    `SELECT nextval(pg_get_serial_sequence('messages', 'id'))::bigint AS id FROM generate_series(1, $1::int)`,
    [n],
  );
  return rows.map((r) => r.id);
}

export interface SingleMessageInput {
  orgId: number;
  contactId: number | null;
  channel: Channel;
  gatewayId: number;
  address: string;
  subject: string | null;
  body: string;
  initiator: string;
  idempotencyKey: string | null;
  requestHash: string | null;
  sender: string | null;
  segments: number;
  priceKopecks: number;
}

/**
 * A transactional message (SD-6) with its price held on the balance, in one statement (atomic
 * without a transaction of its own, and one round trip: issue 6's latency from the API call to the
 * gateway). The balance row is locked first, so concurrent sends of one organisation — repeats of
 * one idempotency key among them — go one at a time: a repeat meets the first's committed row,
 * writes nothing and holds nothing. With an idempotency key, a repeat returns the first message:
 * `created` is false and `sameRequest` tells whether the repeat asked for the same thing. When the
 * available balance does not cover the price, nothing is written and what is available is returned.
 */
export async function insertSingleMessage(
  db: Queryable,
  m: SingleMessageInput,
): Promise<
  | { ok: true; message: Message; created: boolean; sameRequest: boolean }
  | { ok: false; availableKopecks: number }
> {
  const { rows } = await db.query<Row & { available: number | null }>(
    `WITH bal AS (
       SELECT balance_kopecks - reserved_kopecks AS available FROM balances WHERE org_id = $1 FOR UPDATE
     ), ins AS (
       INSERT INTO messages (org_id, contact_id, channel, gateway_id, address, subject, body, state, due_at,
                             initiator, idempotency_key, request_hash, sender, segments, price_kopecks,
                             reserved_kopecks, priority)
       SELECT $1::bigint, $2::bigint, $3::text, $4::bigint, $5::text, $6::text, $7::text, 'queued', now(),
              $8::text, $9::text, $10::text, $11::text, $12::int, $13::bigint, $13::bigint, 0
       WHERE $13::bigint = 0 OR (SELECT available FROM bal) >= $13::bigint
       ON CONFLICT (org_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       -- Delivered at commit, only when a row was written: idle workers wake for it.
       RETURNING *, pg_notify($14, id::text) AS notified
     ), held AS (
       UPDATE balances SET reserved_kopecks = reserved_kopecks + $13::bigint
       WHERE org_id = $1 AND $13::bigint > 0 AND EXISTS (SELECT 1 FROM ins)
       RETURNING org_id
     ), line AS (
       INSERT INTO ledger (org_id, kind, amount_kopecks, reserved_delta_kopecks, message_id, comment, initiator)
       SELECT held.org_id, 'reserve', 0, $13::bigint, ins.id, 'single message', $8::text FROM held, ins
     )
     SELECT ins.*, (SELECT available FROM bal) AS available FROM (SELECT 1) AS one LEFT JOIN ins ON true`,
    [
      m.orgId,
      m.contactId,
      m.channel,
      m.gatewayId,
      m.address,
      m.subject,
      m.body,
      m.initiator,
      m.idempotencyKey,
      m.requestHash,
      m.sender,
      m.segments,
      m.priceKopecks,
      DUE_CHANNEL,
    ],
  );
  const row = rows[0]!;
  if (row.id !== null) return { ok: true, message: toMessage(row), created: true, sameRequest: true };
  const first = m.idempotencyKey
    ? (
        await db.query<Row>('SELECT * FROM messages WHERE org_id = $1 AND idempotency_key = $2', [
          m.orgId,
          m.idempotencyKey,
        ])
      ).rows[0]
    : undefined;
  if (first)
    return {
      ok: true,
      message: toMessage(first),
      created: false,
      sameRequest: first.request_hash === m.requestHash,
    };
  return { ok: false, availableKopecks: Number(row.available ?? 0) };
}

export async function getMessage(db: Queryable, orgId: number, id: number): Promise<Message | undefined> {
  const { rows } = await db.query<Row>('SELECT * FROM messages WHERE org_id = $1 AND id = $2', [orgId, id]);
  return rows[0] ? toMessage(rows[0]) : undefined;
}

export async function listCampaignMessages(
  db: Queryable,
  orgId: number,
  campaignId: number,
  page: { afterId: number; limit: number; state?: MessageState },
): Promise<Message[]> {
  const { rows } = await db.query<Row>(
    `SELECT * FROM messages WHERE org_id = $1 AND campaign_id = $2 AND id > $3 AND ($5::text IS NULL OR state = $5)
     ORDER BY id LIMIT $4`,
    [orgId, campaignId, page.afterId, page.limit, page.state ?? null],
  );
  return rows.map(toMessage);
}

/** A contact's history on every channel, newest first (RP-3). */
export async function listContactMessages(
  db: Queryable,
  orgId: number,
  contactId: number,
  page: { beforeId: number; limit: number },
): Promise<Message[]> {
  const { rows } = await db.query<Row>(
    'SELECT * FROM messages WHERE org_id = $1 AND contact_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4',
    [orgId, contactId, page.beforeId, page.limit],
  );
  return rows.map(toMessage);
}

/**
 * What the receipts inbox shows (issue 19): a message's parts and the receipts applied to it, and a
 * gateway's receipts by outcome — the ambiguous and unmatched ones are kept to be seen, never applied
 * to a guess. Every query goes through the organisation's own message or gateway.
 */
import type { Queryable } from './db.ts';

export type ReceiptOutcome = 'pending' | 'applied' | 'ambiguous' | 'unmatched';

export interface StoredReceipt {
  id: number;
  gatewayId: number;
  providerId: string;
  state: string;
  rawStatus: string;
  destination: string | null;
  receivedAt: Date;
  outcome: ReceiptOutcome;
  messageId: number | null;
  part: number | null;
  decidedAt: Date | null;
}

export interface MessagePart {
  part: number;
  providerId: string;
  state: string;
  rawStatus: string | null;
}

interface ReceiptRow {
  id: string;
  gateway_id: string;
  provider_id: string;
  state: string;
  raw_status: string;
  destination: string | null;
  received_at: Date;
  outcome: ReceiptOutcome;
  message_id: string | null;
  part: number | null;
  decided_at: Date | null;
}

const toReceipt = (r: ReceiptRow): StoredReceipt => ({
  id: Number(r.id),
  gatewayId: Number(r.gateway_id),
  providerId: r.provider_id,
  state: r.state,
  rawStatus: r.raw_status,
  destination: r.destination,
  receivedAt: r.received_at,
  outcome: r.outcome,
  messageId: r.message_id === null ? null : Number(r.message_id),
  part: r.part,
  decidedAt: r.decided_at,
});

const COLUMNS = `d.id, d.gateway_id, d.provider_id, d.state, d.raw_status, d.destination, d.received_at,
  d.outcome, d.message_id, d.part, d.decided_at`;

/** A message's parts (a long SMS sent part by part) and the receipts applied to it; null: not the org's. */
export async function messageReceipts(
  db: Queryable,
  orgId: number,
  messageId: number,
): Promise<{ parts: MessagePart[]; receipts: StoredReceipt[] } | null> {
  const own = await db.query('SELECT 1 FROM messages WHERE id = $1 AND org_id = $2', [messageId, orgId]);
  if (own.rows.length === 0) return null;
  const [parts, receipts] = await Promise.all([
    db.query<{ part: number; provider_id: string; state: string; raw_status: string | null }>(
      'SELECT part, provider_id, state, raw_status FROM message_parts WHERE message_id = $1 ORDER BY part',
      [messageId],
    ),
    db.query<ReceiptRow>(`SELECT ${COLUMNS} FROM delivery_receipts d WHERE d.message_id = $1 ORDER BY d.id`, [
      messageId,
    ]),
  ]);
  return {
    parts: parts.rows.map((p) => ({
      part: p.part,
      providerId: p.provider_id,
      state: p.state,
      rawStatus: p.raw_status,
    })),
    receipts: receipts.rows.map(toReceipt),
  };
}

/** A gateway's receipts, newest first, by outcome; null when the gateway is not the organisation's. */
export async function gatewayReceipts(
  db: Queryable,
  orgId: number,
  gatewayId: number,
  o: { outcome: ReceiptOutcome | null; beforeId: number | null; limit: number },
): Promise<StoredReceipt[] | null> {
  const own = await db.query('SELECT 1 FROM gateways WHERE id = $1 AND org_id = $2', [gatewayId, orgId]);
  if (own.rows.length === 0) return null;
  const { rows } = await db.query<ReceiptRow>(
    `SELECT ${COLUMNS} FROM delivery_receipts d
     WHERE d.gateway_id = $1 AND ($2::text IS NULL OR d.outcome = $2) AND ($3::bigint IS NULL OR d.id < $3)
     ORDER BY d.id DESC LIMIT $4`,
    [gatewayId, o.outcome, o.beforeId, o.limit],
  );
  return rows.map(toReceipt);
}

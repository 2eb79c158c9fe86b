/**
 * Delivery receipts as an inbox (issue 19; migration 0015). A gateway's final reports — callbacks,
 * SMPP receipts, polls — are written to `delivery_receipts` before they are acknowledged, and then
 * applied to their messages:
 *
 *   receipt ─stored─▶ pending ─one message in its life carries the id─▶ applied
 *                        │      └─several do (a reused id, no destination to choose)─▶ ambiguous
 *                        └─none does and none will (past the send's slack)─────────▶ unmatched
 *
 * **Never lost.** A receipt can overtake the gateway's answer to the send: it names an id no message
 * carries yet. The receipt's transaction and the send outcome's each apply pending receipts once
 * they have *committed* (`receiveReports`, `applyReceiptsOf`), so whichever commits second sees the
 * other's rows — two transactions cannot both commit before each other. The sweep
 * (`settleReceipts`) covers only a process that died between its commit and that look.
 *
 * **Never applied to a guess.** Providers reuse ids (a restarted SMSC, a wrapped counter). A receipt
 * matches a message of its gateway that carries its id *within the message's life*: submitted no
 * later than `SEND_SLACK_MINUTES` after the receipt came (the send's answer may be written after its
 * receipt), its deadline not passed, not final for longer than `FINAL_GRACE` (a repeat of its own
 * receipt), and to the receipt's destination when the receipt names one (last ten digits). One
 * match is applied; several are kept as «ambiguous» and shown, never applied.
 *
 * **Parts.** A long SMS sent as several submits carries an id per part (`message_parts`). Each part
 * takes its own receipts; the message then follows its parts: rejected or undelivered as soon as any
 * part is; delivered when every part is; expired or unknown when every part is final and none
 * failed outright. Applying is monotonic and idempotent like every status change (states.ts rank).
 */
import type { MessageState } from '../core/states.ts';
import type { Queryable } from './db.ts';

export interface ReceiptReport {
  providerId: string;
  state: MessageState;
  rawStatus: string;
  destination?: string;
}

/** How long after a receipt the send's answer may still be written and claim it, in minutes. */
export const SEND_SLACK_MINUTES = 5;
/** How long after a message became final a receipt may still be a repeat of its own. */
export const FINAL_GRACE = '1 hour';

const FINAL: readonly string[] = ['delivered', 'undelivered', 'rejected', 'expired', 'unknown'];

/** The last ten digits of a phone number, the part every national and international form shares. */
function destinationKey(destination: string | undefined): string | null {
  if (!destination) return null;
  const digits = destination.replace(/\D/g, '');
  return digits.length >= 5 ? digits.slice(-10) : null;
}

/** Stores final reports as pending; returns their ids. Intermediate ones change nothing: skipped. */
export async function insertReceipts(
  db: Queryable,
  gatewayId: number,
  reports: ReceiptReport[],
  now: Date | null = null,
): Promise<number[]> {
  const final = reports.filter((r) => FINAL.includes(r.state));
  if (final.length === 0) return [];
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO delivery_receipts
       (gateway_id, provider_id, state, raw_status, destination, destination_key, received_at)
     SELECT $1, u.provider_id, u.state, u.raw_status, u.destination, u.key,
            coalesce($7::timestamptz, statement_timestamp())
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
          AS u(provider_id, state, raw_status, destination, key)
     RETURNING id`,
    [
      gatewayId,
      final.map((r) => r.providerId),
      final.map((r) => r.state),
      final.map((r) => r.rawStatus),
      final.map((r) => r.destination ?? null),
      final.map((r) => destinationKey(r.destination)),
      now,
    ],
  );
  return rows.map((r) => Number(r.id));
}

/** Which pending receipts a pass looks at: these receipts, those naming these ids, or all. */
export type ReceiptScope =
  | { receiptIds: number[] }
  | { providerIds: string[] }
  | { olderThan: Date | null; all: true };

/** The sweep looks at this many pending receipts at a time (a flood of strangers' ids stays cheap). */
const SWEEP_BATCH = 10_000;

const scopeSql = (scope: ReceiptScope): { where: string; param: unknown } =>
  'receiptIds' in scope
    ? { where: 'd.id = ANY($1::bigint[])', param: scope.receiptIds }
    : 'providerIds' in scope
      ? { where: 'd.provider_id = ANY($1::text[])', param: scope.providerIds }
      : {
          where: `d.received_at < coalesce($1::timestamptz, statement_timestamp()) ORDER BY d.id LIMIT ${SWEEP_BATCH}`,
          param: scope.olderThan,
        };

/** A message's life, as seen by receipt `r`: the matching rules above, in SQL. */
const IN_LIFE = `m.submitted_at <= r.received_at + make_interval(mins => ${SEND_SLACK_MINUTES})
    AND (m.status_deadline IS NULL OR r.received_at <= m.status_deadline)
    AND (m.final_at IS NULL OR m.state = 'submitted' OR r.received_at <= m.final_at + interval '${FINAL_GRACE}')
    AND (r.destination_key IS NULL OR right(regexp_replace(m.address, '\\D', '', 'g'), 10) = r.destination_key)`;

/**
 * Applies the pending receipts in `scope` that now have exactly one message in their life, marks
 * those with several ambiguous, and those with none unmatched when `decideUnmatched` (the sweep,
 * past the send's slack). Returns the campaigns of messages that became final.
 */
export async function applyPendingReceipts(
  db: Queryable,
  scope: ReceiptScope,
  decideUnmatched = false,
): Promise<Applied> {
  const { where, param } = scopeSql(scope);
  if (Array.isArray(param) && param.length === 0) return { changed: 0, campaigns: [] };
  const { rows } = await db.query<{ kind: 'message' | 'part'; id: string; campaign_id: string | null }>(
    `WITH r AS (
       -- The receipts are durable already: applying them need not wait for the disk (a crash loses
       -- only the application, and the sweep applies them again), so this commit does not either.
       SELECT d.* FROM delivery_receipts d, (SELECT set_config('synchronous_commit', 'off', true)) async
       WHERE d.outcome = 'pending' AND ${where}),
     cand AS (
       SELECT r.id AS rid, m.id AS mid, NULL::smallint AS part
       FROM r JOIN messages m ON m.gateway_id = r.gateway_id AND m.provider_message_id = r.provider_id
       WHERE m.parts IS NULL AND ${IN_LIFE}
       UNION ALL
       SELECT r.id, m.id, p.part
       FROM r JOIN message_parts p ON p.gateway_id = r.gateway_id AND p.provider_id = r.provider_id
              JOIN messages m ON m.id = p.message_id
       WHERE ${IN_LIFE}),
     counted AS (
       SELECT rid, min(mid) AS mid, min(part) AS part, count(*) AS n FROM cand GROUP BY rid),
     best AS (
       SELECT DISTINCT ON (c.mid) c.mid, r.state, r.raw_status
       FROM counted c JOIN r ON r.id = c.rid WHERE c.n = 1 AND c.part IS NULL
       ORDER BY c.mid, message_state_rank(r.state) DESC, r.id),
     msg AS (
       UPDATE messages m SET state = best.state, raw_status = best.raw_status,
         final_at = statement_timestamp(), due_at = NULL
       FROM best WHERE m.id = best.mid AND message_state_rank(best.state) > message_state_rank(m.state)
       RETURNING m.id, m.campaign_id),
     part_best AS (
       SELECT DISTINCT ON (c.mid, c.part) c.mid, c.part, r.state, r.raw_status
       FROM counted c JOIN r ON r.id = c.rid WHERE c.n = 1 AND c.part IS NOT NULL
       ORDER BY c.mid, c.part, message_state_rank(r.state) DESC, r.id),
     part AS (
       UPDATE message_parts p SET state = b.state, raw_status = b.raw_status
       FROM part_best b
       WHERE p.message_id = b.mid AND p.part = b.part
         AND message_state_rank(b.state) > message_state_rank(p.state)
       RETURNING p.message_id),
     -- (Data-modifying CTEs run whether or not the query reads them.)
     decided AS (
       UPDATE delivery_receipts d SET
         outcome = CASE WHEN c.n = 1 THEN 'applied' ELSE 'ambiguous' END,
         message_id = CASE WHEN c.n = 1 THEN c.mid END,
         part = CASE WHEN c.n = 1 THEN c.part END,
         decided_at = statement_timestamp()
       FROM counted c WHERE d.id = c.rid AND d.outcome = 'pending'
       RETURNING d.id),
     unmatched AS (
       UPDATE delivery_receipts d SET outcome = 'unmatched', decided_at = statement_timestamp()
       FROM r WHERE $2 AND d.id = r.id AND d.outcome = 'pending'
         AND NOT EXISTS (SELECT 1 FROM counted c WHERE c.rid = r.id)
       RETURNING d.id)
     SELECT 'message' AS kind, id::text, campaign_id::text FROM msg
     UNION ALL SELECT DISTINCT 'part', message_id::text, NULL FROM part`,
    [param, decideUnmatched],
  );
  const campaigns = new Set<number>();
  for (const r of rows)
    if (r.kind === 'message' && r.campaign_id !== null) campaigns.add(Number(r.campaign_id));
  const partOf = rows.filter((r) => r.kind === 'part').map((r) => Number(r.id));
  for (const c of await followParts(db, partOf)) campaigns.add(c);
  return { changed: rows.length, campaigns: [...campaigns] };
}

export interface Applied {
  /** Messages (or parts of long ones) whose state changed. */
  changed: number;
  /** Campaigns of messages that became final: the caller completes the finished ones. */
  campaigns: number[];
}

/**
 * A gateway's reports, as they arrive (callback, SMPP receipt, poll): stored — one statement, so
 * committed when it returns, before the caller acknowledges them — then applied.
 */
export async function receiveReports(
  db: Queryable,
  gatewayId: number,
  reports: ReceiptReport[],
  now: Date | null = null,
): Promise<Applied> {
  const ids = await insertReceipts(db, gatewayId, reports, now);
  return applyPendingReceipts(db, { receiptIds: ids });
}

/**
 * After a send outcome's transaction has committed: the pending receipts naming the ids it wrote
 * (a receipt that overtook the answer). Must run after the commit, never inside it (see the header).
 */
export function applyReceiptsOf(db: Queryable, providerIds: string[]): Promise<Applied> {
  return applyPendingReceipts(db, { providerIds });
}

/**
 * A long message's state from its parts (the rule in the header), written where it raises the
 * message's rank. Returns the campaigns of messages that became final.
 */
async function followParts(db: Queryable, messageIds: number[]): Promise<number[]> {
  if (messageIds.length === 0) return [];
  const { rows } = await db.query<{ campaign_id: string | null }>(
    `WITH agg AS (
       SELECT p.message_id,
         CASE
           WHEN bool_or(p.state = 'rejected') THEN 'rejected'
           WHEN bool_or(p.state = 'undelivered') THEN 'undelivered'
           WHEN bool_and(p.state = 'delivered') THEN 'delivered'
           WHEN bool_and(p.state IN ('delivered', 'expired', 'unknown'))
             THEN CASE WHEN bool_or(p.state = 'expired') THEN 'expired' ELSE 'unknown' END
         END AS state,
         count(*) AS n,
         (array_agg(p.part || '/' || m.parts || ': ' || coalesce(p.raw_status, '')
                    ORDER BY p.state IN ('rejected', 'undelivered') DESC, message_state_rank(p.state), p.part)
         )[1] AS raw_status
       FROM message_parts p JOIN messages m ON m.id = p.message_id
       WHERE p.message_id = ANY($1::bigint[])
       GROUP BY p.message_id)
     UPDATE messages m SET state = agg.state, raw_status = 'part ' || agg.raw_status,
       final_at = statement_timestamp(), due_at = NULL
     FROM agg
     WHERE m.id = agg.message_id AND agg.state IS NOT NULL
       AND message_state_rank(agg.state) > message_state_rank(m.state)
     RETURNING m.campaign_id::text`,
    [messageIds],
  );
  return [...new Set(rows.filter((r) => r.campaign_id !== null).map((r) => Number(r.campaign_id)))];
}

/** The parts of long messages just accepted, written with their send outcome. */
export async function insertMessageParts(
  db: Queryable,
  parts: { messageId: number; gatewayId: number | null; partIds: string[] }[],
): Promise<void> {
  const rows = parts.flatMap((p) => p.partIds.map((id, i) => ({ ...p, id, part: i + 1 })));
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO message_parts (message_id, part, gateway_id, provider_id)
     SELECT u.message_id, u.part, coalesce(u.gateway_id, m.gateway_id), u.provider_id
     FROM unnest($1::bigint[], $2::smallint[], $3::bigint[], $4::text[]) AS u(message_id, part, gateway_id, provider_id)
     JOIN messages m ON m.id = u.message_id
     ON CONFLICT (message_id, part) DO UPDATE SET provider_id = excluded.provider_id,
       gateway_id = excluded.gateway_id, state = 'submitted', raw_status = NULL`,
    [
      rows.map((r) => r.messageId),
      rows.map((r) => r.part),
      rows.map((r) => r.gatewayId),
      rows.map((r) => r.id),
    ],
  );
}

/**
 * The sweep: every pending receipt gets another look (a process that died between its commit and its
 * look left it), and those past the send's slack still matching nothing are unmatched. Applied
 * receipts are forgotten after `keepDays`; ambiguous and unmatched ones are kept as long, to be seen.
 */
export async function settleReceipts(
  db: Queryable,
  now: Date | null = null,
  keepDays = 7,
): Promise<number[]> {
  const applied = await applyPendingReceipts(db, { all: true, olderThan: now });
  const cutoff = new Date((now ?? new Date()).getTime() - SEND_SLACK_MINUTES * 60_000);
  const decided = await applyPendingReceipts(db, { all: true, olderThan: cutoff }, true);
  await db.query(
    `DELETE FROM delivery_receipts
     WHERE outcome <> 'pending' AND decided_at < coalesce($1::timestamptz, statement_timestamp()) - make_interval(days => $2)`,
    [now, keepDays],
  );
  return [...new Set([...applied.campaigns, ...decided.campaigns])];
}

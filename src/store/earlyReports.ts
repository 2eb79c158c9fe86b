/**
 * Delivery reports that overtake the submit answer (SD-3: «matches a report that arrives before the
 * submit response»). A callback naming a provider id no message carries yet is kept; the outcome
 * write of the submit applies it in its own transaction, and the dispatcher's sweep applies any that
 * slipped between the two (the callback's row committed just after the submit's transaction looked).
 */
import type { Queryable } from './db.ts';

const FINAL = ['delivered', 'undelivered', 'rejected', 'expired', 'unknown'];

/** Keeps the final reports among `updates` whose provider id belongs to no message yet. */
export async function keepEarlyReports(
  db: Queryable,
  gatewayId: number,
  updates: { providerId: string; state: string; rawStatus: string }[],
): Promise<number> {
  const final = updates.filter((u) => FINAL.includes(u.state));
  if (final.length === 0) return 0;
  const { rowCount } = await db.query(
    `INSERT INTO early_reports (gateway_id, provider_id, state, raw_status)
     SELECT $1, u.provider_id, u.state, u.raw_status
     FROM unnest($2::text[], $3::text[], $4::text[]) AS u(provider_id, state, raw_status)
     WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.gateway_id = $1 AND m.provider_message_id = u.provider_id)
     ON CONFLICT DO NOTHING`,
    [gatewayId, final.map((u) => u.providerId), final.map((u) => u.state), final.map((u) => u.rawStatus)],
  );
  return rowCount;
}

/**
 * Applies kept reports to the messages that now carry their provider ids (these message ids, or
 * all), the highest-ranked report first, monotonic as every status change; then forgets them.
 * Returns the campaigns of messages that became final.
 */
export async function applyEarlyReports(db: Queryable, messageIds: number[] | 'all'): Promise<number[]> {
  const ids = messageIds === 'all' ? null : messageIds;
  if (ids?.length === 0) return [];
  const { rows } = await db.query<{ campaign_id: number | null }>(
    `WITH best AS (
       SELECT DISTINCT ON (m.id) m.id, e.state, e.raw_status
       FROM early_reports e JOIN messages m ON m.gateway_id = e.gateway_id AND m.provider_message_id = e.provider_id
       WHERE ($1::bigint[] IS NULL OR m.id = ANY($1::bigint[]))
       ORDER BY m.id, message_state_rank(e.state) DESC)
     UPDATE messages m SET state = best.state, raw_status = best.raw_status, final_at = now(), due_at = NULL
     FROM best WHERE m.id = best.id AND message_state_rank(best.state) > message_state_rank(m.state)
     RETURNING m.campaign_id`,
    [ids],
  );
  await db.query(
    `DELETE FROM early_reports e USING messages m
     WHERE m.gateway_id = e.gateway_id AND m.provider_message_id = e.provider_id
       AND ($1::bigint[] IS NULL OR m.id = ANY($1::bigint[]))`,
    [ids],
  );
  return [...new Set(rows.map((r) => r.campaign_id).filter((c): c is number => c !== null))];
}

/** Reports for ids that never turned up (another installation's, a typo) are dropped after a day. */
export async function dropStaleEarlyReports(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(
    "DELETE FROM early_reports WHERE received_at < now() - interval '1 day'",
  );
  return rowCount;
}

/**
 * Operators' control over running campaigns and single messages (SD-1).
 *
 *   sending ──pause──▶ paused ──resume──▶ sending
 *   sending | paused ──close──▶ completed (by force): what was not handed to a gateway is excluded
 *
 * A paused campaign's waiting messages are parked (`due_at` NULL: no claim finds them). A message a
 * worker holds at that moment finishes its send; if it comes back for a retry, the outcome write
 * parks it too (see recordSendResults). Only messages not held by a worker are touched: queued, and
 * either never leased or with an expired lease.
 */
import type { CampaignState } from '../core/states.ts';
import type { Db, Queryable } from './db.ts';
import { releaseCampaigns, releaseMessages } from './ledger.ts';
import { DUE_CHANNEL } from './messages.ts';

const FREE = `state = 'queued' AND (lease_owner IS NULL OR due_at IS NULL OR due_at <= now())`;

type Change = 'ok' | 'not_found' | { wrongState: CampaignState };

async function move(
  db: Queryable,
  orgId: number,
  id: number,
  from: CampaignState[],
  to: CampaignState,
): Promise<Change> {
  const { rows } = await db.query<{ id: number }>(
    `UPDATE campaigns SET state = $4, closed_by_force = closed_by_force OR $4 = 'completed',
       finished_at = CASE WHEN $4 = 'completed' THEN now() ELSE finished_at END
     WHERE org_id = $1 AND id = $2 AND state = ANY($3::text[]) RETURNING id`,
    [orgId, id, from, to],
  );
  if (rows[0]) return 'ok';
  const cur = await db.query<{ state: CampaignState }>(
    'SELECT state FROM campaigns WHERE org_id = $1 AND id = $2',
    [orgId, id],
  );
  return cur.rows[0] ? { wrongState: cur.rows[0].state } : 'not_found';
}

export async function pauseCampaign(db: Db, orgId: number, id: number): Promise<Change> {
  const r = await move(db, orgId, id, ['sending'], 'paused');
  if (r === 'ok')
    await db.query(
      `UPDATE messages SET due_at = NULL, lease_owner = NULL WHERE campaign_id = $1 AND ${FREE}`,
      [id],
    );
  return r;
}

export async function resumeCampaign(db: Db, orgId: number, id: number): Promise<Change> {
  const r = await move(db, orgId, id, ['paused'], 'sending');
  if (r === 'ok') {
    await db.query(
      `UPDATE messages SET due_at = now() WHERE campaign_id = $1 AND state = 'queued' AND due_at IS NULL`,
      [id],
    );
    await db.query('SELECT pg_notify($1, $2)', [DUE_CHANNEL, `campaign:${id}`]);
  }
  return r;
}

/** Completes the campaign now: messages not handed to a gateway are excluded, the rest keep their reports. */
export async function closeCampaign(db: Db, orgId: number, id: number): Promise<Change> {
  const r = await move(db, orgId, id, ['sending', 'paused'], 'completed');
  if (r !== 'ok') return r;
  await db.query(
    `UPDATE messages SET state = 'excluded', reason = 'campaign closed by force', final_at = now(), due_at = NULL
     WHERE campaign_id = $1 AND (${FREE} OR state = 'prepared')`,
    [id],
  );
  await db.transaction((tx) => releaseCampaigns(tx, [id], 'campaign closed by force: unspent reservation'));
  return r;
}

export type MessageChange = 'ok' | 'not_found' | 'busy';

/** Excludes one message that has not gone yet (SD-1: «single messages inside can be excluded»). */
export async function excludeMessage(
  db: Db,
  orgId: number,
  id: number,
  reason: string,
): Promise<MessageChange> {
  const { rows } = await db.query<{ id: number; campaign_id: number | null }>(
    `UPDATE messages SET state = 'excluded', reason = $3, final_at = now(), due_at = NULL
     WHERE org_id = $1 AND id = $2 AND (${FREE} OR state = 'prepared') RETURNING id, campaign_id`,
    [orgId, id, reason],
  );
  if (!rows[0]) return (await exists(db, orgId, id)) ? 'busy' : 'not_found';
  if (rows[0].campaign_id === null)
    await db.transaction((tx) => releaseMessages(tx, [id], 'excluded by the operator'));
  return 'ok';
}

/** Changes the address and text of a message that has not gone yet (already validated and priced). */
export async function editMessage(
  db: Queryable,
  orgId: number,
  id: number,
  m: { address: string; body: string; segments: number; priceKopecks: number },
): Promise<MessageChange> {
  const { rowCount } = await db.query(
    `UPDATE messages SET address = $3, body = $4, segments = $5, price_kopecks = $6
     WHERE org_id = $1 AND id = $2 AND (${FREE} OR state = 'prepared')`,
    [orgId, id, m.address, m.body, m.segments, m.priceKopecks],
  );
  if (rowCount === 0) return (await exists(db, orgId, id)) ? 'busy' : 'not_found';
  return 'ok';
}

/**
 * Sends one message of a campaign now, on its own: a parked message of a paused campaign, or one
 * that was excluded, goes back to the queue due at once. Nothing else of its campaign moves.
 */
export async function sendMessageNow(db: Queryable, orgId: number, id: number): Promise<MessageChange> {
  const { rowCount } = await db.query(
    `UPDATE messages SET state = 'queued', reason = NULL, final_at = NULL, due_at = now(), lease_owner = NULL
     WHERE org_id = $1 AND id = $2 AND (${FREE} OR state = 'prepared' OR (state = 'excluded' AND address <> '' AND body <> ''))`,
    [orgId, id],
  );
  if (rowCount === 0) return (await exists(db, orgId, id)) ? 'busy' : 'not_found';
  await db.query('SELECT pg_notify($1, $2)', [DUE_CHANNEL, String(id)]);
  return 'ok';
}

async function exists(db: Queryable, orgId: number, id: number): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM messages WHERE org_id = $1 AND id = $2', [orgId, id]);
  return rows.length > 0;
}

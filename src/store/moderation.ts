/**
 * Moderation's queue (issue 18, MD-3): what waits for a moderator, the decisions' audit, instance
 * staff and the organisations' modes. A waiting campaign's messages are written and reserved at
 * launch and parked (`due_at` NULL, as a paused campaign's are); a waiting single message likewise.
 */
import type { Match } from '../core/moderation/check.ts';
import type { CampaignModeration } from './campaigns.ts';
import type { Db, Queryable } from './db.ts';
import { DUE_CHANNEL } from './messages.ts';
import type { ModerationMode } from './orgs.ts';

/**
 * Minutes an item may wait before its initiator is told (`VESTNIK_MODERATION_SLA_MINUTES`, 5).
 * Read here, not in the check's module: the scheduler's sweep needs it in every worker process.
 */
export function moderationSlaMinutes(env = process.env): number {
  const n = Number(env.VESTNIK_MODERATION_SLA_MINUTES ?? 5);
  return Number.isInteger(n) && n >= 1 && n <= 10_080 ? n : 5;
}

export type ItemKind = 'campaign' | 'message';

export interface QueueItem {
  id: number;
  orgId: number;
  orgName: string;
  kind: ItemKind;
  refId: number;
  matches: Match[];
  initiator: string;
  createdAt: Date;
  overdueAt: Date | null;
}

interface ItemRow {
  id: number;
  org_id: number;
  org_name: string;
  kind: ItemKind;
  ref_id: number;
  matches: Match[];
  initiator: string;
  created_at: Date;
  overdue_at: Date | null;
}

const toItem = (r: ItemRow): QueueItem => ({
  id: r.id,
  orgId: r.org_id,
  orgName: r.org_name,
  kind: r.kind,
  refId: r.ref_id,
  matches: r.matches,
  initiator: r.initiator,
  createdAt: r.created_at,
  overdueAt: r.overdue_at,
});

export async function insertQueueItem(
  tx: Queryable,
  i: { orgId: number; kind: ItemKind; refId: number; matches: Match[]; initiator: string },
): Promise<void> {
  await tx.query(
    `INSERT INTO moderation_items (org_id, kind, ref_id, matches, initiator) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (kind, ref_id) DO NOTHING`,
    [i.orgId, i.kind, i.refId, JSON.stringify(i.matches), i.initiator],
  );
}

/** The queue, oldest first: every organisation's (null) or one organisation's. */
export async function listQueue(db: Queryable, orgId: number | null): Promise<QueueItem[]> {
  const { rows } = await db.query<ItemRow>(
    `SELECT i.*, o.name AS org_name FROM moderation_items i JOIN orgs o ON o.id = i.org_id
     WHERE $1::bigint IS NULL OR i.org_id = $1 ORDER BY i.created_at, i.id LIMIT 500`,
    [orgId],
  );
  return rows.map(toItem);
}

/** The item, locked for the deciding transaction (two moderators deciding at once: one wins). */
export async function lockQueueItem(
  tx: Queryable,
  kind: ItemKind,
  refId: number,
): Promise<QueueItem | undefined> {
  const { rows } = await tx.query<ItemRow>(
    `SELECT i.*, o.name AS org_name FROM moderation_items i JOIN orgs o ON o.id = i.org_id
     WHERE i.kind = $1 AND i.ref_id = $2 FOR UPDATE OF i`,
    [kind, refId],
  );
  return rows[0] ? toItem(rows[0]) : undefined;
}

export async function deleteQueueItem(tx: Queryable, id: number): Promise<void> {
  await tx.query('DELETE FROM moderation_items WHERE id = $1', [id]);
}

export async function insertAudit(
  tx: Queryable,
  a: {
    orgId: number;
    kind: ItemKind | 'org';
    refId: number;
    action: 'approve' | 'reject' | 'overdue' | 'mode';
    reason: string | null;
    decidedBy: string;
    texts: unknown;
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO moderation_audit (org_id, kind, ref_id, action, reason, decided_by, texts)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [a.orgId, a.kind, a.refId, a.action, a.reason, a.decidedBy, JSON.stringify(a.texts ?? {})],
  );
}

export interface AuditLine {
  action: string;
  reason: string | null;
  decidedBy: string;
  decidedAt: Date;
  texts: unknown;
}

export async function listAudit(db: Queryable, kind: ItemKind, refId: number): Promise<AuditLine[]> {
  const { rows } = await db.query<{
    action: string;
    reason: string | null;
    decided_by: string;
    decided_at: Date;
    texts: unknown;
  }>('SELECT * FROM moderation_audit WHERE kind = $1 AND ref_id = $2 ORDER BY id', [kind, refId]);
  return rows.map((r) => ({
    action: r.action,
    reason: r.reason,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    texts: r.texts,
  }));
}

/**
 * The SLA's sweep: items waiting longer than `slaMinutes` are marked overdue once, each with an
 * audit line for the initiator's organisation. Returns how many it marked.
 */
export async function sweepOverdue(db: Db, now: Date, slaMinutes: number): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ org_id: number; kind: ItemKind; ref_id: number }>(
      `UPDATE moderation_items SET overdue_at = $1
       WHERE overdue_at IS NULL AND created_at <= $1::timestamptz - make_interval(mins => $2)
       RETURNING org_id, kind, ref_id`,
      [now, slaMinutes],
    );
    // The initiator sees it on the campaign (its `moderation.overdue`).
    const campaigns = rows.filter((r) => r.kind === 'campaign').map((r) => r.ref_id);
    if (campaigns.length)
      await tx.query(
        `UPDATE campaigns SET moderation = moderation || '{"overdue": true}'::jsonb
         WHERE id = ANY($1::bigint[]) AND moderation IS NOT NULL`,
        [campaigns],
      );
    for (const r of rows)
      await insertAudit(tx, {
        orgId: r.org_id,
        kind: r.kind,
        refId: r.ref_id,
        action: 'overdue',
        reason: `no decision within ${slaMinutes} min`,
        decidedBy: 'system',
        texts: {},
      });
    return rows.length;
  });
}

/** Parks a campaign's queued messages: no worker claims them until the campaign is approved. */
export async function parkCampaignMessages(tx: Queryable, campaignId: number): Promise<void> {
  await tx.query(`UPDATE messages SET due_at = NULL WHERE campaign_id = $1 AND state = 'queued'`, [
    campaignId,
  ]);
}

/**
 * Makes parked messages due now (a campaign's, or one message): the worker's gate still holds a
 * windowed message until its recipient's daytime window opens (dispatch/gate.ts).
 */
export async function unparkMessages(
  tx: Queryable,
  by: { campaignId: number } | { messageId: number },
  now: Date,
): Promise<void> {
  const [column, id] = 'campaignId' in by ? ['campaign_id', by.campaignId] : ['id', by.messageId];
  await tx.query(
    `UPDATE messages SET due_at = $2, reason = CASE WHEN campaign_id IS NULL THEN NULL ELSE reason END
     WHERE ${column} = $1 AND state = 'queued' AND due_at IS NULL`,
    [id, now],
  );
  await tx.query('SELECT pg_notify($1, $2)', [
    DUE_CHANNEL,
    'campaignId' in by ? `campaign:${id}` : String(id),
  ]);
}

export async function parkMessage(tx: Queryable, messageId: number, reason: string): Promise<void> {
  await tx.query(`UPDATE messages SET due_at = NULL, reason = $2 WHERE id = $1 AND state = 'queued'`, [
    messageId,
    reason,
  ]);
}

/** A rejected single message: final, never sent (its hold is released by the caller). */
export async function rejectMessage(tx: Queryable, messageId: number, reason: string): Promise<void> {
  await tx.query(
    `UPDATE messages SET state = 'rejected', reason = $2, final_at = now(), due_at = NULL
     WHERE id = $1 AND state = 'queued'`,
    [messageId, `rejected by moderation: ${reason}`],
  );
}

export async function setCampaignModeration(
  tx: Queryable,
  campaignId: number,
  info: CampaignModeration,
): Promise<void> {
  await tx.query('UPDATE campaigns SET moderation = $2 WHERE id = $1', [campaignId, JSON.stringify(info)]);
}

export async function getCampaignModeration(
  db: Queryable,
  orgId: number,
  campaignId: number,
): Promise<{ moderation: CampaignModeration | null; overdueAt: Date | null } | undefined> {
  const { rows } = await db.query<{ moderation: CampaignModeration | null; overdue_at: Date | null }>(
    `SELECT c.moderation, i.overdue_at FROM campaigns c
     LEFT JOIN moderation_items i ON i.kind = 'campaign' AND i.ref_id = c.id
     WHERE c.org_id = $1 AND c.id = $2`,
    [orgId, campaignId],
  );
  return rows[0] && { moderation: rows[0].moderation, overdueAt: rows[0].overdue_at };
}

/** The approved texts' hash of a campaign (a recurring one's parent keeps it for its runs). */
export async function getApprovedHash(db: Queryable, campaignId: number): Promise<string | null> {
  const { rows } = await db.query<{ approved_hash: string | null }>(
    'SELECT approved_hash FROM campaigns WHERE id = $1',
    [campaignId],
  );
  return rows[0]?.approved_hash ?? null;
}

export async function setApprovedHash(tx: Queryable, campaignIds: number[], hash: string): Promise<void> {
  await tx.query('UPDATE campaigns SET approved_hash = $2 WHERE id = ANY($1::bigint[])', [campaignIds, hash]);
}

export async function isStaff(db: Queryable, userId: number | null): Promise<boolean> {
  if (userId === null) return false;
  const { rows } = await db.query<{ staff: boolean }>(
    'SELECT staff FROM users WHERE id = $1 AND disabled_at IS NULL',
    [userId],
  );
  return rows[0]?.staff === true;
}

/** Grants or takes instance staff; the user's id, or undefined when no user has that e-mail. */
export async function setStaff(db: Queryable, email: string, staff: boolean): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>(
    'UPDATE users SET staff = $2 WHERE lower(email) = lower($1) RETURNING id',
    [email, staff],
  );
  return rows[0]?.id;
}

export async function setOrgModeration(
  db: Queryable,
  orgId: number,
  change: { mode?: ModerationMode; selfModeration?: boolean },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE orgs SET moderation_mode = coalesce($2, moderation_mode),
       self_moderation = coalesce($3, self_moderation) WHERE id = $1`,
    [orgId, change.mode ?? null, change.selfModeration ?? null],
  );
  return rowCount > 0;
}

/** The first message of a campaign as rendered for its recipient: the queue's preview. */
export async function firstMessage(
  db: Queryable,
  by: { campaignId: number } | { messageId: number },
): Promise<
  { id: number; address: string; subject: string | null; body: string; sender: string | null } | undefined
> {
  const [column, id] = 'campaignId' in by ? ['campaign_id', by.campaignId] : ['id', by.messageId];
  const { rows } = await db.query<{
    id: number;
    address: string;
    subject: string | null;
    body: string;
    sender: string | null;
  }>(`SELECT id, address, subject, body, sender FROM messages WHERE ${column} = $1 ORDER BY id LIMIT 1`, [
    id,
  ]);
  return rows[0];
}

export async function countCampaignMessages(db: Queryable, campaignId: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1 AND state NOT IN ('excluded', 'invalid_address')`,
    [campaignId],
  );
  return rows[0]!.n;
}

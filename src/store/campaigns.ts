/** Campaigns (SD-1). The counters are always read from the message rows, so they cannot drift. */
import type { Audience, Category } from '../core/audience/audience.ts';
import type { AttachmentSpec, CampaignTexts } from '../core/content.ts';
import type { Automation, DedupKey } from '../core/schedule/automations.ts';
import type { Mode, Recurrence, Schedule } from '../core/schedule/plan.ts';
import type { CampaignState, Channel, MessageState } from '../core/states.ts';
import type { EmptyPolicy } from '../core/templates/render.ts';
import type { Db, Queryable } from './db.ts';
import { releaseCampaigns } from './ledger.ts';

export type {
  AttachmentSpec,
  Audience,
  Automation,
  CampaignTexts,
  Category,
  DedupKey,
  EmptyPolicy,
  Mode,
  Recurrence,
  Schedule,
};

export interface Campaign {
  id: number;
  name: string;
  channel: Channel;
  /** The primary channel's text (its HTML for e-mail), as in `texts`. */
  textTemplate: string;
  subject: string | null;
  /** The text per channel (CH-6). */
  texts: CampaignTexts;
  /** A recipient whose substitution comes out empty: sent as is, blocked, or given a default (CT-2). */
  emptyPolicy: EmptyPolicy;
  attachments: AttachmentSpec;
  audience: Audience;
  /** advertising needs recorded consent (38-FZ); informational and service do not. */
  category: Category;
  state: CampaignState;
  /** SMS sender name (an approved one of the gateway), or null for the gateway's default. */
  sender: string | null;
  /** Transliterate Cyrillic to Latin before sending, for GSM-7's longer segments. */
  transliterate: boolean;
  /** What the campaign still holds of its reservation. */
  reservedKopecks: number;
  /** standard (messenger first, then SMS, in the daytime), economy or urgent (CH-2..CH-4). */
  mode: Mode;
  /** Debt collection (230-FZ): its hours and caps apply to every message (SD-7). */
  collection: boolean;
  /** A one-off send later (SD-4); null to send at launch. */
  schedule: Schedule | null;
  /** A recurring campaign's rule (SD-4); each run is a campaign of its own with this as parent. */
  recurrence: Recurrence | null;
  /** The automation preset it was made from (SD-5), for display. */
  automation: Automation | null;
  /** The natural key that excludes duplicates across a recurring campaign's runs (SD-5). */
  dedupKey: DedupKey | null;
  /** When the scheduler launches it (state «scheduled»). */
  nextRunAt: Date | null;
  /** The recurring campaign this is a run of. */
  parentId: number | null;
  /** Why the scheduler put it back to draft instead of launching it. */
  scheduleError: string | null;
  createdBy: string;
  createdAt: Date;
  launchedAt: Date | null;
  launchedBy: string | null;
  finishedAt: Date | null;
  /** Moderation's last word on it (issue 18); null when it never waited. */
  moderation: CampaignModeration | null;
}

/** Waiting, or decided by whom, when and why; `overdue` once it waited past the SLA. */
export interface CampaignModeration {
  state: 'waiting' | 'approved' | 'rejected';
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
  overdue?: boolean;
}

interface Row {
  id: number;
  name: string;
  channel: Channel;
  text_template: string;
  subject: string | null;
  texts: CampaignTexts;
  empty_policy: EmptyPolicy;
  attachments: AttachmentSpec;
  audience: Audience;
  category: Category;
  state: CampaignState;
  sender: string | null;
  transliterate: boolean;
  reserved_kopecks: number;
  mode: Mode;
  collection: boolean;
  schedule: Schedule | null;
  recurrence: Recurrence | null;
  automation: Automation | null;
  dedup_key: DedupKey | null;
  next_run_at: Date | null;
  parent_id: number | null;
  schedule_error: string | null;
  created_by: string;
  created_at: Date;
  launched_at: Date | null;
  launched_by: string | null;
  finished_at: Date | null;
  moderation: CampaignModeration | null;
}

/** A campaign written before per-channel texts had only its primary channel's text. */
const textsOf = (r: Row): CampaignTexts =>
  r.channel === 'email'
    ? { email: { subject: r.subject ?? '', html: r.text_template, text: null } }
    : { [r.channel]: r.text_template };

const toCampaign = (r: Row): Campaign => ({
  id: r.id,
  name: r.name,
  channel: r.channel,
  textTemplate: r.text_template,
  subject: r.subject,
  texts: Object.keys(r.texts).length > 0 ? r.texts : textsOf(r),
  emptyPolicy: r.empty_policy,
  attachments: r.attachments,
  audience: r.audience,
  category: r.category,
  state: r.state,
  sender: r.sender,
  transliterate: r.transliterate,
  reservedKopecks: r.reserved_kopecks,
  mode: r.mode,
  collection: r.collection,
  schedule: r.schedule,
  recurrence: r.recurrence,
  automation: r.automation,
  dedupKey: r.dedup_key,
  nextRunAt: r.next_run_at,
  parentId: r.parent_id,
  scheduleError: r.schedule_error,
  createdBy: r.created_by,
  createdAt: r.created_at,
  launchedAt: r.launched_at,
  launchedBy: r.launched_by,
  finishedAt: r.finished_at,
  moderation: r.moderation ?? null,
});

export interface CampaignInput {
  name: string;
  channel: Channel;
  textTemplate: string;
  subject?: string | null;
  texts?: CampaignTexts;
  emptyPolicy?: EmptyPolicy;
  attachments?: AttachmentSpec;
  audience: Audience;
  category?: Category;
  sender?: string | null;
  transliterate?: boolean;
  mode?: Mode;
  collection?: boolean;
  schedule?: Schedule | null;
  recurrence?: Recurrence | null;
  automation?: Automation | null;
  dedupKey?: DedupKey | null;
}

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

export async function insertCampaign(
  db: Queryable,
  orgId: number,
  c: CampaignInput,
  createdBy: string,
  /** Set for a run of a recurring campaign. */
  parentId?: number,
): Promise<Campaign> {
  const { rows } = await db.query<Row>(
    `INSERT INTO campaigns (org_id, name, channel, text_template, subject, audience, created_by, sender, transliterate,
                            category, texts, empty_policy, attachments, mode, collection, schedule, recurrence,
                            automation, dedup_key, parent_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, coalesce($12, '{"mode": "allow"}'::jsonb),
             coalesce($13, '{"documentIds": [], "perRecipient": null}'::jsonb), $14, $15, $16, $17, $18, $19, $20)
     RETURNING *`,
    [
      orgId,
      c.name,
      c.channel,
      c.textTemplate,
      c.subject ?? null,
      JSON.stringify(c.audience),
      createdBy,
      c.sender ?? null,
      c.transliterate ?? false,
      c.category ?? 'informational',
      JSON.stringify(c.texts ?? {}),
      c.emptyPolicy ? JSON.stringify(c.emptyPolicy) : null,
      c.attachments ? JSON.stringify(c.attachments) : null,
      c.mode ?? 'standard',
      c.collection ?? false,
      json(c.schedule),
      json(c.recurrence),
      json(c.automation),
      c.dedupKey ?? null,
      parentId ?? null,
    ],
  );
  return toCampaign(rows[0]!);
}

/** Edits a draft; a launched campaign keeps the text it was sent with. */
export async function updateDraftCampaign(
  db: Queryable,
  orgId: number,
  id: number,
  c: Partial<CampaignInput>,
): Promise<Campaign | 'not_found' | 'not_draft'> {
  const { rows } = await db.query<Row>(
    `UPDATE campaigns SET name = coalesce($3, name), text_template = coalesce($4, text_template),
       subject = coalesce($5, subject), audience = coalesce($6, audience),
       sender = CASE WHEN $7 THEN $8 ELSE sender END, transliterate = coalesce($9, transliterate),
       category = coalesce($10, category), texts = coalesce($11, texts),
       empty_policy = coalesce($12, empty_policy), attachments = coalesce($13, attachments),
       mode = coalesce($14, mode), collection = coalesce($15, collection),
       schedule = CASE WHEN $16 THEN $17::jsonb ELSE schedule END,
       recurrence = CASE WHEN $18 THEN $19::jsonb ELSE recurrence END,
       dedup_key = CASE WHEN $20 THEN $21 ELSE dedup_key END
     WHERE org_id = $1 AND id = $2 AND state = 'draft' RETURNING *`,
    [
      orgId,
      id,
      c.name ?? null,
      c.textTemplate ?? null,
      c.subject ?? null,
      c.audience ? JSON.stringify(c.audience) : null,
      c.sender !== undefined,
      c.sender ?? null,
      c.transliterate ?? null,
      c.category ?? null,
      c.texts ? JSON.stringify(c.texts) : null,
      c.emptyPolicy ? JSON.stringify(c.emptyPolicy) : null,
      c.attachments ? JSON.stringify(c.attachments) : null,
      c.mode ?? null,
      c.collection ?? null,
      c.schedule !== undefined,
      json(c.schedule),
      c.recurrence !== undefined,
      json(c.recurrence),
      c.dedupKey !== undefined,
      c.dedupKey ?? null,
    ],
  );
  if (rows[0]) return toCampaign(rows[0]);
  return (await getCampaign(db, orgId, id)) ? 'not_draft' : 'not_found';
}

export async function getCampaign(db: Queryable, orgId: number, id: number): Promise<Campaign | undefined> {
  const { rows } = await db.query<Row>('SELECT * FROM campaigns WHERE org_id = $1 AND id = $2', [orgId, id]);
  return rows[0] ? toCampaign(rows[0]) : undefined;
}

/** Locks the campaign row for the rest of the transaction (launch, cancel). */
export async function lockCampaign(tx: Queryable, orgId: number, id: number): Promise<Campaign | undefined> {
  const { rows } = await tx.query<Row>('SELECT * FROM campaigns WHERE org_id = $1 AND id = $2 FOR UPDATE', [
    orgId,
    id,
  ]);
  return rows[0] ? toCampaign(rows[0]) : undefined;
}

/** Locks a recurring campaign whose next run is due by `now`; undefined if another scheduler has it. */
export async function lockDueRun(
  tx: Queryable,
  orgId: number,
  id: number,
  now: Date,
): Promise<Campaign | undefined> {
  const { rows } = await tx.query<Row>(
    `SELECT * FROM campaigns WHERE org_id = $1 AND id = $2 AND state = 'scheduled' AND next_run_at <= $3
     FOR UPDATE SKIP LOCKED`,
    [orgId, id, now],
  );
  return rows[0] ? toCampaign(rows[0]) : undefined;
}

export async function listCampaigns(
  db: Queryable,
  orgId: number,
  page: { beforeId: number; limit: number },
): Promise<Campaign[]> {
  const { rows } = await db.query<Row>(
    'SELECT * FROM campaigns WHERE org_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3',
    [orgId, page.beforeId, page.limit],
  );
  return rows.map(toCampaign);
}

export async function setCampaignState(
  tx: Queryable,
  orgId: number,
  id: number,
  state: CampaignState,
  by?: string,
): Promise<void> {
  await tx.query(
    `UPDATE campaigns SET state = $3,
       launched_at = CASE WHEN $3 = 'sending' THEN now() ELSE launched_at END,
       launched_by = CASE WHEN $3 = 'sending' THEN $4 ELSE launched_by END,
       finished_at = CASE WHEN $3 IN ('completed', 'cancelled') THEN now() ELSE finished_at END
     WHERE org_id = $1 AND id = $2`,
    [orgId, id, state, by ?? null],
  );
}

/**
 * Completes the sending campaigns among `ids` whose every message is final. Run after each commit
 * that finalises messages: the last of concurrent committers always sees all rows final.
 */
export async function completeFinishedCampaigns(db: Db, ids: number[] | 'all'): Promise<number[]> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: number }>(
      `UPDATE campaigns c SET state = 'completed', finished_at = now()
       WHERE c.state = 'sending' AND ($1::bigint[] IS NULL OR c.id = ANY($1::bigint[]))
         AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.campaign_id = c.id
                         AND m.state IN ('prepared', 'queued', 'submitted'))
       RETURNING c.id`,
      [ids === 'all' ? null : ids],
    );
    const done = rows.map((r) => r.id);
    await releaseCampaigns(tx, done, 'campaign completed: unspent reservation');
    return done;
  });
}

export type StateCounts = Partial<Record<MessageState, number>>;

export async function countMessagesByState(
  db: Queryable,
  orgId: number,
  campaignId: number,
): Promise<StateCounts> {
  const { rows } = await db.query<{ state: MessageState; n: number }>(
    'SELECT state, count(*)::int AS n FROM messages WHERE org_id = $1 AND campaign_id = $2 GROUP BY state',
    [orgId, campaignId],
  );
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/**
 * Cancels a draft, scheduled, waiting (moderation) or sending campaign: its messages not yet handed
 * to a gateway become excluded.
 * A message a worker holds right now (leased) finishes its send; `excludeLeftovers` catches it if it
 * comes back for a retry.
 */
export async function cancelCampaign(
  db: Db,
  orgId: number,
  id: number,
): Promise<'ok' | 'not_found' | 'finished'> {
  // Separate statements, not one transaction: holding the campaign's lock while waiting on a
  // worker's message rows could deadlock with that worker's charge, which locks the campaign.
  const { rows } = await db.query<{ state: CampaignState }>(
    `UPDATE campaigns SET state = 'cancelled', finished_at = now()
     WHERE org_id = $1 AND id = $2 AND state IN ('draft', 'scheduled', 'moderation', 'sending') RETURNING state`,
    [orgId, id],
  );
  if (!rows[0]) return (await getCampaign(db, orgId, id)) ? 'finished' : 'not_found';
  // One waiting for a moderator leaves the queue: its initiator withdrew it.
  await db.query("DELETE FROM moderation_items WHERE kind = 'campaign' AND ref_id = $1", [id]);
  await excludeLeftovers(db, [id]);
  await db.transaction((tx) => releaseCampaigns(tx, [id], 'campaign cancelled: unspent reservation'));
  return 'ok';
}

/** Excludes the queued, unleased messages of cancelled campaigns (all of them, or these). */
export async function excludeLeftovers(db: Queryable, campaignIds: number[] | 'all'): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE messages m SET state = 'excluded', reason = 'campaign cancelled', final_at = now(), due_at = NULL
     FROM campaigns c
     WHERE c.id = m.campaign_id AND c.state = 'cancelled' AND ($1::bigint[] IS NULL OR c.id = ANY($1::bigint[]))
       AND m.state IN ('prepared', 'queued') AND (m.lease_owner IS NULL OR m.due_at <= now())`,
    [campaignIds === 'all' ? null : campaignIds],
  );
  return rowCount;
}

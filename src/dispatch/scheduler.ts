/**
 * Scheduled and recurring campaigns (SD-4). Launching a campaign with a schedule or a recurrence
 * arms it: state «scheduled» with `next_run_at`. The dispatcher's sweep calls `runScheduler`, which
 *
 *   - launches a one-off scheduled campaign whose time has come (its audience resolved then, AU-7);
 *   - for a recurring campaign, writes a run — a campaign of its own, with the parent's texts and
 *     audience and its own report — armed for now, and moves the parent to its next time, in one
 *     transaction; the run is then launched like any scheduled campaign. A crash between the two
 *     leaves the run armed, so the next sweep launches it: no run is lost or written twice.
 *
 * A run that was missed while no process ran happens once, not once per missed time. A launch that
 * fails (no balance, a broken template) puts the campaign back to draft with the reason.
 */
import { DateTime } from 'luxon';
import { launchAt, nextRun } from '../core/schedule/plan.ts';
import { type Campaign, insertCampaign, lockDueRun } from '../store/campaigns.ts';
import type { Db, Queryable } from '../store/db.ts';
import { moderationSlaMinutes, sweepOverdue } from '../store/moderation.ts';
import { getOrg, type Org } from '../store/orgs.ts';
import type { LinkSettings } from './extras.ts';

/**
 * Arms a draft that has a schedule or a recurrence; `at: null` when its time is already here (a
 * schedule in the past launches at once).
 */
export async function armSchedule(
  tx: Queryable,
  org: Org,
  campaign: Campaign,
  now: Date,
  by: string,
): Promise<{ ok: true; at: Date | null } | { ok: false; message: string }> {
  let at: Date;
  try {
    if (campaign.recurrence) at = nextRun(campaign.recurrence, now, org.timeZone);
    else {
      at = launchAt(campaign.schedule!);
      if (Number.isNaN(at.getTime())) return { ok: false, message: 'schedule: not a date and time' };
      if (at <= now && !('localTime' in campaign.schedule!)) return { ok: true, at: null };
      if (at <= now) at = now;
    }
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
  await tx.query(
    `UPDATE campaigns SET state = 'scheduled', next_run_at = $2, schedule_error = NULL, launched_by = $3
     WHERE id = $1`,
    [campaign.id, at, by],
  );
  return { ok: true, at };
}

interface DueRow {
  id: number;
  org_id: number;
  recurrence: Campaign['recurrence'];
  launched_by: string | null;
}

/** Writes the next run of a due recurring campaign and moves it on; the run's id, or null if taken. */
async function spawnRun(db: Db, orgId: number, parentId: number, now: Date): Promise<number | null> {
  return db.transaction(async (tx) => {
    const p = await lockDueRun(tx, orgId, parentId, now);
    if (!p?.recurrence || !p.nextRunAt) return null;
    const org = (await getOrg(tx, orgId))!;
    const when = DateTime.fromJSDate(p.nextRunAt, { zone: org.timeZone }).toFormat('dd.MM.yyyy HH:mm');
    // The run is the parent's content and audience, without its schedule: a campaign of its own.
    const run = await insertCampaign(
      tx,
      orgId,
      {
        name: `${p.name} — ${when}`,
        channel: p.channel,
        textTemplate: p.textTemplate,
        subject: p.subject,
        texts: p.texts,
        emptyPolicy: p.emptyPolicy,
        attachments: p.attachments,
        audience: p.audience,
        category: p.category,
        sender: p.sender,
        transliterate: p.transliterate,
        mode: p.mode,
        collection: p.collection,
        automation: p.automation,
        dedupKey: p.dedupKey,
      },
      p.launchedBy ?? p.createdBy,
      parentId,
    );
    const next = nextRun(p.recurrence, now, org.timeZone);
    await tx.query("UPDATE campaigns SET state = 'scheduled', next_run_at = $2 WHERE id = $1", [run.id, now]);
    await tx.query('UPDATE campaigns SET next_run_at = $2 WHERE id = $1', [parentId, next]);
    return run.id;
  });
}

/** One pass: everything due by `now` launched or spawned. Returns the campaigns it launched. */
export async function runScheduler(db: Db, now: Date, links?: LinkSettings): Promise<number[]> {
  // Moderation's SLA (issue 18): what waited too long is marked overdue once, for its initiator.
  await sweepOverdue(db, now, moderationSlaMinutes());
  const { rows } = await db.query<DueRow>(
    `SELECT id, org_id, recurrence, launched_by FROM campaigns
     WHERE state = 'scheduled' AND next_run_at <= $1 ORDER BY next_run_at, id LIMIT 100`,
    [now],
  );
  const launched: number[] = [];
  const oneOffs = rows.filter((r) => !r.recurrence);
  for (const r of rows.filter((r) => r.recurrence)) {
    const run = await spawnRun(db, r.org_id, r.id, now);
    if (run !== null) oneOffs.push({ ...r, id: run, recurrence: null });
  }
  if (oneOffs.length === 0) return launched;
  // Loaded when a run is due: the launch brings the template and e-mail engines, which a worker
  // process otherwise never needs (tens of megabytes of its memory, issue 6).
  const { launchCampaign } = await import('./launch.ts');
  for (const r of oneOffs) {
    const result = await launchCampaign(db, r.org_id, r.id, r.launched_by ?? 'scheduler', links, {
      now,
      byScheduler: true,
    });
    if (result.ok) launched.push(r.id);
    else if (result.code !== 'not_draft')
      // Not launched and never will be by itself: back to draft, with the reason for the operator.
      await db.query(
        `UPDATE campaigns SET state = 'draft', next_run_at = NULL, schedule_error = $2
         WHERE id = $1 AND state = 'scheduled'`,
        [r.id, result.message],
      );
  }
  return launched;
}

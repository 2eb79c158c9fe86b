/**
 * When each message of a launch becomes due, and why (issue 7): the daytime window in the recipient's
 * zone, the urgent rate, the local-time schedule, the cascade's wait, the economy plan. The launch
 * writes the due times; the worker re-checks the window and the caps before each send (gate.ts),
 * since a queue that runs late, a retry or a paused campaign can carry a message past the window.
 */
import { DateTime } from 'luxon';
import { type EconomyDay, economyDue, economyPlan, localTimeIn, urgentDue } from '../core/schedule/plan.ts';
import { type DayWindow, nextInWindow } from '../core/schedule/window.ts';
import type { Campaign } from '../store/campaigns.ts';
import type { Queryable } from '../store/db.ts';
import type { Org } from '../store/orgs.ts';

export interface Due {
  dueAt: Date;
  dueReason: string | null;
  windowed: boolean;
}

export const windowOf = (org: Org): DayWindow => ({ start: org.windowStart, end: org.windowEnd });

/** Seconds the cascade waits for the messenger before the SMS becomes due (CH-2, CH-3). */
export const messengerWait = (org: Org, campaign: Campaign): number =>
  campaign.mode === 'economy' ? org.economyMessengerWaitSeconds : org.messengerWaitSeconds;

/** A launch's clock for its first tries, numbered in order (the urgent rate counts them). */
export function makeTimer(org: Org, campaign: Campaign, now: Date): (zone: string) => Due {
  const window = windowOf(org);
  const span = `${window.start}–${window.end}`;
  let k = 0;
  // Without a local-time schedule a message's due time depends on its zone alone: a launch of a
  // million works it out once per zone, not once per message.
  const byZone = new Map<string, Due>();
  return (zone) => {
    if (campaign.mode === 'urgent') {
      const dueAt = urgentDue(now, k++, org.urgentPerMinute);
      return {
        dueAt,
        dueReason: `urgent: ${org.urgentPerMinute} a minute, no daytime window`,
        windowed: false,
      };
    }
    const s = campaign.schedule;
    const local = s && 'localTime' in s;
    const known = local ? undefined : byZone.get(zone);
    if (known) return known;
    const base = local ? localTimeIn(s, zone, now) : now;
    const dueAt = nextInWindow(base, zone, window);
    let dueReason: string | null = null;
    if (base > now)
      dueReason = `schedule: ${s && 'localTime' in s ? `${s.date} ${s.localTime}` : ''} in ${zone}`;
    if (dueAt > base) dueReason = `window: ${span} in ${zone}`;
    // Economy first tries get their day's slot after the launch's rows are written (planEconomy).
    const due = { dueAt, dueReason, windowed: true };
    if (!local) byZone.set(zone, due);
    return due;
  };
}

/** The SMS behind a messenger message (the cascade): due when the messenger has had its wait. */
export function fallbackDue(first: Due, waitSeconds: number): Due {
  return {
    dueAt: new Date(first.dueAt.getTime() + waitSeconds * 1000),
    dueReason: `cascade: by SMS unless the messenger accepts it within ${waitSeconds} s`,
    windowed: first.windowed,
  };
}

/** A gateway's economy messages per day: its own capacity, else the organisation's. */
export async function economyCapacity(db: Queryable, org: Org, gatewayId: number): Promise<number> {
  const { rows } = await db.query<{ daily_capacity: number | null }>(
    'SELECT daily_capacity FROM gateways WHERE id = $1',
    [gatewayId],
  );
  return rows[0]?.daily_capacity ?? org.economyDailyCapacity;
}

/**
 * The economy plan for `count` first tries of `campaign` (CH-3): each day of the organisation takes
 * what the gateway's daily capacity has left after the organisation's other economy campaigns.
 */
export async function planEconomy(
  db: Queryable,
  org: Org,
  campaign: Campaign,
  capacity: number,
  count: number,
  now: Date,
): Promise<EconomyDay[]> {
  const { rows } = await db.query<{ d: string; n: number }>(
    `SELECT to_char(m.due_at AT TIME ZONE $2, 'YYYY-MM-DD') AS d, count(*)::int AS n
     FROM messages m JOIN campaigns c ON c.id = m.campaign_id
     WHERE c.org_id = $1 AND c.mode = 'economy' AND c.channel = $3 AND c.id <> $4
       AND m.state = 'queued' AND m.cascade_of IS NULL
     GROUP BY 1`,
    [org.id, org.timeZone, campaign.channel, campaign.id],
  );
  const used = new Map(rows.map((r) => [r.d, r.n]));
  return economyPlan(count, now, org.timeZone, windowOf(org), (date) => capacity - (used.get(date) ?? 0));
}

/**
 * Gives the launched campaign's first tries their economy slots, in id order, and moves each SMS
 * fallback to its messenger message's slot plus the wait. Returns the plan.
 */
export async function applyEconomyPlan(
  tx: Queryable,
  org: Org,
  campaign: Campaign,
  capacity: number,
  now: Date,
): Promise<EconomyDay[]> {
  const { rows } = await tx.query<{ id: number }>(
    `SELECT id FROM messages WHERE campaign_id = $1 AND state = 'queued' AND cascade_of IS NULL ORDER BY id`,
    [campaign.id],
  );
  const plan = await planEconomy(tx, org, campaign, capacity, rows.length, now);
  const CHUNK = 5000;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const ids = rows.slice(i, i + CHUNK).map((r) => r.id);
    const slots = ids.map((_, j) => economyDue(plan, i + j));
    await tx.query(
      `UPDATE messages m SET due_at = u.due_at, due_reason = u.reason
       FROM unnest($1::bigint[], $2::timestamptz[], $3::text[]) AS u(id, due_at, reason) WHERE m.id = u.id`,
      [
        ids,
        slots.map((s) => s.at),
        slots.map((s) => `economy: slot of ${s.day.date} (${s.day.count} that day, capacity ${capacity})`),
      ],
    );
  }
  const wait = messengerWait(org, campaign);
  await tx.query(
    `UPDATE messages s SET due_at = f.due_at + make_interval(secs => $2),
       due_reason = 'cascade: by SMS unless the messenger accepts it within ' || $2 || ' s (economy)'
     FROM messages f WHERE s.cascade_of = f.id AND s.campaign_id = $1 AND s.state = 'queued'`,
    [campaign.id, wait],
  );
  return plan;
}

/** A plan for people: «2026-11-24: 1000, 2026-11-25: 340 — finishing 25.11.2026». */
export function describePlan(plan: EconomyDay[], zone: string): string {
  const last = plan.at(-1);
  const days = plan.map((d) => `${d.date}: ${d.count}`).join(', ');
  const end = last ? DateTime.fromJSDate(last.to, { zone }).toFormat('dd.MM.yyyy HH:mm') : '—';
  return `${days} — finishing ${end}`;
}

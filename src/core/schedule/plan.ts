/**
 * When a campaign's messages become due (issue 7): the modes (CH-2..CH-4), the schedule (SD-4) and
 * the recurrence of recurring campaigns. Pure: every function is given the clock as an instant.
 */
import { Cron } from 'croner';
import { DateTime } from 'luxon';
import { type DayWindow, nextInWindow, nextOpen } from './window.ts';

export const MODES = ['standard', 'economy', 'urgent'] as const;
/** standard: messenger first, then SMS, in the daytime; economy: slower and cheaper; urgent: SMS now. */
export type Mode = (typeof MODES)[number];

/** A one-off send: at an instant, or at a local time on a date in each recipient's own zone. */
export type Schedule = { at: string } | { date: string; localTime: string };

/** A recurring campaign's rule: a cron line, or every day / week / month at a local time. */
export type Recurrence =
  | { cron: string }
  | { every: 'day'; at: string }
  | { every: 'week'; at: string; weekday: number }
  /** `day` 1–28, or -1 for the month's last day. */
  | { every: 'month'; at: string; day: number };

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** The cron line of a rule (croner's dialect: `L` is the month's last day). */
export function cronOf(r: Recurrence): string {
  if ('cron' in r) return r.cron;
  const m = HHMM.exec(r.at);
  if (!m) throw new Error(`recurrence.at: ${r.at} is not a time of day (HH:MM)`);
  const [minute, hour] = [Number(m[2]), Number(m[1])];
  if (r.every === 'day') return `${minute} ${hour} * * *`;
  if (r.every === 'week') {
    if (!Number.isInteger(r.weekday) || r.weekday < 1 || r.weekday > 7)
      throw new Error(`recurrence.weekday: ${r.weekday} is not a weekday (1 = Monday … 7 = Sunday)`);
    return `${minute} ${hour} * * ${r.weekday % 7}`;
  }
  if (r.day !== -1 && (!Number.isInteger(r.day) || r.day < 1 || r.day > 28))
    throw new Error(`recurrence.day: ${r.day} must be 1–28, or -1 for the last day of the month`);
  return `${minute} ${hour} ${r.day === -1 ? 'L' : r.day} * *`;
}

/** The first run strictly after `after`, in the organisation's zone; throws on a bad rule. */
export function nextRun(r: Recurrence, after: Date, zone: string): Date {
  let cron: Cron;
  try {
    cron = new Cron(cronOf(r), { timezone: zone, paused: true });
  } catch (err) {
    throw new Error(`recurrence: ${(err as Error).message}`);
  }
  const next = cron.nextRun(after);
  if (!next) throw new Error('recurrence: the rule never runs again');
  return next;
}

/** Checks a rule; the problem in words, or null. */
export function checkRecurrence(r: Recurrence, zone: string): string | null {
  try {
    nextRun(r, new Date(0), zone);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** When a one-off schedule launches the campaign: its instant, or the earliest local time anywhere (UTC+14). */
export function launchAt(s: Schedule): Date {
  if ('at' in s) return new Date(s.at);
  const earliest = DateTime.fromISO(`${s.date}T${s.localTime}`, { zone: 'Etc/GMT-14' });
  return earliest.toJSDate();
}

/** A message of a `{date, localTime}` schedule: that local time in the recipient's zone, or now if past. */
export function localTimeIn(s: { date: string; localTime: string }, zone: string, now: Date): Date {
  const at = DateTime.fromISO(`${s.date}T${s.localTime}`, { zone });
  if (!at.isValid) throw new Error(`schedule: ${s.date} ${s.localTime} is not a date and time`);
  return at.toJSDate() > now ? at.toJSDate() : now;
}

/** Urgent mode: the k-th message (from 0) at a fixed rate from `now` (CH-4). */
export function urgentDue(now: Date, k: number, perMinute: number): Date {
  return new Date(now.getTime() + Math.floor((k * 60_000) / perMinute));
}

export interface EconomyDay {
  date: string;
  count: number;
  /** When the day's first and last messages are due. */
  from: Date;
  to: Date;
}

/**
 * Economy mode (CH-3): `count` messages spread over the daytime windows of the coming days, each day
 * taking what its capacity has left (`free(date)`: the capacity minus what other economy campaigns of
 * the gateway already hold for that day), evenly over the day's window. Days are the organisation's.
 */
export function economyPlan(
  count: number,
  now: Date,
  zone: string,
  window: DayWindow,
  free: (date: string) => number,
  maxDays = 366,
): EconomyDay[] {
  const days: EconomyDay[] = [];
  let left = count;
  let at = nextInWindow(now, zone, window);
  for (let k = 0; left > 0 && k < maxDays; k++) {
    const local = DateTime.fromJSDate(at, { zone });
    const date = local.toISODate()!;
    const close = local.set({
      hour: Number(window.end.slice(0, 2)),
      minute: Number(window.end.slice(3)),
      second: 0,
      millisecond: 0,
    });
    const take = Math.min(left, Math.max(0, free(date)));
    if (take > 0) {
      const span = Math.max(0, close.toMillis() - at.getTime());
      const step = Math.floor(span / take);
      days.push({ date, count: take, from: at, to: new Date(at.getTime() + step * (take - 1)) });
      left -= take;
    }
    const tomorrow = local.plus({ days: 1 }).startOf('day').toJSDate();
    at = nextOpen(tomorrow, zone, () => window) ?? tomorrow;
  }
  if (left > 0) throw new Error(`economy: ${left} messages do not fit in ${maxDays} days`);
  return days;
}

/** The due time of the k-th message (from 0) of an economy plan. */
export function economyDue(plan: EconomyDay[], k: number): { at: Date; day: EconomyDay } {
  let i = k;
  for (const day of plan) {
    if (i < day.count) {
      const step = day.count > 1 ? (day.to.getTime() - day.from.getTime()) / (day.count - 1) : 0;
      return { at: new Date(day.from.getTime() + Math.floor(step * i)), day };
    }
    i -= day.count;
  }
  throw new Error(`economy: message ${k} is beyond the plan`);
}

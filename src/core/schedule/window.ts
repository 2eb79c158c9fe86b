/**
 * The daytime window (issue 7, CH-5): messages reach people «strictly in the daytime, from 10 to
 * 23» of *their* local time. Given an instant and a recipient's time zone, the earliest instant at
 * or after it that falls inside the window. Wall-clock times that a daylight-saving change skips
 * (the spring gap) move to the first instant after the gap; times it repeats (the autumn overlap)
 * are inside the window on both passes, since the wall clock is what people live by.
 *
 * Pure: zones come from the IANA database through luxon; no clock is read.
 */
import { DateTime } from 'luxon';

/** `HH:MM` local times; `start` < `end`, both within one day. */
export interface DayWindow {
  start: string;
  end: string;
}

export const DEFAULT_WINDOW: DayWindow = { start: '10:00', end: '23:00' };

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes past midnight; `24:00` is the end of the day (a window open until midnight). */
function minutes(hhmm: string, field: string): number {
  if (hhmm === '24:00') return 24 * 60;
  const m = HHMM.exec(hhmm);
  if (!m) throw new Error(`${field}: ${hhmm} is not a time of day (HH:MM)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The whole day: for messages no window holds back. */
export const ALL_DAY: DayWindow = { start: '00:00', end: '24:00' };

/** Checks a window: two times of day, the start before the end. */
export function checkWindow(w: DayWindow): string | null {
  try {
    if (minutes(w.start, 'start') >= minutes(w.end, 'end'))
      return `start ${w.start} must be before end ${w.end}`;
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

export function isValidZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}

/** The earliest instant ≥ `at` when the local time in `zone` is within [start, end). */
export function nextInWindow(at: Date, zone: string, window: DayWindow = DEFAULT_WINDOW): Date {
  const found = nextOpen(at, zone, () => window);
  if (!found) throw new Error(`the window ${window.start}–${window.end} never opens`);
  return found;
}

/** A day as the rules see it: its local date and whether it is a weekend day or a holiday. */
export interface LocalDay {
  date: string;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  weekday: number;
}

/**
 * The earliest instant ≥ `at` inside the window `windowOf` gives for its local day in `zone` (null:
 * the day is closed — a cap reached, a rule that forbids it), looking at most `maxDays` days ahead;
 * null if none opens by then. The general form behind the daytime window, the debt-collection hours
 * (which differ on working days and holidays) and the caps.
 */
export function nextOpen(
  at: Date,
  zone: string,
  windowOf: (day: LocalDay) => DayWindow | null,
  maxDays = 400,
): Date | null {
  const local = DateTime.fromJSDate(at, { zone });
  if (!local.isValid) throw new Error(`${zone} is not a time zone`);
  let day = local.startOf('day');
  for (let k = 0; k <= maxDays; k++, day = day.plus({ days: 1 }).startOf('day')) {
    const w = windowOf({ date: day.toISODate()!, weekday: day.weekday });
    if (!w) continue;
    const start = minutes(w.start, 'start');
    const end = minutes(w.end, 'end');
    if (k === 0) {
      const now = local.hour * 60 + local.minute;
      if (now >= start && now < end) return at;
      if (now >= end) continue;
    }
    return opening(day, start);
  }
  return null;
}

/** The instant a day's window opens: `start` minutes past its midnight, or just after a spring gap. */
function opening(day: DateTime, start: number): Date {
  let open = day.set({ hour: Math.floor(start / 60), minute: start % 60, second: 0, millisecond: 0 });
  // A start inside a spring gap does not exist that day: luxon moves it forward by the gap's length,
  // but the window opens at the first instant after the gap. Step back minute by minute to it.
  const shift = open.hour * 60 + open.minute - start;
  for (let k = 0; k < shift; k++) {
    const earlier = open.minus({ minutes: 1 });
    if (earlier.hour * 60 + earlier.minute < start || !earlier.hasSame(open, 'day')) break;
    open = earlier;
  }
  return open.toJSDate();
}

/** The intersection of two windows of one day; null if they do not overlap. */
export function intersect(a: DayWindow, b: DayWindow): DayWindow | null {
  const start = a.start > b.start ? a.start : b.start;
  const end = a.end < b.end ? a.end : b.end;
  return start < end ? { start, end } : null;
}

/** Is `at` inside the window in `zone`? */
export function inWindow(at: Date, zone: string, window: DayWindow = DEFAULT_WINDOW): boolean {
  return nextInWindow(at, zone, window).getTime() === at.getTime();
}

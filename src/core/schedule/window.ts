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

function minutes(hhmm: string, field: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw new Error(`${field}: ${hhmm} is not a time of day (HH:MM)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

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
  const local = DateTime.fromJSDate(at, { zone });
  if (!local.isValid) throw new Error(`${zone} is not a time zone`);
  const start = minutes(window.start, 'start');
  const end = minutes(window.end, 'end');
  const now = local.hour * 60 + local.minute;
  if (now >= start && now < end) return at;
  const day = now < start ? local : local.plus({ days: 1 });
  let opening = day.set({ hour: Math.floor(start / 60), minute: start % 60, second: 0, millisecond: 0 });
  // A start inside a spring gap does not exist that day: luxon moves it forward by the gap's length,
  // but the window opens at the first instant after the gap. Step back minute by minute to it.
  const shift = opening.hour * 60 + opening.minute - start;
  for (let k = 0; k < shift; k++) {
    const earlier = opening.minus({ minutes: 1 });
    if (earlier.hour * 60 + earlier.minute < start || !earlier.hasSame(opening, 'day')) break;
    opening = earlier;
  }
  return opening.toJSDate();
}

/** Is `at` inside the window in `zone`? */
export function inWindow(at: Date, zone: string, window: DayWindow = DEFAULT_WINDOW): boolean {
  return nextInWindow(at, zone, window).getTime() === at.getTime();
}

/**
 * Frequency caps (SD-7, issue 7 item 7). Debt collection under 230-FZ art. 7: a debtor gets at most
 * 2 messages a day, 4 a week and 16 a month, and none from 22:00 to 08:00 on working days or from
 * 20:00 to 09:00 on weekends and public holidays — all in the debtor's local time. An organisation may
 * add a general cap of messages per recipient and day for everything it sends.
 *
 * Periods are calendar ones in the recipient's zone (the day, the week from Monday, the month): the
 * reading that regulators and the collection agencies' own rules use (decision 0011). Pure: the
 * messages already sent come in as instants, the clock as `at`.
 */
import { DateTime } from 'luxon';
import { ALL_DAY, type DayWindow, intersect, type LocalDay, nextOpen } from './window.ts';

export interface Caps {
  day?: number;
  week?: number;
  month?: number;
}

export const COLLECTION_CAPS: Required<Caps> = { day: 2, week: 4, month: 16 };
const WORKING_DAY: DayWindow = { start: '08:00', end: '22:00' };
const DAY_OFF: DayWindow = { start: '09:00', end: '20:00' };

/**
 * Public holidays of the Labour Code (art. 112) as `MM-DD`. The government's yearly transfers of days
 * off are not here: an organisation that needs them lists them itself (not yet configurable).
 */
const HOLIDAYS = new Set([
  '01-01',
  '01-02',
  '01-03',
  '01-04',
  '01-05',
  '01-06',
  '01-07',
  '01-08',
  '02-23',
  '03-08',
  '05-01',
  '05-09',
  '06-12',
  '11-04',
]);

export function isDayOff(day: LocalDay): boolean {
  return day.weekday >= 6 || HOLIDAYS.has(day.date.slice(5));
}

/** The hours a debt collector may message on this day (230-FZ art. 7 part 3). */
export function collectionHours(day: LocalDay): DayWindow {
  return isDayOff(day) ? DAY_OFF : WORKING_DAY;
}

/** Counts of what was sent, by local day, ISO week and month. */
class Tally {
  private readonly counts = new Map<string, number>();
  constructor(private readonly zone: string) {}

  static keys(date: string): [string, string, string] {
    const d = DateTime.fromISO(date);
    return [`d${date}`, `w${d.weekYear}-${d.weekNumber}`, `m${date.slice(0, 7)}`];
  }

  add(at: Date): void {
    const date = DateTime.fromJSDate(at, { zone: this.zone }).toISODate()!;
    for (const k of Tally.keys(date)) this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  /** The first cap this day would exceed, in words; null if one more message fits. */
  full(date: string, caps: Caps): string | null {
    const [d, w, m] = Tally.keys(date).map((k) => this.counts.get(k) ?? 0) as [number, number, number];
    if (caps.day !== undefined && d >= caps.day) return `${caps.day} a day`;
    if (caps.week !== undefined && w >= caps.week) return `${caps.week} a week`;
    if (caps.month !== undefined && m >= caps.month) return `${caps.month} a month`;
    return null;
  }
}

export interface CapRules {
  /** The organisation's daytime window, or null when the message ignores it (urgent). */
  window: DayWindow | null;
  /** Debt collection: its hours and its caps. */
  collection: boolean;
  /** The organisation's general cap per recipient and day, or null. */
  generalPerDay: number | null;
}

export type Decision = { go: true } | { go: false; at: Date; reason: string };

/**
 * When the next message to one recipient may go, given what they were sent (`sent`, instants) and
 * the rules; `go` if now. A recipient's claimed messages are decided one after another, each
 * approved one added to `sent` by the caller (`Recipient.approve`).
 */
export class Recipient {
  private readonly tally: Tally;
  private readonly caps: Caps;

  constructor(
    private readonly zone: string,
    private readonly rules: CapRules,
    sent: Date[],
  ) {
    this.tally = new Tally(zone);
    for (const at of sent) this.tally.add(at);
    const general = rules.generalPerDay ?? undefined;
    const day = rules.collection
      ? Math.min(COLLECTION_CAPS.day, general ?? Number.POSITIVE_INFINITY)
      : general;
    this.caps = rules.collection ? { ...COLLECTION_CAPS, day: day! } : day ? { day } : {};
  }

  decide(now: Date): Decision {
    let why = '';
    const windowOf = (day: LocalDay): DayWindow | null => {
      const full = this.tally.full(day.date, this.caps);
      if (full) {
        why ||= `cap: ${full} reached for this recipient (${day.date})`;
        return null;
      }
      let w = this.rules.window;
      if (this.rules.collection) {
        const hours = collectionHours(day);
        w = w ? intersect(w, hours) : hours;
        if (!w) return null;
      }
      return w ?? ALL_DAY;
    };
    const at = nextOpen(now, this.zone, windowOf);
    if (!at)
      return { go: false, at: new Date(now.getTime() + 86_400_000), reason: 'no day open within a year' };
    if (at.getTime() === now.getTime()) return { go: true };
    const hours = this.rules.collection ? 'debt-collection hours (230-FZ art. 7)' : 'the daytime window';
    return { go: false, at, reason: why || `outside ${hours} in ${this.zone}` };
  }

  approve(at: Date): void {
    this.tally.add(at);
  }
}

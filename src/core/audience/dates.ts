/**
 * Calendar arithmetic for the date filters (age, birthdays, payments), on ISO `YYYY-MM-DD` strings.
 * The compiler works out the bounds once for the organisation's time zone, so the SQL compares a
 * column with a parameter instead of calling date functions on every row; the in-memory evaluator
 * of the property test uses the same rules written separately.
 */

export const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const iso = (y: number, m: number, d: number) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
const parts = (date: string): [number, number, number] => {
  const [y, m, d] = date.split('-').map(Number);
  return [y!, m!, d!];
};

/** The calendar date at `now` in `timeZone` (IANA), as `YYYY-MM-DD`. */
export function localDate(now: Date, timeZone: string): string {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const p = Object.fromEntries(f.formatToParts(now).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = parts(date);
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return iso(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** The same day `years` earlier; 29 February becomes 28 February in a common year (as PostgreSQL does). */
export function minusYears(date: string, years: number): string {
  const [y, m, d] = parts(date);
  const ty = y - years;
  return iso(ty, m, m === 2 && d === 29 && !isLeap(ty) ? 28 : d);
}

/** Full years on `today` of someone born on `birth` (a birthday on 29 February counts from 1 March in common years). */
export function fullYears(birth: string, today: string): number {
  const [by, bm, bd] = parts(birth);
  const [ty, tm, td] = parts(today);
  return Math.floor((ty * 10000 + tm * 100 + td - (by * 10000 + bm * 100 + bd)) / 10000);
}

/**
 * The birthdays, as month × 100 + day, that fall on a day from `from` through `to`: 29 February
 * falls on 28 February in a common year.
 */
export function birthdayKeys(from: string, to: string): number[] {
  const keys = new Set<number>();
  for (let d = from, i = 0; d <= to && i < 800; d = addDays(d, 1), i++) {
    const [y, m, day] = parts(d);
    keys.add(m * 100 + day);
    if (m === 2 && day === 28 && !isLeap(y)) keys.add(229);
  }
  return [...keys].sort((a, b) => a - b);
}

/** The month (1–12) after the one of `date`. */
export const nextMonth = (date: string): number => (parts(date)[1] % 12) + 1;

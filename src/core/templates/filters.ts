/**
 * The filters Vestnik adds to Liquid (CT-1): money as the seeds print it or as Russians write it,
 * dates in Russian, Russian plural forms, and one receipt link per object.
 *
 * Every filter here is a pure function of its arguments: it never reads `this` (the Liquid context)
 * and never throws, whatever a template feeds it. The fast renderer (`fast.ts`) relies on both: it
 * calls these functions directly, without a Liquid context.
 */

/** U+202F NARROW NO-BREAK SPACE: between digit groups and before the rouble sign, as in print. */
export const NNBSP = '\u202f';

const MONTHS_GENITIVE = [
  'января',
  'февраля',
  'марта',
  'апреля',
  'мая',
  'июня',
  'июля',
  'августа',
  'сентября',
  'октября',
  'ноября',
  'декабря',
];

/**
 * An amount in roubles to whole kopecks, exactly: strings are read digit by digit (never through a
 * float), so `"90071992547409.91"` stays what it says. Half a kopeck and more rounds away from zero.
 * Accepts `1234.5`, `"1234,50"`, `"10 123,45"` (spaces of any kind between digits); null when the
 * input is not a number at all.
 */
export function toKopecks(input: unknown): bigint | null {
  if (typeof input === 'bigint') return input * 100n;
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || Math.abs(input) >= 1e21) return null;
    // toFixed rounds the float's exact value (1.005 is really 1.00499…, so 1.00): no double rounding.
    return toKopecks(input.toFixed(2));
  }
  if (typeof input !== 'string') return null;
  const m = /^([+-]?)(\d[\d\s\u00a0\u202f]*)(?:[.,](\d+))?$/.exec(input.trim());
  if (!m) return null;
  const whole = BigInt(m[2]!.replace(/[\s\u00a0\u202f]/g, ''));
  const fraction = (m[3] ?? '').padEnd(3, '0');
  let kopecks = whole * 100n + BigInt(fraction.slice(0, 2));
  if (fraction.charCodeAt(2) >= 0x35 /* '5' */) kopecks += 1n;
  return m[1] === '-' ? -kopecks : kopecks;
}

/**
 * `money`: `10123.45` (the seeds' form, the default) or, with `"ru"`, `10 123,45 ₽` with narrow
 * no-break spaces. Groups start at four digits (`1 234,50 ₽`), as bank statements print them.
 * Nothing (null, empty) is `0.00`; text that is not an amount is left as it is.
 */
export function money(input: unknown, style?: unknown): string {
  const kopecks =
    input === null || input === undefined || (typeof input === 'string' && input.trim() === '')
      ? 0n
      : toKopecks(input);
  if (kopecks === null) return typeof input === 'string' ? input : '';
  const negative = kopecks < 0n;
  const abs = negative ? -kopecks : kopecks;
  const rubles = (abs / 100n).toString();
  const cents = (abs % 100n).toString().padStart(2, '0');
  if (style !== 'ru') return `${negative ? '-' : ''}${rubles}.${cents}`;
  const grouped = rubles.replace(/\B(?=(\d{3})+$)/g, NNBSP);
  return `${negative ? '-' : ''}${grouped},${cents}${NNBSP}₽`;
}

/** A calendar date from `YYYY-MM-DD…` (the date as written, no time-zone shift) or a Date (local). */
function calendarDate(input: unknown): { y: number; m: number; d: number } | null {
  if (input instanceof Date) {
    if (Number.isNaN(input.getTime())) return null;
    return { y: input.getFullYear(), m: input.getMonth() + 1, d: input.getDate() };
  }
  if (typeof input !== 'string') return null;
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(input.trim());
  if (!match) return null;
  const y = Number(match[1]);
  const m = Number(match[2]);
  const d = Number(match[3]);
  // Rejects 2026-02-30 and the like: a date that does not exist is not formatted as if it did.
  const probe = new Date(Date.UTC(y, m - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== m - 1 || probe.getUTCDate() !== d) return null;
  return { y, m, d };
}

/**
 * `date_ru`: `12 июня 2026`, or with `"short"` `12.06.2026`. Empty stays empty (so the empty-value
 * policy sees it); anything that is not a date is left as it is.
 */
export function dateRu(input: unknown, style?: unknown): string {
  const date = calendarDate(input);
  if (!date) return typeof input === 'string' ? input : '';
  const dd = String(date.d).padStart(2, '0');
  const mm = String(date.m).padStart(2, '0');
  const yyyy = String(date.y).padStart(4, '0');
  if (style === 'short') return `${dd}.${mm}.${yyyy}`;
  return `${date.d} ${MONTHS_GENITIVE[date.m - 1]} ${yyyy}`;
}

/**
 * The Russian plural form for a count: one (1, 21, 101), few (2–4, 22–24), many (0, 5–20, 11–14,
 * 111–114). A fraction takes the «few» form (1,5 участка), as Russian grammar has it.
 */
export function pluralForm(n: number): 'one' | 'few' | 'many' {
  const abs = Math.abs(n);
  if (!Number.isInteger(abs)) return 'few';
  const mod100 = abs % 100;
  const mod10 = abs % 10;
  if (mod100 >= 11 && mod100 <= 14) return 'many';
  if (mod10 === 1) return 'one';
  if (mod10 >= 2 && mod10 <= 4) return 'few';
  return 'many';
}

/** `plural`: `{{ n | plural: 'участок', 'участка', 'участков' }}` → `1 участок`, `5 участков`. */
export function plural(input: unknown, one?: unknown, few?: unknown, many?: unknown): string {
  const n = typeof input === 'number' ? input : typeof input === 'string' ? Number(input.trim()) : Number.NaN;
  if (!Number.isFinite(n) || (typeof input === 'string' && input.trim() === '')) {
    return typeof input === 'string' ? input : '';
  }
  const form = pluralForm(n);
  const word = form === 'one' ? one : form === 'few' ? few : many;
  const shown = typeof input === 'string' ? input.trim() : String(input);
  return typeof word === 'string' && word !== '' ? `${shown} ${word}` : shown;
}

/**
 * `links`: the objects' receipt links joined by `", "` (or the given separator), skipping objects
 * without one — what `%kvit` means: «if an owner has several plots, several links are inserted».
 */
export function links(input: unknown, separator?: unknown): string {
  if (!Array.isArray(input)) return '';
  const sep = typeof separator === 'string' ? separator : ', ';
  let out = '';
  for (const item of input) {
    if (item === null || typeof item !== 'object' || !Object.hasOwn(item, 'link')) continue;
    const link = (item as { link: unknown }).link;
    if (typeof link !== 'string' || link === '') continue;
    out = out === '' ? link : out + sep + link;
  }
  return out;
}

/** A value as Liquid prints it: nothing for null, arrays run together, everything else as String. */
export function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(stringify).join('');
  return String(value);
}

/** HTML escaping for e-mail bodies: the five characters that matter in text and in attributes. */
export function escapeHtml(input: unknown): string {
  const s = stringify(input);
  return /[&<>"']/.test(s)
    ? s
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&#39;')
    : s;
}

/** The filters by their Liquid names; registered on every engine in `render.ts`. */
export const FILTERS: Readonly<Record<string, (value: unknown, ...args: unknown[]) => string>> = {
  money,
  date_ru: dateRu,
  plural,
  links,
};

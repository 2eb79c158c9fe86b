/**
 * Single cells of an imported file as people and spreadsheets write them → the values a contact
 * stores (AU-8). Each function takes one cell and returns the value or the reason it is not one;
 * nothing is guessed: a date with a two-digit year or a number that lost its digits is refused with
 * a message that says what to fix in the file.
 */
import { isIsoDate } from '../contact.ts';
import { parseRoubles } from '../pricing.ts';

/** A cell as the readers give it: CSV cells are strings; XLSX cells keep their type. */
export type CellValue = string | number | boolean | Date | null;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const no = <T>(message: string): Parsed<T> => ({ ok: false, message });

const isoOfUtc = (d: Date): string => d.toISOString().slice(0, 10);

/** A cell as text, the way the file shows it: a date at midnight as its day, a number as written. */
export function cellText(cell: CellValue | undefined): string {
  if (cell === null || cell === undefined) return '';
  if (cell instanceof Date) {
    if (Number.isNaN(cell.getTime())) return '';
    return cell.getTime() % 86_400_000 === 0 ? isoOfUtc(cell) : cell.toISOString();
  }
  return typeof cell === 'string' ? cell : String(cell);
}

/** Spreadsheets keep 15 significant digits; an integer from 10^15 up may already have lost some. */
const EXACT_LIMIT = 1e15;

/**
 * A cell that identifies something (a phone, an id, a plot or account number) as text. A number
 * cell is exact up to 15 digits — Excel shows 79123456789 as `7.91E+10` but stores every digit —
 * so it is written out in full; past that its digits may be gone, and it is refused, not guessed.
 * A spoiled text cell (`7.91E+10` in a CSV saved from Excel) is left to the phone parser, which
 * refuses it with its own message.
 */
export function identifierText(cell: CellValue | undefined): Parsed<string> {
  if (typeof cell === 'number') {
    if (!Number.isFinite(cell)) return no(`\`${cell}\` is not a value`);
    if (Number.isInteger(cell) && Math.abs(cell) >= EXACT_LIMIT) {
      return no(
        `\`${cellText(cell)}\` was stored by the spreadsheet as a number and may have lost digits; format the column as text and export again`,
      );
    }
    return ok(Number.isInteger(cell) ? cell.toFixed(0) : String(cell));
  }
  return ok(cellText(cell).trim());
}

/**
 * Significant digits Excel's General format keeps when it shows a number in scientific notation
 * (79123456789 as `7.91235E+10`); a narrower column shows fewer (`7.91E+10`).
 */
const SHOWN_DIGITS = 6;

/**
 * A phone cell as text. Besides identifierText's rule, a number cell of eleven digits or more whose
 * digits after the sixth are all zeros (79100000000) is what a spoiled text becomes when it is
 * typed or pasted back into a sheet: `7.91E+10` is stored as 7.91 × 10^10. It is refused as
 * spoiled, not turned into +79100000000 — a real number ending in five zeros is rare, and the
 * message says how to keep one (a text column).
 */
export function phoneCellText(cell: CellValue | undefined): Parsed<string> {
  if (
    typeof cell === 'number' &&
    Number.isInteger(cell) &&
    Math.abs(cell) >= 1e10 &&
    Math.abs(cell) < EXACT_LIMIT
  ) {
    const significant = Math.abs(cell).toFixed(0).replace(/0+$/, '');
    if (significant.length <= SHOWN_DIGITS)
      return no(
        `\`${cellText(cell)}\` was spoiled by a spreadsheet (scientific notation: ${cell.toExponential().toUpperCase()} ` +
          'keeps only its first digits); format the column as text and type the numbers again',
      );
  }
  return identifierText(cell);
}

// Excel's day 0 is 1899-12-30 for serials from 61 on; below that it counts a 29 February 1900 that
// never was (Lotus 1-2-3's bug, kept for compatibility), so serial 60 is no date and 1–59 are a day
// later than the plain formula gives. Files in the 1904 date system are not told apart here.
const EXCEL_EPOCH = Date.UTC(1899, 11, 30);
const MAX_SERIAL = 2_958_465; // 9999-12-31

// A time after the date, as Excel exports date cells to CSV (`31.12.1980 0:00:00`), is ignored.
const TIME = String.raw`(?:[T\s]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?`;
const DAY_FIRST = new RegExp(String.raw`^(\d{1,2})[./-](\d{1,2})[./-](\d{4})${TIME}$`);
const YEAR_FIRST = new RegExp(String.raw`^(\d{4})[-./](\d{1,2})[-./](\d{1,2})${TIME}$`);

const dayOf = (y: number, m: number, d: number): string =>
  `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/**
 * A date as people type it — `31.12.1980`, `31/12/1980`, `1980-12-31`, each possibly followed by a
 * time, as Excel exports it — or an XLSX date cell, or an Excel serial number from an XLSX cell
 * whose format was lost (29586 is 1980-12-31). Day first: this is the Russian order, and a date in
 * an English export that is month first would be misread only where the day is ≤ 12 — such files
 * should use ISO dates. Returns `YYYY-MM-DD`; whether it is a plausible birth date is the contact
 * validation's business.
 */
export function parseDate(cell: CellValue | undefined): Parsed<string> {
  if (cell instanceof Date) {
    if (Number.isNaN(cell.getTime())) return no('is not a date');
    // exceljs gives date cells as UTC midnight of the day the sheet shows.
    return ok(isoOfUtc(cell));
  }
  if (typeof cell === 'number') {
    const serial = Math.floor(cell);
    if (!Number.isFinite(cell) || serial < 1 || serial > MAX_SERIAL || serial === 60) {
      return no(`\`${cellText(cell)}\` is not a date`);
    }
    const days = serial < 60 ? serial + 1 : serial;
    return ok(isoOfUtc(new Date(EXCEL_EPOCH + days * 86_400_000)));
  }
  const text = cellText(cell ?? null).trim();
  const dayFirst = DAY_FIRST.exec(text);
  const yearFirst = YEAR_FIRST.exec(text);
  let iso: string | null = null;
  if (dayFirst) iso = dayOf(Number(dayFirst[3]), Number(dayFirst[2]), Number(dayFirst[1]));
  else if (yearFirst) iso = dayOf(Number(yearFirst[1]), Number(yearFirst[2]), Number(yearFirst[3]));
  else if (/^\d{1,2}[./-]\d{1,2}[./-]\d{2}$/.test(text)) {
    return no(`\`${text}\` has a two-digit year; write the year in full (31.12.1980)`);
  }
  if (iso === null) return no(`\`${text}\` is not a date (DD.MM.YYYY or YYYY-MM-DD)`);
  if (!isIsoDate(iso)) return no(`\`${text}\` is not a date: there is no such day`);
  return ok(iso);
}

const GENDERS: Record<string, 'male' | 'female'> = {
  м: 'male',
  муж: 'male',
  мужской: 'male',
  мужчина: 'male',
  m: 'male',
  male: 'male',
  man: 'male',
  ж: 'female',
  жен: 'female',
  женский: 'female',
  женщина: 'female',
  f: 'female',
  female: 'female',
  woman: 'female',
};

/** Gender as typed: `М`, `Ж`, `муж.`, `жен`, `male`, `F` (Latin and Cyrillic letters alike). */
export function parseGender(cell: CellValue | undefined): Parsed<'male' | 'female'> {
  const text = cellText(cell ?? null).trim();
  const gender = GENDERS[text.toLowerCase().replace(/\.$/, '')];
  return gender ? ok(gender) : no(`\`${text}\` is not a gender (М or Ж, муж or жен, male or female)`);
}

/**
 * An amount in roubles → kopecks: text as typed (`1 000,50`, `1500 руб.`, `-200`) through
 * parseRoubles, or an XLSX number (1000.5). A number with fractions of a kopeck (a formula's
 * 1234.5678) is refused: rounding money silently is the one thing an import must not do.
 */
export function parseAmount(cell: CellValue | undefined): Parsed<number> {
  if (typeof cell === 'number') {
    const kopecks = Math.round(cell * 100);
    if (!Number.isSafeInteger(kopecks)) return no(`\`${cellText(cell)}\` is not an amount in roubles`);
    // Binary fractions: 1234.56 * 100 is 123456.00000000001, which is still a whole kopeck.
    if (Math.abs(cell * 100 - kopecks) > 1e-6) {
      return no(`\`${cellText(cell)}\` has fractions of a kopeck; round it in the file`);
    }
    return ok(kopecks === 0 ? 0 : kopecks);
  }
  const text = cellText(cell ?? null);
  const kopecks = parseRoubles(text);
  return kopecks === null
    ? no(`\`${text.trim()}\` is not an amount in roubles (like 1 000,50)`)
    : ok(kopecks === 0 ? 0 : kopecks);
}

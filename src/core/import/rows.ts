/**
 * One row of an imported file → a contact (and its plot or account) ready to upsert, or the list of
 * everything wrong with it (AU-8). A rejection names the row as the spreadsheet numbers it (the
 * header is row 1), and for each problem the field, the column's header and the value as it was in
 * the file, so the operator can find the cell and fix it.
 *
 * An empty cell leaves its field out: an import adds and corrects, it never erases what is stored.
 * An entirely empty row is skipped (spreadsheets are full of them), not rejected.
 */
import { type ContactInput, validateContact } from '../contact.ts';
import type { ColumnMapping, Target } from './mapping.ts';
import { fastPhone } from './phone.ts';
import type { SheetRow } from './table.ts';
import {
  type CellValue,
  cellText,
  identifierText,
  type Parsed,
  parseAmount,
  parseDate,
  parseGender,
  phoneCellText,
} from './values.ts';

export interface ImportObject {
  kind: 'plot' | 'account';
  number: string;
  chargesKopecks?: number;
  debtKopecks?: number;
}

export interface RowProblem {
  /** The field (`phone`, `birthDate`, `object.debt`), or `row` for the row as a whole. */
  column: string;
  /** The column's header as in the file. */
  header: string;
  /** The cell as in the file. */
  value: string;
  message: string;
}

export type RowOutcome =
  | { status: 'accepted'; row: number; contact: ContactInput; objects: ImportObject[] }
  | { status: 'rejected'; row: number; problems: RowProblem[] };

const isBlank = (cell: CellValue | undefined): boolean => cellText(cell ?? null).trim() === '';

const INITIALS = /^(\p{Lu}\.)(\p{Lu}\.)$/u;

/** ФИО in the Russian order: «Иванов Иван Иванович», «Иванов И.И.», «Мамедов Рашид Керим оглы». */
function splitFullName(text: string): Pick<ContactInput, 'lastName' | 'firstName' | 'middleName'> {
  const words = text.trim().split(/\s+/);
  // Initials written together («И.И.») are two words; only a word with a dot can be such.
  if (text.includes('.'))
    words.splice(0, words.length, ...words.flatMap((w) => INITIALS.exec(w)?.slice(1) ?? [w]));
  const [lastName, firstName, ...rest] = words;
  return {
    lastName,
    ...(firstName !== undefined && { firstName }),
    ...(rest.length > 0 && { middleName: rest.join(' ') }),
  };
}

const CONTACT_FIELDS = [
  'externalId',
  'lastName',
  'firstName',
  'middleName',
  'phone',
  'email',
  'telegramChatId',
];
const IDENTIFIERS = ['phone', 'email', 'externalId'] as const;
const OBJECT_NUMBER_MAX = 100;

/**
 * Parses one row with a mapping (checked by checkMapping). `today` (YYYY-MM-DD) bounds birth dates.
 * Returns null for an empty row.
 */
export function parseRow(sheetRow: SheetRow, mapping: ColumnMapping, today: string): RowOutcome | null {
  const { row, cells, overflow = {}, broken } = sheetRow;
  if (!broken && Object.values(cells).every(isBlank) && Object.values(overflow).every(isBlank)) return null;

  const problems: (RowProblem & { at: number })[] = [];
  const headers = Object.keys(cells);
  // Where each field came from, to put the header and the file's own text on the contact's problems.
  const source = new Map<string, { header: string; value: string; at: number }>();
  const contact: ContactInput = {};
  const attributes: Record<string, unknown> = {};
  const object: { plot?: string; account?: string; charges?: number; debt?: number } = {};
  let fullName: ReturnType<typeof splitFullName> | null = null;

  const take = <T>(target: Target, header: string, at: number, parsed: Parsed<T>): T | undefined => {
    if (parsed.ok) return parsed.value;
    problems.push({
      column: target,
      header,
      value: cellText(cells[header] ?? null),
      message: parsed.message,
      at,
    });
    return undefined;
  };

  headers.forEach((header, at) => {
    const cell = cells[header] ?? null;
    if (isBlank(cell)) return;
    for (const target of mapping[header] ?? []) {
      const value = cellText(cell);
      source.set(target, { header, value, at });
      // U+FFFD is what the decoder made of bytes invalid in the file's encoding: the text is lost.
      if (value.includes('\uFFFD')) {
        take(target, header, at, {
          ok: false,
          message: `\`${value}\` has characters that could not be read: the file mixes encodings or is damaged`,
        });
        continue;
      }
      if (target.startsWith('attributes.')) {
        const key = target.slice('attributes.'.length);
        attributes[key] = cell instanceof Date ? value : typeof cell === 'string' ? cell.trim() : cell;
      } else if (target === 'fullName') fullName = splitFullName(value);
      else if (target === 'birthDate') contact.birthDate = take(target, header, at, parseDate(cell));
      else if (target === 'gender') contact.gender = take(target, header, at, parseGender(cell));
      else if (target === 'timeZone') contact.timeZone = value.trim();
      else if (target === 'object.charges') object.charges = take(target, header, at, parseAmount(cell));
      else if (target === 'object.debt') object.debt = take(target, header, at, parseAmount(cell));
      else if (target === 'object.plot' || target === 'object.account') {
        const number = take(target, header, at, identifierText(cell))?.replace(/\s+/g, ' ');
        if (number !== undefined && number.length > OBJECT_NUMBER_MAX) {
          take(target, header, at, { ok: false, message: `is longer than ${OBJECT_NUMBER_MAX} characters` });
        } else if (number !== undefined) object[target === 'object.plot' ? 'plot' : 'account'] = number;
      } else if (CONTACT_FIELDS.includes(target)) {
        const text = take(
          target,
          header,
          at,
          target === 'phone' ? phoneCellText(cell) : identifierText(cell),
        );
        if (text !== undefined) contact[target as 'phone'] = text;
      }
    }
  });

  // Separate name columns win over the parts of a full name.
  if (fullName) {
    const parts: ReturnType<typeof splitFullName> = fullName;
    for (const key of ['lastName', 'firstName', 'middleName'] as const) {
      if (contact[key] === undefined && parts[key] !== undefined) {
        contact[key] = parts[key];
        const from = source.get('fullName');
        if (from) source.set(key, from);
      }
    }
  }
  if (Object.keys(attributes).length > 0) contact.attributes = attributes;

  // Phones of the usual shapes skip libphonenumber (phone.ts); any other goes through the contact rules.
  const phone = contact.phone ? fastPhone(contact.phone) : null;
  if (phone !== null) delete contact.phone;
  const checked = validateContact(contact, today);
  if (phone !== null && checked.ok) checked.value.phone = phone;
  if (!checked.ok) {
    for (const p of checked.problems) {
      const from = source.get(p.field) ?? { header: '', value: String(p.value ?? ''), at: headers.length };
      // The contact rules speak of the normalised value (1980-12-31); the operator typed 31.12.1980.
      const normalised = `\`${String(p.value)}\``;
      const message = p.message.startsWith(normalised)
        ? `\`${from.value}\`${p.message.slice(normalised.length)}`
        : p.message;
      problems.push({ column: p.field, header: from.header, value: from.value, message, at: from.at });
    }
  }

  const objects: ImportObject[] = [];
  if (object.account !== undefined) objects.push({ kind: 'account', number: object.account });
  if (object.plot !== undefined) objects.push({ kind: 'plot', number: object.plot });
  // Amounts belong to the account when there is one (it is what is billed), else to the plot.
  const billed = objects[0];
  for (const [key, target] of [
    ['charges', 'object.charges'],
    ['debt', 'object.debt'],
  ] as const) {
    const amount = object[key];
    if (amount === undefined) continue;
    if (billed) billed[key === 'charges' ? 'chargesKopecks' : 'debtKopecks'] = amount;
    else {
      const from = source.get(target)!;
      problems.push({
        column: target,
        header: from.header,
        value: from.value,
        message: `\`${from.value}\` has no plot or account number on this row to belong to`,
        at: from.at,
      });
    }
  }

  // A contact is found by its phone, e-mail or external id; a row with none of them cannot be
  // matched or messaged. Said only when none was even given, not on top of a wrong phone.
  if (IDENTIFIERS.every((f) => !source.has(f))) {
    const mapped = IDENTIFIERS.filter((f) => headers.some((h) => mapping[h]?.includes(f)));
    const columns = mapped.length > 0 ? mapped : IDENTIFIERS;
    problems.push({
      column: columns.join(', '),
      header: columns.map((f) => headers.find((h) => mapping[h]?.includes(f)) ?? '').join(', '),
      value: '',
      message: 'has no phone, e-mail or external id: nothing to find the contact by',
      at: headers.length + 1,
    });
  }

  for (const [header, cell] of Object.entries(overflow)) {
    if (isBlank(cell)) continue;
    const value = cellText(cell);
    problems.push({
      column: 'row',
      header,
      value,
      message: `\`${value}\` is past the last column of the header row (a column without a header, or cells shifted by an unquoted delimiter)`,
      at: headers.length,
    });
  }
  if (broken) problems.push({ column: 'row', header: '', value: '', message: broken, at: -1 });

  if (problems.length > 0 || !checked.ok) {
    problems.sort((a, b) => a.at - b.at);
    return { status: 'rejected', row, problems: problems.map(({ at: _, ...p }) => p) };
  }
  return { status: 'accepted', row, contact: checked.value, objects };
}

/**
 * Which column of an imported file goes into which field (AU-8): a suggestion made from the
 * headers people actually write, Russian and English («Фамилия», «Моб. телефон», «№ участка»,
 * «Долг, руб.», «E-mail»), and the check of a mapping an operator sends back.
 *
 * A mapping is header → list of targets, so one column can feed two fields: «Лицевой счёт» is the
 * number of the account object (its charges and debt belong to it) and, when no other column is an
 * id, also the contact's external id that an import upserts by. An empty list ignores the column.
 *
 * Unknown headers become custom attributes (`attributes.<slug>`, the header transliterated), so
 * nothing in the file is dropped without the operator seeing it in the suggestion; columns without
 * a header, and row-number columns («№ п/п»), are ignored: there is no name to keep them under, and
 * they hold nothing about the contact.
 */

import type { FieldProblem } from '../result.ts';
import { transliterate } from '../sms/translit.ts';

export const FIELD_TARGETS = [
  'externalId',
  'fullName',
  'lastName',
  'firstName',
  'middleName',
  'phone',
  'email',
  'telegramChatId',
  'timeZone',
  'gender',
  'birthDate',
  'object.plot',
  'object.account',
  'object.charges',
  'object.debt',
] as const;
export type FieldTarget = (typeof FIELD_TARGETS)[number];
export type Target = FieldTarget | `attributes.${string}`;
/** Header (as the reader names it) → targets; `[]` ignores the column. */
export type ColumnMapping = Record<string, Target[]>;

// Keys are headers reduced by headerKey(): lower case, ё → е, only letters and digits.
const SYNONYMS: Record<FieldTarget, readonly string[]> = {
  externalId: [
    'id',
    'код',
    'кодклиента',
    'кодконтакта',
    'внешнийкод',
    'внешнийid',
    'externalid',
    'clientid',
    'customerid',
  ],
  fullName: [
    'фио',
    'фамилияимяотчество',
    'полноеимя',
    'собственник',
    'владелец',
    'фиособственника',
    'фиовладельца',
    'плательщик',
    'фиоплательщика',
    'name',
    'fullname',
    'contactname',
  ],
  lastName: ['фамилия', 'lastname', 'surname', 'familyname'],
  firstName: ['имя', 'firstname', 'givenname'],
  middleName: ['отчество', 'middlename', 'patronymic'],
  phone: [
    'телефон',
    'тел',
    'мобтелефон',
    'мобильныйтелефон',
    'мобильный',
    'моб',
    'сотовый',
    'сотовыйтелефон',
    'номертелефона',
    'контактныйтелефон',
    'телефонмобильный',
    'phone',
    'phonenumber',
    'mobile',
    'mobilephone',
    'cell',
    'cellphone',
    'tel',
    'telephone',
    'msisdn',
  ],
  email: [
    'email',
    'емейл',
    'имейл',
    'эмейл',
    'почта',
    'электроннаяпочта',
    'элпочта',
    'адресэлектроннойпочты',
    'mail',
    'emailaddress',
  ],
  telegramChatId: ['telegramchatid', 'telegramid', 'chatid', 'телеграмid'],
  timeZone: ['часовойпояс', 'timezone', 'tz'],
  gender: ['пол', 'gender', 'sex'],
  birthDate: ['датарождения', 'деньрождения', 'др', 'birthdate', 'dateofbirth', 'birthday', 'dob'],
  'object.plot': ['участок', 'участка', 'номеручастка', 'nучастка', 'plot', 'plotnumber', 'plotno'],
  'object.account': [
    'лицевойсчет',
    'лс',
    'номерлицевогосчета',
    'лицевой',
    'account',
    'accountnumber',
    'personalaccount',
  ],
  'object.charges': [
    'начислено',
    'начисления',
    'сумма',
    'суммакоплате',
    'коплате',
    'charges',
    'charged',
    'amount',
    'amountdue',
  ],
  'object.debt': ['долг', 'задолженность', 'суммадолга', 'суммазадолженности', 'debt', 'arrears'],
};

const BY_KEY = new Map<string, FieldTarget>(
  Object.entries(SYNONYMS).flatMap(([target, keys]) => keys.map((k) => [k, target as FieldTarget] as const)),
);

/** Row-number columns: «№», «№ п/п», «#», «No». */
const ROW_NUMBER_KEYS = new Set(['', 'пп', 'нпп', 'номерпп', 'n', 'no', 'npp']);

/** A header reduced to what identifies it: «Моб. телефон» → `мобтелефон`, «Долг, руб.» → `долг`. */
export function headerKey(header: string): string {
  // № first: NFKC would make it `No`, and «№ участка» is «участок», whatever its number sign.
  const key = header
    .replace(/№/g, '')
    .normalize('NFKC')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[^\p{L}\p{N}]+/gu, '');
  // A unit is not part of the name: «Сумма, руб.», «Debt, RUB».
  const bare = key.replace(/(?:рублей|руб|rub|rur)$/u, '');
  return bare === '' ? key : bare;
}

const UNNAMED = /^Column [A-Z]+$/;

/** The spreadsheet letter of a 0-based column index: 0 → A, 26 → AA. */
export function columnLetter(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/**
 * The header row as the readers name the columns: each header trimmed; an empty one named after its
 * letter (`Column E`, as the spreadsheet shows it); a repeated one numbered (`Телефон (2)`), so every
 * column has its own key in a row's cells.
 */
export function tableHeaders(raw: readonly string[]): string[] {
  const seen = new Set<string>();
  return raw.map((cell, i) => {
    const base = cell.replace(/\s+/g, ' ').trim() || `Column ${columnLetter(i)}`;
    let name = base;
    // Rows are records keyed by header, where a key `__proto__` would not be a key: number it too.
    for (let n = 2; seen.has(name) || name === '__proto__'; n++) name = `${base} (${n})`;
    seen.add(name);
    return name;
  });
}

/** The attribute key for an unknown header: «Улица» → `ulitsa`, «Площадь, м²» → `ploshchad_m2`. */
const slug = (header: string): string =>
  transliterate(header)
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');

/**
 * The mapping suggested for a file's headers (as tableHeaders named them). It always passes
 * checkMapping except when no column identifies a contact, which only the operator can fix.
 */
export function suggestMapping(headers: readonly string[]): ColumnMapping {
  const mapping: ColumnMapping = {};
  const taken = new Set<string>();
  const attribute = (header: string): Target[] => {
    const base = slug(header);
    if (base === '') return [];
    let name = base;
    for (let n = 2; taken.has(`attributes.${name}`); n++) name = `${base}_${n}`;
    taken.add(`attributes.${name}`);
    return [`attributes.${name}`];
  };
  const hasId = headers.some((h) => BY_KEY.get(headerKey(h)) === 'externalId');
  for (const header of headers) {
    const key = headerKey(header);
    const target = BY_KEY.get(key);
    // The first column that fits a field gets it; a second «Телефон» is kept as an attribute.
    if (target && !taken.has(target)) {
      taken.add(target);
      mapping[header] = [target];
      if (target === 'object.account' && !hasId && !taken.has('externalId')) {
        taken.add('externalId');
        mapping[header].push('externalId');
      }
    } else if (UNNAMED.test(header) || ROW_NUMBER_KEYS.has(key)) {
      mapping[header] = [];
    } else {
      mapping[header] = attribute(header);
    }
  }
  // Amounts belong to a plot or an account; without either column «Сумма» is just an attribute.
  if (!taken.has('object.plot') && !taken.has('object.account')) {
    for (const header of headers) {
      const t = mapping[header]?.[0];
      if (t === 'object.charges' || t === 'object.debt') mapping[header] = attribute(header);
    }
  }
  return mapping;
}

// `__proto__` is no key of a plain object: the value would be lost, so it is no attribute name.
const ATTRIBUTE = /^attributes\.(?!__proto__$)[\p{L}_][\p{L}\p{N}_]*$/u;
const isTarget = (t: unknown): t is Target =>
  typeof t === 'string' && ((FIELD_TARGETS as readonly string[]).includes(t) || ATTRIBUTE.test(t));

/**
 * Checks a mapping sent by an operator against the file's headers: each value a target, a list of
 * targets or null (ignore); every header known; no field fed by two columns; some column to find a
 * contact by; amounts only with a plot or account column to belong to. Headers left out are ignored.
 */
export function checkMapping(
  headers: readonly string[],
  input: Record<string, unknown>,
): { ok: true; value: ColumnMapping } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const mapping: ColumnMapping = {};
  const from = new Map<Target, string>();
  for (const [header, value] of Object.entries(input)) {
    const field = `mapping.${header}`;
    if (!headers.includes(header)) {
      problems.push({ field, value: header, message: `\`${header}\` is not a column of the file` });
      continue;
    }
    const list = value === null ? [] : Array.isArray(value) ? value : [value];
    mapping[header] = [];
    for (const target of list) {
      if (!isTarget(target)) {
        problems.push({
          field,
          value: target,
          message: `\`${String(target)}\` is not a field to import into`,
        });
        continue;
      }
      const other = from.get(target);
      if (other !== undefined) {
        problems.push({
          field,
          value: target,
          message: `\`${target}\` is already filled from column «${other}»`,
        });
        continue;
      }
      from.set(target, header);
      mapping[header].push(target);
    }
  }
  if (!from.has('phone') && !from.has('email') && !from.has('externalId')) {
    problems.push({
      field: 'mapping',
      value: null,
      message: 'no column is mapped to phone, email or externalId: a contact is found by one of them',
    });
  }
  for (const amount of ['object.charges', 'object.debt'] as const) {
    if (from.has(amount) && !from.has('object.plot') && !from.has('object.account')) {
      problems.push({
        field: `mapping.${from.get(amount)}`,
        value: amount,
        message: `\`${amount}\` needs a column mapped to object.plot or object.account to belong to`,
      });
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, value: mapping };
}

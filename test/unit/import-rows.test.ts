/**
 * Import rows (AU-8): one row → a contact with its plot or account, or every reason it is refused,
 * each with its row, field, header and value as in the file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type ColumnMapping, suggestMapping } from '../../src/core/import/mapping.ts';
import { parseRow, type RowProblem } from '../../src/core/import/rows.ts';
import type { SheetRow } from '../../src/core/import/table.ts';
import { type CellValue, parseAmount, parseDate, parseGender } from '../../src/core/import/values.ts';

const TODAY = '2025-06-15';
const HEADERS = [
  'Лицевой счёт',
  'ФИО',
  'Моб. телефон',
  'E-mail',
  'Дата рождения',
  'Пол',
  'Часовой пояс',
  'Telegram chat id',
  '№ участка',
  'Начислено',
  'Долг',
  'Улица',
];
const MAPPING = suggestMapping(HEADERS);

const row = (
  n: number,
  values: Partial<Record<string, CellValue>>,
  extra: Partial<SheetRow> = {},
): SheetRow => ({
  row: n,
  cells: Object.fromEntries(HEADERS.map((h) => [h, values[h] ?? null])),
  ...extra,
});

/** The problems of a row that must be rejected. */
function problems(sheetRow: SheetRow, mapping: ColumnMapping = MAPPING): RowProblem[] {
  const r = parseRow(sheetRow, mapping, TODAY);
  assert.ok(r && r.status === 'rejected', `row ${sheetRow.row} was not rejected: ${JSON.stringify(r)}`);
  assert.equal(r.row, sheetRow.row);
  return r.problems;
}

test('the suggested mapping of these headers', () => {
  assert.deepEqual(MAPPING, {
    'Лицевой счёт': ['object.account', 'externalId'],
    ФИО: ['fullName'],
    'Моб. телефон': ['phone'],
    'E-mail': ['email'],
    'Дата рождения': ['birthDate'],
    Пол: ['gender'],
    'Часовой пояс': ['timeZone'],
    'Telegram chat id': ['telegramChatId'],
    '№ участка': ['object.plot'],
    Начислено: ['object.charges'],
    Долг: ['object.debt'],
    Улица: ['attributes.ulitsa'],
  });
});

test('a full row is accepted: normalised contact, account and plot, amounts on the account', () => {
  const r = parseRow(
    row(2, {
      'Лицевой счёт': ' ЛС-0042 ',
      ФИО: 'Иванов  Иван Иванович',
      'Моб. телефон': '8 (912) 345-67-89',
      'E-mail': 'Ivan@Example.RU',
      'Дата рождения': '31.12.1980',
      Пол: 'М',
      'Часовой пояс': 'Asia/Yekaterinburg',
      'Telegram chat id': '-1001234',
      '№ участка': '12',
      Начислено: '1 000,50',
      Долг: '200 руб.',
      Улица: ' Лесная ',
    }),
    MAPPING,
    TODAY,
  );
  assert.deepEqual(r, {
    status: 'accepted',
    row: 2,
    contact: {
      externalId: 'ЛС-0042',
      lastName: 'Иванов',
      firstName: 'Иван',
      middleName: 'Иванович',
      phone: '+79123456789',
      email: 'Ivan@example.ru',
      telegramChatId: '-1001234',
      timeZone: 'Asia/Yekaterinburg',
      gender: 'male',
      birthDate: '1980-12-31',
      attributes: { ulitsa: 'Лесная' },
    },
    objects: [
      { kind: 'account', number: 'ЛС-0042', chargesKopecks: 100050, debtKopecks: 20000 },
      { kind: 'plot', number: '12' },
    ],
  });
});

test('XLSX cells: an exact numeric phone, a date cell, a serial date, numeric amounts and numbers', () => {
  const r = parseRow(
    row(3, {
      'Моб. телефон': 79123456789,
      'Дата рождения': new Date(Date.UTC(1980, 11, 31)),
      '№ участка': 12,
      Начислено: 1000.5,
      Долг: 1234.56,
      Улица: 5,
    }),
    MAPPING,
    TODAY,
  );
  assert.deepEqual(r, {
    status: 'accepted',
    row: 3,
    contact: { phone: '+79123456789', birthDate: '1980-12-31', attributes: { ulitsa: 5 } },
    objects: [{ kind: 'plot', number: '12', chargesKopecks: 100050, debtKopecks: 123456 }],
  });
  const serial = parseRow(row(4, { 'Моб. телефон': 89123456789, 'Дата рождения': 29586 }), MAPPING, TODAY);
  assert.deepEqual(serial, {
    status: 'accepted',
    row: 4,
    contact: { phone: '+79123456789', birthDate: '1980-12-31' },
    objects: [],
  });
});

test('an empty row is skipped, not rejected — whitespace and nulls alike', () => {
  assert.equal(parseRow(row(7, {}), MAPPING, TODAY), null);
  assert.equal(parseRow(row(8, { ФИО: '  ', Долг: '' }), MAPPING, TODAY), null);
});

test('reject: a phone that is not one — the brief’s example', () => {
  assert.deepEqual(problems(row(17, { 'Моб. телефон': '8 (912) 34' })), [
    {
      column: 'phone',
      header: 'Моб. телефон',
      value: '8 (912) 34',
      message: '`8 (912) 34` is not a phone number',
    },
  ]);
});

test('reject: a phone spoiled by a spreadsheet, as text, is flagged and not guessed', () => {
  assert.deepEqual(problems(row(5, { 'Моб. телефон': '7.91E+10' })), [
    {
      column: 'phone',
      header: 'Моб. телефон',
      value: '7.91E+10',
      message: '`7.91E+10` was spoiled by a spreadsheet (scientific notation); re-export the column as text',
    },
  ]);
});

test('reject: a phone with letters', () => {
  assert.deepEqual(problems(row(6, { 'Моб. телефон': '8 912 ABC' })), [
    {
      column: 'phone',
      header: 'Моб. телефон',
      value: '8 912 ABC',
      message: '`8 912 ABC` is not a phone number: it has letters or symbols',
    },
  ]);
});

test('reject: a numeric cell of 16 digits may have lost digits (phone, id, plot alike)', () => {
  const message =
    '`1234567890123456` was stored by the spreadsheet as a number and may have lost digits; format the column as text and export again';
  assert.deepEqual(problems(row(9, { 'Моб. телефон': 1234567890123456, '№ участка': 1234567890123456 })), [
    { column: 'phone', header: 'Моб. телефон', value: '1234567890123456', message },
    { column: 'object.plot', header: '№ участка', value: '1234567890123456', message },
  ]);
});

test('reject: an e-mail that is not one', () => {
  assert.deepEqual(problems(row(10, { 'E-mail': 'ivan@', 'Моб. телефон': '89123456789' })), [
    { column: 'email', header: 'E-mail', value: 'ivan@', message: '`ivan@` is not an e-mail address' },
  ]);
});

test('reject: birth dates — not a date, no such day, two-digit year, future, before 1900, serial 60', () => {
  const at = (n: number, v: CellValue) => problems(row(n, { 'Лицевой счёт': 'A', 'Дата рождения': v }));
  const p = (value: string, message: string) => [
    { column: 'birthDate', header: 'Дата рождения', value, message },
  ];
  assert.deepEqual(at(11, 'вчера'), p('вчера', '`вчера` is not a date (DD.MM.YYYY or YYYY-MM-DD)'));
  assert.deepEqual(at(12, '31.02.1980'), p('31.02.1980', '`31.02.1980` is not a date: there is no such day'));
  assert.deepEqual(
    at(13, '31.12.80'),
    p('31.12.80', '`31.12.80` has a two-digit year; write the year in full (31.12.1980)'),
  );
  assert.deepEqual(at(14, '01.01.2030'), p('01.01.2030', '`01.01.2030` is not a plausible birth date'));
  assert.deepEqual(at(15, '1899-12-31'), p('1899-12-31', '`1899-12-31` is not a plausible birth date'));
  assert.deepEqual(at(16, 60), p('60', '`60` is not a date'));
  assert.deepEqual(at(17, -3), p('-3', '`-3` is not a date'));
});

test('reject: a gender that is none of М/Ж/муж/жен/male/female', () => {
  assert.deepEqual(problems(row(18, { 'Лицевой счёт': 'A', Пол: 'не указан' })), [
    {
      column: 'gender',
      header: 'Пол',
      value: 'не указан',
      message: '`не указан` is not a gender (М or Ж, муж or жен, male or female)',
    },
  ]);
});

test('reject: amounts — text that is no amount, a number with fractions of a kopeck', () => {
  assert.deepEqual(problems(row(19, { 'Лицевой счёт': 'A', Начислено: 'много', Долг: 1234.567 })), [
    {
      column: 'object.charges',
      header: 'Начислено',
      value: 'много',
      message: '`много` is not an amount in roubles (like 1 000,50)',
    },
    {
      column: 'object.debt',
      header: 'Долг',
      value: '1234.567',
      message: '`1234.567` has fractions of a kopeck; round it in the file',
    },
  ]);
});

test('reject: an amount on a row with neither plot nor account number', () => {
  assert.deepEqual(problems(row(20, { 'Моб. телефон': '89123456789', Долг: '150' })), [
    {
      column: 'object.debt',
      header: 'Долг',
      value: '150',
      message: '`150` has no plot or account number on this row to belong to',
    },
  ]);
});

test('reject: a time zone and a Telegram chat id that are not', () => {
  assert.deepEqual(
    problems(row(21, { 'Лицевой счёт': 'A', 'Часовой пояс': 'МСК+2', 'Telegram chat id': '@ivan' })),
    [
      {
        column: 'timeZone',
        header: 'Часовой пояс',
        value: 'МСК+2',
        message: '`МСК+2` is not a time zone (use e.g. Europe/Moscow)',
      },
      {
        column: 'telegramChatId',
        header: 'Telegram chat id',
        value: '@ivan',
        message: '`@ivan` is not a Telegram chat id (a whole number)',
      },
    ],
  );
});

test('reject: too long — an account (object and external id), a name from the full-name column, a plot', () => {
  const long = 'Я'.repeat(101);
  assert.deepEqual(
    problems(row(22, { ФИО: `${long} Иван`, 'Лицевой счёт': 'Л'.repeat(201), '№ участка': '1'.repeat(101) })),
    [
      {
        column: 'object.account',
        header: 'Лицевой счёт',
        value: 'Л'.repeat(201),
        message: 'is longer than 100 characters',
      },
      {
        column: 'externalId',
        header: 'Лицевой счёт',
        value: 'Л'.repeat(201),
        message: 'is longer than 200 characters',
      },
      { column: 'lastName', header: 'ФИО', value: `${long} Иван`, message: 'is longer than 100 characters' },
      {
        column: 'object.plot',
        header: '№ участка',
        value: '1'.repeat(101),
        message: 'is longer than 100 characters',
      },
    ],
  );
});

test('reject: characters the decoder could not read (U+FFFD) in any mapped column', () => {
  assert.deepEqual(problems(row(23, { 'Моб. телефон': '89123456789', Улица: 'Лес\uFFFDая' })), [
    {
      column: 'attributes.ulitsa',
      header: 'Улица',
      value: 'Лес\uFFFDая',
      message: '`Лес\uFFFDая` has characters that could not be read: the file mixes encodings or is damaged',
    },
  ]);
});

test('reject: a row with neither phone nor e-mail nor external id', () => {
  assert.deepEqual(problems(row(24, { ФИО: 'Сидоров', Улица: 'Лесная' })), [
    {
      column: 'phone, email, externalId',
      header: 'Моб. телефон, E-mail, Лицевой счёт',
      value: '',
      message: 'has no phone, e-mail or external id: nothing to find the contact by',
    },
  ]);
});

test('reject: a cell past the header row, and a row the reader found broken', () => {
  assert.deepEqual(
    problems(row(25, { 'Моб. телефон': '89123456789' }, { overflow: { 'Column M': ' x ' } })),
    [
      {
        column: 'row',
        header: 'Column M',
        value: ' x ',
        message:
          '` x ` is past the last column of the header row (a column without a header, or cells shifted by an unquoted delimiter)',
      },
    ],
  );
  assert.deepEqual(problems(row(26, {}, { broken: 'a quote opened in this row is never closed' })), [
    { column: 'row', header: '', value: '', message: 'a quote opened in this row is never closed' },
    {
      column: 'phone, email, externalId',
      header: 'Моб. телефон, E-mail, Лицевой счёт',
      value: '',
      message: 'has no phone, e-mail or external id: nothing to find the contact by',
    },
  ]);
});

test('every problem of a row at once, in column order', () => {
  const p = problems(row(27, { 'Моб. телефон': '123', 'Дата рождения': '32.01.1980', Пол: '?', Долг: 'x' }));
  assert.deepEqual(
    p.map((x) => x.column),
    ['phone', 'birthDate', 'gender', 'object.debt'],
  );
});

test('separate name columns win over the parts of a full name; initials are split', () => {
  const headers = ['ФИО', 'Имя', 'Телефон'];
  const mapping = suggestMapping(headers);
  const r = parseRow(
    { row: 2, cells: { ФИО: 'Иванов И.И.', Имя: 'Иван', Телефон: '89123456789' } },
    mapping,
    TODAY,
  );
  assert.deepEqual(r, {
    status: 'accepted',
    row: 2,
    contact: { firstName: 'Иван', phone: '+79123456789', lastName: 'Иванов', middleName: 'И.' },
    objects: [],
  });
  const oglu = parseRow(
    { row: 3, cells: { ФИО: 'Мамедов Рашид Керим оглы', Имя: null, Телефон: '89123456789' } },
    mapping,
    TODAY,
  );
  assert.equal(oglu?.status, 'accepted');
  assert.deepEqual(oglu?.status === 'accepted' && oglu.contact, {
    phone: '+79123456789',
    lastName: 'Мамедов',
    firstName: 'Рашид',
    middleName: 'Керим оглы',
  });
});

test('values: genders, dates and amounts as people type them', () => {
  for (const g of ['М', 'м.', 'муж', 'Мужской', 'M', 'male'])
    assert.deepEqual(parseGender(g), { ok: true, value: 'male' });
  for (const g of ['Ж', 'жен.', 'женский', 'F', 'Female'])
    assert.deepEqual(parseGender(g), { ok: true, value: 'female' });
  for (const d of [
    '31.12.1980',
    '31/12/1980',
    '31-12-1980',
    '1980-12-31',
    '1980-12-31T00:00:00Z',
    '31.12.1980 0:00:00',
  ]) {
    assert.deepEqual(parseDate(d), { ok: true, value: '1980-12-31' }, d);
  }
  assert.deepEqual(parseDate(1), { ok: true, value: '1900-01-01' });
  assert.deepEqual(parseDate(59), { ok: true, value: '1900-02-28' });
  assert.deepEqual(parseDate(61), { ok: true, value: '1900-03-01' });
  assert.deepEqual(parseDate(45000.75), { ok: true, value: '2023-03-15' });
  assert.deepEqual(parseAmount('-1 500,5 ₽'), { ok: true, value: -150050 });
  assert.deepEqual(parseAmount(0.1 + 0.2), { ok: true, value: 30 });
  assert.deepEqual(parseAmount(-0), { ok: true, value: 0 });
});

const cell: fc.Arbitrary<CellValue> = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom(
    '8 (912) 345-67-89',
    '7.91E+10',
    '31.12.1980',
    'М',
    '1 000,50',
    '\uFFFD',
    'a@b.ru',
    'Asia/Omsk',
  ),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.date(),
);

test('property: parseRow never throws; a rejection names its row and, for each problem, a column', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 1_000_000 }),
      fc.array(cell, { minLength: HEADERS.length, maxLength: HEADERS.length }),
      fc.dictionary(fc.constantFrom('Column M', 'Column N'), cell),
      (n, values, overflow) => {
        const r = parseRow(
          { row: n, cells: Object.fromEntries(HEADERS.map((h, i) => [h, values[i] ?? null])), overflow },
          MAPPING,
          TODAY,
        );
        if (r === null) return;
        assert.equal(r.row, n);
        if (r.status === 'rejected') {
          assert.ok(r.problems.length > 0);
          for (const p of r.problems) {
            assert.ok(p.column.length > 0, JSON.stringify(p));
            assert.equal(typeof p.header, 'string');
            assert.equal(typeof p.value, 'string');
            assert.ok(p.message.length > 0);
          }
        } else {
          const c = r.contact;
          assert.ok(c.phone || c.email || c.externalId, 'accepted without anything to find it by');
        }
      },
    ),
    { numRuns: 2000 },
  );
});

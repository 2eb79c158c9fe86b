/**
 * The pure parts of import and export (AU-8): each problem parseRow reports has its reason code,
 * and an exported cell is safe to open in a spreadsheet and reads back as it was.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { csvLine, neutralise, restoreQuoted } from '../../src/core/import/export.ts';
import { suggestMapping } from '../../src/core/import/mapping.ts';
import { reasonOf, reasonsOf } from '../../src/core/import/reasons.ts';
import { parseRow } from '../../src/core/import/rows.ts';

const HEADERS = [
  'Лицевой счёт',
  'ФИО',
  'Телефон',
  'E-mail',
  'Дата рождения',
  'Пол',
  'Часовой пояс',
  'Telegram chat id',
  'Участок',
  'Долг',
];
const MAPPING = suggestMapping(HEADERS);

const reasons = (cells: Record<string, unknown>, extra: object = {}) => {
  const r = parseRow(
    { row: 2, cells: Object.fromEntries(HEADERS.map((h) => [h, (cells[h] as string) ?? null])), ...extra },
    MAPPING,
    '2025-06-15',
  );
  assert.equal(r?.status, 'rejected', JSON.stringify(r));
  return r?.status === 'rejected' ? reasonsOf(r.problems) : [];
};

test('every problem parseRow reports has its reason', () => {
  assert.deepEqual(reasons({ Телефон: '8 (912) 34' }), ['invalid_phone']);
  assert.deepEqual(reasons({ Телефон: '7.91E+10' }), ['spoiled_number']);
  assert.deepEqual(reasons({ Телефон: 1234567890123456 as unknown as string }), ['spoiled_number']);
  assert.deepEqual(reasons({ 'Лицевой счёт': 'A', 'E-mail': 'x@' }), ['invalid_email']);
  assert.deepEqual(reasons({ 'Лицевой счёт': 'A', 'Telegram chat id': '@x' }), ['invalid_telegram_chat_id']);
  assert.deepEqual(reasons({ 'Лицевой счёт': 'A', 'Часовой пояс': 'МСК' }), ['invalid_time_zone']);
  assert.deepEqual(reasons({ 'Лицевой счёт': 'A', Пол: '?' }), ['invalid_gender']);
  assert.deepEqual(reasons({ 'Лицевой счёт': 'A', 'Дата рождения': '31.12.80' }), ['invalid_date']);
  assert.deepEqual(reasons({ 'Лицевой счёт': 'A', 'Дата рождения': '2030-01-01' }), [
    'implausible_birth_date',
  ]);
  assert.deepEqual(reasons({ 'Лицевой счёт': 'A', Долг: 'x' }), ['invalid_amount']);
  assert.deepEqual(reasons({ Телефон: '89123456789', Долг: '1' }), ['amount_without_object']);
  assert.deepEqual(reasons({ 'Лицевой счёт': 'A', ФИО: 'Я'.repeat(101) }), ['too_long']);
  assert.deepEqual(reasons({ ФИО: 'Иванов' }), ['no_identifier']);
  assert.deepEqual(reasons({ Телефон: '89123456789' }, { overflow: { 'Column K': 'x' } }), [
    'past_last_column',
  ]);
  assert.deepEqual(reasons({}, { broken: 'a quote opened in this row is never closed' }), [
    'broken_row',
    'no_identifier',
  ]);
  assert.deepEqual(reasons({ Телефон: '89123456789', ФИО: 'Лес\uFFFDник' }), ['unreadable_characters']);
  assert.equal(reasonOf({ column: 'lastName', header: 'X', message: 'something new' }), 'invalid_value');
});

test('a cell a spreadsheet would run as a formula is quoted; the import takes the quote off', () => {
  for (const s of ['=1+1', '+79123456789', '-2+3', '@SUM(A1)', '\t=1', '\r=1'])
    assert.equal(neutralise(s), `'${s}`);
  for (const s of ['Иванов', "'quoted", '1-2', ' =x', '']) assert.equal(neutralise(s), s);
  fc.assert(
    fc.property(fc.string(), (s) => {
      const out = neutralise(s);
      assert.doesNotMatch(out, /^[=+\-@\t\r]/);
      // Everything reads back, except text that itself began with the quote the export adds.
      if (!/^'[=+\-@\t\r]/.test(s)) assert.equal(restoreQuoted(out), s);
    }),
    { numRuns: 2000 },
  );
  assert.equal(restoreQuoted(42), 42);
});

test('CSV lines: ; between cells, quotes where needed, amounts as roubles with a comma', () => {
  assert.equal(
    csvLine(['a;b', 'say "hi"', 'two\nlines', null, '=1', 1234.5, -0.05, 7], new Set([5, 6])),
    '"a;b";"say ""hi""";"two\nlines";;\'=1;1234,50;-0,05;7\r\n',
  );
});

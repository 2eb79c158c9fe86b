/**
 * Vestnik's Liquid filters (CT-1): money as the seeds print it and as Russians write it, dates in
 * Russian, Russian plural forms, receipt links. Exact outputs, directly and through templates.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  dateRu,
  links,
  money,
  NNBSP,
  plural,
  pluralForm,
  toKopecks,
} from '../../src/core/templates/filters.ts';
import { compileTemplate, renderTemplate, type TemplateScope } from '../../src/core/templates/render.ts';

function render(source: string, scope: TemplateScope = {}): string {
  const c = compileTemplate(source);
  assert.ok(c.ok, c.ok ? '' : c.problem.message);
  const r = renderTemplate(c.value, scope);
  assert.ok(r.ok, r.ok ? '' : r.problem.message);
  return r.value;
}

const N = NNBSP;

test('money: the seeds form, two decimals, 0.00 for nothing', () => {
  const cases: [unknown, string][] = [
    ['10123.45', '10123.45'],
    ['10123.4', '10123.40'],
    ['10123', '10123.00'],
    ['10123,45', '10123.45'],
    ['10 123,45', '10123.45'],
    [`10${N}123,45`, '10123.45'],
    ['0', '0.00'],
    ['', '0.00'],
    ['   ', '0.00'],
    [null, '0.00'],
    [undefined, '0.00'],
    [0, '0.00'],
    [500, '500.00'],
    [1234.5, '1234.50'],
    [0.1 + 0.2, '0.30'],
    [-12.345, '-12.35'],
    ['-0.004', '0.00'],
    ['12.345', '12.35'],
    ['12.344999', '12.34'],
    ['90071992547409.91', '90071992547409.91'],
    ['123456789012345678901.99', '123456789012345678901.99'],
    [10n, '10.00'],
    ['abc', 'abc'],
    ['12.3.4', '12.3.4'],
    [Number.NaN, ''],
    [{}, ''],
    [[1], ''],
  ];
  for (const [input, expected] of cases) assert.equal(money(input), expected, String(input));
});

test('money: "ru" — groups of three with narrow no-break spaces, a comma and ₽', () => {
  const cases: [unknown, string][] = [
    ['10123.45', `10${N}123,45${N}₽`],
    ['1234.5', `1${N}234,50${N}₽`],
    ['999.99', `999,99${N}₽`],
    ['0', `0,00${N}₽`],
    [null, `0,00${N}₽`],
    ['1000000', `1${N}000${N}000,00${N}₽`],
    ['-1234567.891', `-1${N}234${N}567,89${N}₽`],
    [100, `100,00${N}₽`],
  ];
  for (const [input, expected] of cases) assert.equal(money(input, 'ru'), expected, String(input));
  assert.equal(money('10123.45', 'en'), '10123.45', 'an unknown style is the plain form');
});

test('money through Liquid, and on the scope sums', () => {
  assert.equal(render('{{ total | money }}', { total: '10123.45' }), '10123.45');
  assert.equal(render('{{ total | money: "ru" }}', { total: '10123.45' }), '10\u202f123,45\u202f₽');
  assert.equal(render('{{ a | money: "ru" }}', { a: 7 }), `7,00${N}₽`);
});

test('property: money is exact for every whole number of kopecks, in both forms', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), (k) => {
      const neg = k < 0n ? '-' : '';
      const abs = k < 0n ? -k : k;
      const plain = `${neg}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
      assert.equal(money(plain), plain);
      assert.equal(toKopecks(plain), k);
      const ru = money(plain, 'ru');
      assert.equal(toKopecks(ru.replace(`${N}₽`, '')), k);
      assert.match(ru, new RegExp(`^-?\\d{1,3}(${N}\\d{3})*,\\d{2}${N}₽$`));
    }),
    { numRuns: 500 },
  );
});

test('date_ru: long form in the genitive, short form with dots', () => {
  const cases: [unknown, string | undefined, string][] = [
    ['2026-06-12', undefined, '12 июня 2026'],
    ['2026-06-12', 'short', '12.06.2026'],
    ['2026-01-01', undefined, '1 января 2026'],
    ['2026-02-28', undefined, '28 февраля 2026'],
    ['2024-02-29', undefined, '29 февраля 2024'],
    ['2026-03-05', undefined, '5 марта 2026'],
    ['2026-04-30', undefined, '30 апреля 2026'],
    ['2026-05-09', undefined, '9 мая 2026'],
    ['2026-07-31', undefined, '31 июля 2026'],
    ['2026-08-01', undefined, '1 августа 2026'],
    ['2026-09-01', undefined, '1 сентября 2026'],
    ['2026-10-10', undefined, '10 октября 2026'],
    ['2026-11-11', undefined, '11 ноября 2026'],
    ['2026-12-31', 'short', '31.12.2026'],
    ['2026-06-12T23:30:00+03:00', 'short', '12.06.2026'],
    ['2026-06-12 08:00', undefined, '12 июня 2026'],
    [new Date(2026, 5, 12), undefined, '12 июня 2026'],
    ['', undefined, ''],
    ['', 'short', ''],
    [null, undefined, ''],
    ['2026-02-30', undefined, '2026-02-30'],
    ['12.06.2026', undefined, '12.06.2026'],
    ['завтра', undefined, 'завтра'],
    [new Date(Number.NaN), undefined, ''],
  ];
  for (const [input, style, expected] of cases) assert.equal(dateRu(input, style), expected, String(input));
  assert.equal(
    render('{{ d | date_ru }} / {{ d | date_ru: "short" }}', { d: '2026-06-12' }),
    '12 июня 2026 / 12.06.2026',
  );
});

test('plural: Russian forms, with the number', () => {
  const forms = ['участок', 'участка', 'участков'] as const;
  const cases: [unknown, string][] = [
    [0, '0 участков'],
    [1, '1 участок'],
    [2, '2 участка'],
    [3, '3 участка'],
    [4, '4 участка'],
    [5, '5 участков'],
    [10, '10 участков'],
    [11, '11 участков'],
    [12, '12 участков'],
    [14, '14 участков'],
    [15, '15 участков'],
    [20, '20 участков'],
    [21, '21 участок'],
    [22, '22 участка'],
    [25, '25 участков'],
    [101, '101 участок'],
    [111, '111 участков'],
    [112, '112 участков'],
    [1001, '1001 участок'],
    [-1, '-1 участок'],
    [1.5, '1.5 участка'],
    ['5', '5 участков'],
    [' 21 ', '21 участок'],
    ['много', 'много'],
    ['', ''],
    [null, ''],
  ];
  for (const [n, expected] of cases) assert.equal(plural(n, ...forms), expected, String(n));
  const t = "{{ n | plural: 'участок', 'участка', 'участков' }}";
  for (const [n, expected] of [
    [1, '1 участок'],
    [2, '2 участка'],
    [5, '5 участков'],
    [11, '11 участков'],
    [21, '21 участок'],
    [112, '112 участков'],
  ] as const) {
    assert.equal(render(t, { n }), expected);
  }
  assert.equal(
    render("{{ objects.size | plural: 'участок', 'участка', 'участков' }}", { objects: [1, 2] }),
    '2 участка',
  );
});

test('property: pluralForm follows the rule for every integer', () => {
  fc.assert(
    fc.property(fc.integer({ min: -1e9, max: 1e9 }), (n) => {
      const a = Math.abs(n);
      const expected =
        a % 100 >= 11 && a % 100 <= 14
          ? 'many'
          : a % 10 === 1
            ? 'one'
            : a % 10 >= 2 && a % 10 <= 4
              ? 'few'
              : 'many';
      assert.equal(pluralForm(n), expected);
    }),
  );
});

test('links: one per object that has one, joined by ", " or the given separator', () => {
  const objects = [
    { link: 'https://kv.example/a' },
    { link: '' },
    { kind: 'plot' },
    null,
    { link: 'https://kv.example/b' },
  ];
  assert.equal(links(objects), 'https://kv.example/a, https://kv.example/b');
  assert.equal(links(objects, ' '), 'https://kv.example/a https://kv.example/b');
  assert.equal(links([]), '');
  assert.equal(links('https://x'), '');
  assert.equal(links(null), '');
  assert.equal(
    render('{{ objects | links: "\n" }}', { objects }),
    'https://kv.example/a\nhttps://kv.example/b',
  );
});

test('property: the filters never throw, whatever they are given', () => {
  fc.assert(
    fc.property(fc.anything(), fc.anything(), (value, arg) => {
      for (const f of [money, dateRu, plural, links]) assert.equal(typeof f(value, arg, arg, arg), 'string');
    }),
    { numRuns: 500 },
  );
});

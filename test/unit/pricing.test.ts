import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { makePricer } from '../../src/core/price.ts';
import {
  DEFAULT_TARIFFS,
  findTariff,
  formatRoubles,
  parseRoubles,
  phoneCountry,
  type Tariff,
} from '../../src/core/pricing.ts';
import { sanitizeDisplayName, validateSmsSender } from '../../src/core/senders.ts';

test('roubles are parsed as people type them, into whole kopecks, never through floats', () => {
  const cases: [string, number | null][] = [
    ['1000', 100000],
    ['1 000,50', 100050],
    ['1\u00a0000,5 ₽', 100050],
    ['0.30', 30],
    ['0,3', 30],
    ['0.29', 29],
    ['17 руб.', 1700],
    ['-5', -500],
    ['1.234', null],
    ['abc', null],
    ['', null],
    ['1e3', null],
  ];
  for (const [input, kopecks] of cases) assert.equal(parseRoubles(input), kopecks, input);
  // 0.1 + 0.2 style errors cannot happen: every cent value round-trips.
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 10_000_000_00 }),
      (k) => parseRoubles(`${Math.floor(k / 100)}.${String(k % 100).padStart(2, '0')}`) === k,
    ),
  );
});

test('kopecks are shown as Russian roubles', () => {
  assert.equal(formatRoubles(0), '0,00\u00a0₽');
  assert.equal(formatRoubles(30), '0,30\u00a0₽');
  assert.equal(formatRoubles(3060), '30,60\u00a0₽');
  assert.equal(formatRoubles(123456789), '1\u00a0234\u00a0567,89\u00a0₽');
  assert.equal(formatRoubles(-40), '−0,40\u00a0₽');
});

test('the most specific tariff wins: operator over any, country over *', () => {
  const tariffs: Tariff[] = [
    { channel: 'sms', country: '*', operator: null, priceKopecks: 100 },
    { channel: 'sms', country: 'RU', operator: null, priceKopecks: 30 },
    { channel: 'sms', country: 'RU', operator: 'MTS', priceKopecks: 28 },
    { channel: 'email', country: '*', operator: null, priceKopecks: 1 },
  ];
  assert.equal(findTariff(tariffs, 'sms', 'RU')?.priceKopecks, 30);
  assert.equal(findTariff(tariffs, 'sms', 'RU', 'MTS')?.priceKopecks, 28);
  assert.equal(findTariff(tariffs, 'sms', 'KZ')?.priceKopecks, 100);
  assert.equal(findTariff(tariffs, 'sms', null)?.priceKopecks, 100);
  assert.equal(findTariff(tariffs, 'email', null)?.priceKopecks, 1);
  assert.equal(findTariff(tariffs, 'messenger', null), undefined);
  assert.equal(findTariff(DEFAULT_TARIFFS, 'sms', 'RU')?.priceKopecks, 30, "seed 001's 0.30 RUB per segment");
});

test('the country comes from the number', () => {
  assert.equal(phoneCountry('+79123456789'), 'RU');
  assert.equal(phoneCountry('+77012345678'), 'KZ');
  assert.equal(phoneCountry('+375291234567'), 'BY');
  assert.equal(phoneCountry('+12125550123'), 'US');
});

test('a price is segments × tariff for SMS, per message for the rest; org tariffs before defaults', () => {
  const price = makePricer([{ channel: 'sms', country: 'KZ', operator: null, priceKopecks: 95 }]);
  assert.deepEqual(price('sms', '+79123456789', 'я'.repeat(71)), {
    segments: 2,
    encoding: 'UCS-2',
    priceKopecks: 60,
  });
  assert.deepEqual(price('sms', '+77012345678', 'hello'), {
    segments: 1,
    encoding: 'GSM-7',
    priceKopecks: 95,
  });
  assert.deepEqual(price('email', 'a@b.ru', 'x'.repeat(5000)), {
    segments: 1,
    encoding: null,
    priceKopecks: 0,
  });
});

test('SMS sender names: at most 11 Latin letters, digits and . - _, one letter at least; or a phone', () => {
  const good: [string, string][] = [
    ['ERP.travel', 'ERP.travel'],
    ['  SNT-Berezka ', 'SNT-Berezka'],
    ['A_1', 'A_1'],
    ['8 (912) 345-67-89', '+79123456789'],
    ['+79123456789', '+79123456789'],
  ];
  for (const [input, name] of good)
    assert.deepEqual(validateSmsSender(input), { ok: true, value: name }, input);
  const bad = ['', 'ERP.travel.ru', 'Вестник', 'Shop!', 'a b', '123', '12.34', '+7 912'];
  for (const input of bad) {
    const r = validateSmsSender(input);
    assert.equal(r.ok, false, input);
    if (!r.ok) assert.equal(r.problem.value, input);
  }
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (s) => {
      const r = validateSmsSender(s);
      if (r.ok && !r.value.startsWith('+')) assert.match(r.value, /^(?=.*[A-Za-z])[A-Za-z0-9._-]{1,11}$/);
    }),
    { numRuns: 500 },
  );
});

test('e-mail display names lose header specials, controls, bidi and zero-width characters', () => {
  assert.deepEqual(sanitizeDisplayName('ТСЖ «Уют»'), { ok: true, value: 'ТСЖ «Уют»' });
  assert.deepEqual(sanitizeDisplayName('Bank (support) <a@b.ru>, "x": /=;!'), {
    ok: true,
    value: 'Bank support ab.ru x',
  });
  assert.deepEqual(sanitizeDisplayName('Pay\u202eLAP\u200b\u0007 Ltd'), { ok: true, value: 'PayLAP Ltd' });
  assert.equal(sanitizeDisplayName('<>@\u200f').ok, false);
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
      const r = sanitizeDisplayName(s);
      if (r.ok)
        assert.doesNotMatch(
          r.value,
          // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
          /[()<>,:@!/=;"\\\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/,
        );
    }),
    { numRuns: 500 },
  );
});

/**
 * Addresses (AU-1, AU-8): phones to E.164 with Russia as the default country, e-mail and Telegram chat
 * ids; every failure is a value naming its field and echoing the input, never an exception.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { normalizeChatId, normalizeEmail, normalizePhone } from '../../src/core/address.ts';
import type { Result } from '../../src/core/result.ts';

const E164 = /^\+\d{8,15}$/;

/** Strings of every kind: any code points, printable graphemes, control characters, a few KB of text. */
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', minLength: 1000, maxLength: 4000 }),
  fc.string({ unit: fc.constantFrom(...'0123456789 +-().,eE\t\u00a0'), maxLength: 4000 }),
);

/** Phone-like text: digits and the separators people and spreadsheets put between them. */
const phoneLike = fc.string({ unit: fc.constantFrom(...'0123456789 +-().'), minLength: 1, maxLength: 24 });

/** Checks the shape of any failure: the field given, the input echoed unchanged, words to show. */
function assertProblem<T>(r: Result<T>, field: string, input: string): void {
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.problem.field, field);
  assert.equal(r.problem.value, input);
  assert.equal(typeof r.problem.message, 'string');
  assert.ok(r.problem.message.length > 0, 'a failure explains itself');
}

// ---------------------------------------------------------------------------------------------------
// Phones

test('normalizePhone: Russian numbers as people type them become E.164', () => {
  const cases: [string, string][] = [
    ['8 (912) 345-67-89', '+79123456789'],
    ['89123456789', '+79123456789'],
    ['+7 912 345 67 89', '+79123456789'],
    ['+7 (912) 345-67-89', '+79123456789'],
    ['7 912 345 67 89', '+79123456789'],
    ['9123456789', '+79123456789'],
    ['  8-912-345-67-89\t', '+79123456789'],
    ['8.912.345.67.89', '+79123456789'],
    ['8 800 555-35-35', '+78005553535'],
    ['+79123456789', '+79123456789'],
  ];
  for (const [input, expected] of cases) {
    assert.deepEqual(normalizePhone(input), { ok: true, value: expected }, input);
  }
});

test('normalizePhone: numbers of other countries keep their country code', () => {
  assert.deepEqual(normalizePhone('+1 202 555 0125'), { ok: true, value: '+12025550125' });
  assert.deepEqual(normalizePhone('+44 20 7946 0958'), { ok: true, value: '+442079460958' });
  assert.deepEqual(normalizePhone('+375 29 123-45-67'), { ok: true, value: '+375291234567' });
});

test('normalizePhone: an empty value is reported as empty, echoing what was given', () => {
  assert.deepEqual(normalizePhone(''), {
    ok: false,
    problem: { field: 'phone', value: '', message: 'is empty' },
  });
  assert.deepEqual(normalizePhone('   '), {
    ok: false,
    problem: { field: 'phone', value: '   ', message: 'is empty' },
  });
});

test('normalizePhone: a number spoiled by a spreadsheet is flagged, never guessed', () => {
  for (const input of ['7.91E+10', '7,91E+10', '7.91e10', '79123456789E0', '8E+10', ' 7.9123456789E+10 ']) {
    const r = normalizePhone(input);
    assertProblem(r, 'phone', input);
    if (!r.ok) {
      assert.match(r.problem.message, /spreadsheet/, input);
      assert.match(r.problem.message, /scientific notation/, input);
    }
  }
});

test('normalizePhone: letters, symbols and impossible numbers are refused with a reason', () => {
  const letters = normalizePhone('+7 912 ABC 67 89');
  assertProblem(letters, 'phone', '+7 912 ABC 67 89');
  if (!letters.ok) assert.match(letters.problem.message, /letters or symbols/);
  for (const input of [
    '12345',
    '+7 912 345 67',
    '+7 912 345 67 890 12',
    '0000000000',
    '+',
    '()-',
    '+0 123',
  ]) {
    const r = normalizePhone(input);
    assertProblem(r, 'phone', input);
    if (!r.ok) assert.equal(r.problem.message, `\`${input}\` is not a phone number`, input);
  }
  for (const input of [
    '+7 912 345 67 89 доб. 12',
    '+7#9123456789',
    '＋79123456789',
    '８９１２３４５６７８９',
  ]) {
    const r = normalizePhone(input);
    assertProblem(r, 'phone', input);
    if (!r.ok) assert.match(r.problem.message, /letters or symbols/, input);
  }
});

test('normalizePhone: the field name is the caller’s, for reports like rows[3].phone', () => {
  const r = normalizePhone('nope', 'rows[3].phone');
  assertProblem(r, 'rows[3].phone', 'nope');
});

test('property: normalizePhone never throws; results are E.164 or a problem naming the field', () => {
  fc.assert(
    fc.property(anyString, (input) => {
      const r = normalizePhone(input);
      if (r.ok) assert.match(r.value, E164);
      else assertProblem(r, 'phone', input);
    }),
    { numRuns: 500 },
  );
});

test('property: a normalized phone is a fixed point of normalizePhone', () => {
  let valid = 0;
  fc.assert(
    fc.property(
      fc.oneof(
        phoneLike,
        // Mostly-valid Russian numbers with random separators, so the property is not vacuous.
        fc
          .tuple(
            fc.constantFrom('8', '+7', '7', ''),
            fc.constantFrom('9', '8', '4'),
            fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 9, maxLength: 9 }),
            fc.constantFrom('', ' ', '-', '.'),
          )
          .map(([prefix, first, rest, sep]) => `${prefix}${sep}${first}${rest.join(sep)}`),
        fc
          .tuple(fc.integer({ min: 1, max: 999 }), fc.bigInt({ min: 10_000_000n, max: 99_999_999_999n }))
          .map(([cc, n]) => `+${cc} ${n}`),
      ),
      (input) => {
        const r = normalizePhone(input);
        if (!r.ok) return;
        valid++;
        assert.match(r.value, E164);
        assert.deepEqual(normalizePhone(r.value), { ok: true, value: r.value });
        assert.deepEqual(normalizePhone(` ${r.value} `), { ok: true, value: r.value });
      },
    ),
    { numRuns: 500 },
  );
  assert.ok(valid >= 50, `too few valid phones generated (${valid}) for the property to mean anything`);
});

test('property: separators between the digits do not change the number', () => {
  const digits = '89123456789';
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom('', ' ', '-', '.', '  '), { minLength: digits.length - 1, maxLength: 10 }),
      (seps) => {
        const input = [...digits].map((d, i) => d + (seps[i] ?? '')).join('');
        assert.deepEqual(normalizePhone(input), { ok: true, value: '+79123456789' }, input);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: any number in scientific notation is flagged as spreadsheet damage', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 9 }),
      fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 12 }),
      fc.constantFrom('.', ','),
      fc.constantFrom('E', 'e', 'E+', 'e+'),
      fc.integer({ min: 0, max: 20 }),
      (lead, frac, dot, e, exp) => {
        const input = frac.length ? `${lead}${dot}${frac.join('')}${e}${exp}` : `${lead}${e}${exp}`;
        const r = normalizePhone(input);
        assertProblem(r, 'phone', input);
        if (!r.ok) assert.match(r.problem.message, /spreadsheet/);
      },
    ),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------------------------------------------
// E-mail

test('normalizeEmail: trims, keeps the local part, lower-cases the domain', () => {
  assert.deepEqual(normalizeEmail(' Ivan.Petrov@Example.COM '), {
    ok: true,
    value: 'Ivan.Petrov@example.com',
  });
  assert.deepEqual(normalizeEmail('user+tag@mail.ru'), { ok: true, value: 'user+tag@mail.ru' });
  assert.deepEqual(normalizeEmail('a@sub-domain.example.org'), {
    ok: true,
    value: 'a@sub-domain.example.org',
  });
  assert.deepEqual(normalizeEmail('ivan@Почта.РФ'), { ok: true, value: 'ivan@почта.рф' });
  assert.deepEqual(normalizeEmail('snt-2024@snt123.ru'), { ok: true, value: 'snt-2024@snt123.ru' });
});

test('normalizeEmail: malformed addresses are refused, echoing the value', () => {
  const bad = [
    'a@b',
    'a@b.c',
    'a b@c.ru',
    'a@@b.ru',
    '@b.ru',
    'a@',
    'a@-b.ru',
    'a@b-.ru',
    'a@b..ru',
    'a@b.ru.',
    'a@.b.ru',
    'a@b.r1',
    '"a"@b.ru',
    'a,b@c.ru',
    'a@b_c.ru',
    'ivan.petrov',
    `${'a'.repeat(250)}@b.ru`,
  ];
  for (const input of bad) {
    const r = normalizeEmail(input);
    assertProblem(r, 'email', input);
    if (!r.ok) assert.equal(r.problem.message, `\`${input}\` is not an e-mail address`, input);
  }
  assert.deepEqual(normalizeEmail('  '), {
    ok: false,
    problem: { field: 'email', value: '  ', message: 'is empty' },
  });
  assertProblem(normalizeEmail('x', 'users[0].email'), 'users[0].email', 'x');
});

test('normalizeEmail: the 254-character limit applies to the trimmed address', () => {
  const domain = `${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(60)}.ru`; // 186 characters
  const at254 = `${'a'.repeat(254 - domain.length - 1)}@${domain}`;
  assert.equal(at254.length, 254);
  assert.deepEqual(normalizeEmail(` ${at254} `), { ok: true, value: at254 });
  assertProblem(normalizeEmail(`a${at254}`), 'email', `a${at254}`);
});

test('property: normalizeEmail never throws; successes have one @ and a lower-case domain', () => {
  fc.assert(
    fc.property(fc.oneof(anyString, fc.emailAddress()), (input) => {
      const r = normalizeEmail(input);
      if (!r.ok) return assertProblem(r, 'email', input);
      assert.equal(r.value.split('@').length, 2, r.value);
      assert.doesNotMatch(r.value, /\s/);
      const domain = r.value.slice(r.value.indexOf('@') + 1);
      assert.equal(domain, domain.toLowerCase());
    }),
    { numRuns: 500 },
  );
});

const label = fc.string({
  unit: fc.constantFrom(...'abcxyzABCXYZ019абвгдАБВГДЁё'),
  minLength: 1,
  maxLength: 10,
});

test('property: a normalized e-mail address is a fixed point of normalizeEmail', () => {
  const built = fc
    .tuple(
      fc.string({ unit: fc.constantFrom(...'abcXYZ019._+-'), minLength: 1, maxLength: 20 }),
      fc.array(label, { minLength: 1, maxLength: 3 }),
      fc.constantFrom('ru', 'RU', 'com', 'Org', 'рф', 'РФ'),
    )
    .map(([local, labels, tld]) => `${local}@${labels.join('.')}.${tld}`);
  let valid = 0;
  fc.assert(
    fc.property(fc.oneof(built, fc.emailAddress()), (input) => {
      const r = normalizeEmail(input);
      if (!r.ok) return;
      valid++;
      assert.deepEqual(normalizeEmail(r.value), { ok: true, value: r.value });
      assert.equal(r.value.slice(0, r.value.lastIndexOf('@')), input.slice(0, input.lastIndexOf('@')));
    }),
    { numRuns: 500 },
  );
  assert.ok(valid >= 100, `too few valid addresses generated (${valid})`);
});

// ---------------------------------------------------------------------------------------------------
// Telegram chat ids

test('normalizeChatId: signed whole numbers, trimmed', () => {
  assert.deepEqual(normalizeChatId(' 123456789 '), { ok: true, value: '123456789' });
  assert.deepEqual(normalizeChatId('-1001234567890'), { ok: true, value: '-1001234567890' });
  assert.deepEqual(normalizeChatId('1'.repeat(20)), { ok: true, value: '1'.repeat(20) });
  for (const input of ['', ' ', '1.5', '1e5', 'abc', '--1', '+1', '- 1', '1 2', '1'.repeat(21), '١٢٣']) {
    const r = normalizeChatId(input);
    assertProblem(r, 'telegram_chat_id', input);
    if (!r.ok) assert.equal(r.problem.message, `\`${input}\` is not a Telegram chat id (a whole number)`);
  }
  assertProblem(normalizeChatId('x', 'telegramChatId'), 'telegramChatId', 'x');
});

test('property: normalizeChatId never throws and accepts exactly the signed integers', () => {
  fc.assert(
    fc.property(anyString, (input) => {
      const r = normalizeChatId(input);
      if (r.ok) {
        assert.match(r.value, /^-?\d{1,20}$/);
        assert.equal(r.value, input.trim());
      } else assertProblem(r, 'telegram_chat_id', input);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n }), (n) => {
      assert.deepEqual(normalizeChatId(String(n)), { ok: true, value: String(n) });
      assert.deepEqual(normalizeChatId(`\t${n}\n`), { ok: true, value: String(n) });
    }),
    { numRuns: 300 },
  );
});

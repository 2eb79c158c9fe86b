/**
 * Contact validation (AU-1): fields normalised, every problem reported at once with its field and value.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type ContactInput, isIsoDate, isTimeZone, validateContact } from '../../src/core/contact.ts';

const TODAY = '2025-06-15';

test('validateContact: a full contact comes back normalised', () => {
  const r = validateContact(
    {
      externalId: '  ЛС-0042 ',
      lastName: '  Иванов ',
      firstName: 'Иван',
      middleName: 'Петрович   ',
      phone: '8 (912) 345-67-89',
      email: ' Ivan@Example.RU ',
      telegramChatId: ' -1001234 ',
      timeZone: 'Asia/Yekaterinburg',
      gender: 'male',
      birthDate: '1980-02-29',
      attributes: { plot: '12' },
      doNotMessage: false,
    },
    TODAY,
  );
  assert.deepEqual(r, {
    ok: true,
    value: {
      externalId: 'ЛС-0042',
      lastName: 'Иванов',
      firstName: 'Иван',
      middleName: 'Петрович',
      phone: '+79123456789',
      email: 'Ivan@example.ru',
      telegramChatId: '-1001234',
      timeZone: 'Asia/Yekaterinburg',
      gender: 'male',
      birthDate: '1980-02-29',
      attributes: { plot: '12' },
      doNotMessage: false,
    },
  });
});

test('validateContact: inner runs of white space in names collapse to one space', () => {
  const r = validateContact({ lastName: 'Салтыков \t  Щедрин', firstName: 'Анна\u00a0 Мария' }, TODAY);
  assert.deepEqual(r, { ok: true, value: { lastName: 'Салтыков Щедрин', firstName: 'Анна Мария' } });
});

test('validateContact: every problem at once, each naming its field and value', () => {
  const input: ContactInput = {
    lastName: 'Ж'.repeat(101),
    phone: '7.91E+10',
    email: 'not-an-email',
    telegramChatId: '@ivan',
    timeZone: 'Europe/Moskva',
    birthDate: '1980-02-30',
    externalId: 'x'.repeat(201),
  };
  const r = validateContact(input, TODAY);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(
    r.problems.map((p) => [p.field, p.value]),
    [
      ['lastName', input.lastName],
      ['externalId', input.externalId],
      ['phone', '7.91E+10'],
      ['email', 'not-an-email'],
      ['telegramChatId', '@ivan'],
      ['timeZone', 'Europe/Moskva'],
      ['birthDate', '1980-02-30'],
    ],
  );
  const byField = Object.fromEntries(r.problems.map((p) => [p.field, p.message]));
  assert.equal(byField.lastName, 'is longer than 100 characters');
  assert.equal(byField.externalId, 'is longer than 200 characters');
  assert.match(byField.phone!, /spreadsheet/);
  assert.equal(byField.timeZone, '`Europe/Moskva` is not a time zone (use e.g. Europe/Moscow)');
  assert.equal(byField.birthDate, '`1980-02-30` is not a date (YYYY-MM-DD)');
});

test('validateContact: name lengths are counted after trimming, limits inclusive', () => {
  assert.equal(validateContact({ firstName: 'а'.repeat(100) }, TODAY).ok, true);
  assert.equal(validateContact({ firstName: ` ${'а'.repeat(100)}  ` }, TODAY).ok, true);
  assert.equal(validateContact({ firstName: 'а'.repeat(101) }, TODAY).ok, false);
  assert.deepEqual(validateContact({ middleName: `a${' '.repeat(300)}b` }, TODAY), {
    ok: true,
    value: { middleName: 'a b' },
  });
  assert.equal(validateContact({ externalId: '1'.repeat(200) }, TODAY).ok, true);
  assert.equal(validateContact({ externalId: '1'.repeat(201) }, TODAY).ok, false);
});

test('validateContact: a partial update touches only the fields present', () => {
  assert.deepEqual(validateContact({}, TODAY), { ok: true, value: {} });
  assert.deepEqual(validateContact({ email: 'a@B.ru' }, TODAY), { ok: true, value: { email: 'a@b.ru' } });
});

test('validateContact: empty or null values clear a field instead of failing', () => {
  assert.deepEqual(
    validateContact(
      {
        externalId: '   ',
        phone: '  ',
        email: null,
        telegramChatId: '',
        timeZone: '',
        birthDate: null,
      },
      TODAY,
    ),
    {
      ok: true,
      value: {
        externalId: null,
        phone: null,
        email: null,
        telegramChatId: null,
        timeZone: null,
        birthDate: null,
      },
    },
  );
  assert.deepEqual(validateContact({ externalId: null, timeZone: null }, TODAY), {
    ok: true,
    value: { externalId: null, timeZone: null },
  });
});

test('validateContact: birth dates must be real, not in the future and not before 1900', () => {
  const ok = (d: string) => validateContact({ birthDate: d }, TODAY);
  assert.deepEqual(ok(TODAY), { ok: true, value: { birthDate: TODAY } });
  assert.deepEqual(ok('1900-01-01'), { ok: true, value: { birthDate: '1900-01-01' } });
  for (const d of ['2025-06-16', '2100-01-01', '1899-12-31']) {
    assert.deepEqual(ok(d), {
      ok: false,
      problems: [{ field: 'birthDate', value: d, message: `\`${d}\` is not a plausible birth date` }],
    });
  }
  for (const d of ['2023-02-29', '15.06.1980', '1980-6-15', '1980-06-15T00:00:00Z']) {
    assert.deepEqual(ok(d), {
      ok: false,
      problems: [{ field: 'birthDate', value: d, message: `\`${d}\` is not a date (YYYY-MM-DD)` }],
    });
  }
});

test('isTimeZone: IANA zones yes, misspellings and junk no', () => {
  for (const z of ['Europe/Moscow', 'Asia/Yekaterinburg', 'Asia/Vladivostok', 'Europe/Kaliningrad', 'UTC']) {
    assert.equal(isTimeZone(z), true, z);
  }
  for (const z of [
    'Europe/Moskva',
    'Mars/Olympus_Mons',
    'MSK+3',
    'Europe/',
    '../../etc/passwd',
    'x'.repeat(5000),
  ]) {
    assert.equal(isTimeZone(z), false, z);
  }
});

test('isIsoDate: only real calendar dates written YYYY-MM-DD', () => {
  for (const d of ['2024-02-29', '2000-02-29', '1999-12-31', '1900-01-01', '2025-06-15']) {
    assert.equal(isIsoDate(d), true, d);
  }
  for (const d of [
    '2023-02-29',
    '1900-02-29',
    '2024-13-01',
    '2024-00-10',
    '2024-04-31',
    '2024-01-00',
    '2024-1-01',
    '24-01-01',
    ' 2024-01-01',
    '2024-01-01 ',
    '2024/01/01',
    '2024-01-01T00:00:00Z',
    '',
  ]) {
    assert.equal(isIsoDate(d), false, d);
  }
});

test('property: every day between 1900 and 2100 is an ISO date', () => {
  fc.assert(
    fc.property(
      fc.date({
        min: new Date('1900-01-01T00:00:00Z'),
        max: new Date('2100-12-31T23:59:59Z'),
        noInvalidDate: true,
      }),
      (d) => {
        assert.equal(isIsoDate(d.toISOString().slice(0, 10)), true);
      },
    ),
    { numRuns: 500 },
  );
});

const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.string({ unit: 'binary-ascii', minLength: 500, maxLength: 3000 }),
  fc.constantFrom('', ' ', '8 (912) 345-67-89', 'a@b.ru', '-100', 'Europe/Moscow', '1980-01-01', '7.91E+10'),
);

const FIELDS = [
  'externalId',
  'lastName',
  'firstName',
  'middleName',
  'phone',
  'email',
  'telegramChatId',
  'timeZone',
  'birthDate',
] as const;

test('property: validateContact never throws; problems name their field and echo its value', () => {
  const optional = fc.option(anyString, { nil: undefined });
  fc.assert(
    fc.property(
      fc.record({
        externalId: optional,
        lastName: optional,
        firstName: optional,
        middleName: optional,
        phone: optional,
        email: optional,
        telegramChatId: optional,
        timeZone: optional,
        birthDate: optional,
      }),
      (raw) => {
        const input: ContactInput = {};
        for (const k of FIELDS) if (raw[k] !== undefined) input[k] = raw[k];
        const r = validateContact(input, TODAY);
        if (r.ok) {
          if (r.value.phone != null) assert.match(r.value.phone, /^\+\d{8,15}$/);
          if (r.value.birthDate != null) assert.equal(isIsoDate(r.value.birthDate), true);
          for (const k of Object.keys(r.value)) assert.ok(k in input, `no field ${k} invented`);
          return;
        }
        assert.ok(r.problems.length > 0);
        const seen = new Set<string>();
        for (const p of r.problems) {
          assert.ok((FIELDS as readonly string[]).includes(p.field), p.field);
          assert.equal(p.value, input[p.field as (typeof FIELDS)[number]]);
          assert.equal(typeof p.message, 'string');
          assert.ok(p.message.length > 0);
          assert.equal(seen.has(p.field), false, `one problem per field (${p.field})`);
          seen.add(p.field);
        }
      },
    ),
    { numRuns: 500 },
  );
});

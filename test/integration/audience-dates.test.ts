/**
 * The date filters with the expected contacts written out by hand: birthdays today, in the past and
 * next days and next month around 29 February and the new year, ages on 28 February and 1 March,
 * each in the recipient's own time zone; seed 004's planned and overdue loan payments (closed and
 * cancelled loans left out, paid instalments left out); sums of charges over objects.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileFilter, SqlParams } from '../../src/core/audience/compile.ts';
import type { Filter } from '../../src/core/audience/filter.ts';
import { insertContact } from '../../src/store/contacts.ts';
import type { Db } from '../../src/store/db.ts';
import { getSchedule, replaceSchedule } from '../../src/store/loanPayments.ts';
import { insertObject } from '../../src/store/objects.ts';
import { createOrg } from '../../src/store/orgs.ts';
import { openTestDb } from '../helpers/db.ts';

async function setUp(db: Db) {
  const org = await createOrg(db, 'Даты', 'Europe/Moscow');
  const names = new Map<number, string>();
  const mk = async (name: string, extra: Record<string, unknown> = {}) => {
    const c = await insertContact(db, org.id, { firstName: name, ...extra });
    assert.notEqual(c, 'external_id_taken');
    if (c === 'external_id_taken') throw new Error();
    names.set(c.id, name);
    return c.id;
  };
  const select = async (filter: Filter, now: string) => {
    const params = new SqlParams();
    const orgParam = params.add(org.id, 'bigint');
    const r = compileFilter(filter, {
      params,
      org: orgParam,
      attributes: {},
      now: new Date(now),
      orgTimeZone: org.timeZone,
    });
    assert.ok(r.ok, JSON.stringify(r));
    const { rows } = await db.query<{ id: number }>(
      `SELECT c.id FROM contacts c WHERE c.org_id = ${orgParam} AND (${r.sql}) ORDER BY c.id`,
      params.values,
    );
    return rows.map((x) => names.get(x.id));
  };
  return { org, mk, select };
}

test('birthdays and ages: 29 February, the new year, and the recipient’s time zone', async () => {
  const { db } = await openTestDb();
  const { mk, select } = await setUp(db);
  await mk('Високосная', { birthDate: '2000-02-29' });
  await mk('Февраль28', { birthDate: '1990-02-28' });
  await mk('Март1', { birthDate: '1985-03-01' });
  await mk('Камчатка', { birthDate: '1980-03-01', timeZone: 'Asia/Kamchatka' });
  await mk('НьюЙорк', { birthDate: '1975-02-28', timeZone: 'America/New_York' });
  await mk('Новогодний', { birthDate: '1999-01-02' });
  await mk('БезДаты');

  const cases: [string, Filter, string, string[]][] = [
    [
      'leap year: 29 February on its own day',
      { type: 'birthday', window: 'today' },
      '2024-02-29T09:00:00Z',
      ['Високосная'],
    ],
    [
      'common year: 29 February on 28 February',
      { type: 'birthday', window: 'today' },
      '2023-02-28T09:00:00Z',
      ['Високосная', 'Февраль28', 'НьюЙорк'],
    ],
    [
      'Kamchatka is already on 1 March, New York still on 28 February',
      { type: 'birthday', window: 'today' },
      '2023-02-28T13:00:00Z',
      ['Високосная', 'Февраль28', 'Камчатка', 'НьюЙорк'],
    ],
    [
      'Moscow is on 1 March, New York still on 28 February',
      { type: 'birthday', window: 'today' },
      '2023-03-01T03:00:00Z',
      ['Март1', 'Камчатка', 'НьюЙорк'],
    ],
    [
      'past days (seed 004 greetings): yesterday and today',
      { type: 'birthday', window: 'past_days', days: 1 },
      '2023-03-01T09:00:00Z',
      ['Високосная', 'Февраль28', 'Март1', 'Камчатка', 'НьюЙорк'],
    ],
    [
      'past days in a leap year: 28 February is not 29 February’s day',
      { type: 'birthday', window: 'past_days', days: 0 },
      '2024-02-28T09:00:00Z',
      ['Февраль28', 'НьюЙорк'],
    ],
    [
      'next days across the new year',
      { type: 'birthday', window: 'next_days', days: 3 },
      '2024-12-30T12:00:00Z',
      ['Новогодний'],
    ],
    [
      'next month from January is February',
      { type: 'birthday', window: 'next_month' },
      '2024-01-15T12:00:00Z',
      ['Високосная', 'Февраль28', 'НьюЙорк'],
    ],
    [
      'next month from December is January',
      { type: 'birthday', window: 'next_month' },
      '2024-12-15T12:00:00Z',
      ['Новогодний'],
    ],
    [
      'born 29 February 2000 is 22 on 28 February 2023',
      { type: 'age', min: 23, max: 23 },
      '2023-02-28T09:00:00Z',
      [],
    ],
    ['and 23 on 1 March 2023', { type: 'age', min: 23, max: 23 }, '2023-03-01T09:00:00Z', ['Високосная']],
    ['and 24 on 29 February 2024', { type: 'age', min: 24, max: 24 }, '2024-02-29T09:00:00Z', ['Високосная']],
    [
      'Kamchatka turns 43 on its own 1 March; Moscow’s 1 March birthday waits',
      { type: 'age', min: 38, max: 43 },
      '2023-02-28T13:00:00Z',
      ['Камчатка'],
    ],
    [
      'no birth date: no age',
      { type: 'not', filter: { type: 'age', min: 0 } },
      '2023-02-28T13:00:00Z',
      ['БезДаты'],
    ],
  ];
  for (const [what, filter, now, want] of cases) assert.deepEqual(await select(filter, now), want, what);
});

test('seed 004: planned and overdue payments of open loans, in the recipient’s time zone', async () => {
  const { db } = await openTestDb();
  const { org, mk, select } = await setUp(db);
  const loan = async (
    contactId: number,
    number: string,
    status: string | undefined,
    schedule: [string, number][],
  ) => {
    const o = await insertObject(db, org.id, contactId, {
      kind: 'loan',
      number,
      attributes: status ? { status } : {},
    });
    assert.ok(typeof o === 'object');
    const ok = await db.transaction((tx) =>
      replaceSchedule(
        tx,
        org.id,
        o.id,
        schedule.map(([dueDate, paidKopecks]) => ({ dueDate, amountKopecks: 1000_00, paidKopecks })),
      ),
    );
    assert.ok(ok);
    return o.id;
  };
  const borrower = await mk('Заёмщик');
  const first = await loan(borrower, 'Д-1', 'active', [
    ['2024-02-20', 1000_00],
    ['2024-02-25', 500_00],
    ['2024-03-01', 0],
  ]);
  await loan(await mk('Закрытый'), 'Д-2', 'closed', [['2024-03-01', 0]]);
  await loan(await mk('Аннулированный'), 'Д-3', 'Аннулирован', [['2024-02-27', 0]]);
  await loan(await mk('Дальний', { timeZone: 'Asia/Kamchatka' }), 'Д-4', undefined, [['2024-03-01', 0]]);
  await mk('БезЗаймов');
  const plot = await insertObject(db, org.id, borrower, { kind: 'plot', number: '7' });
  assert.ok(typeof plot === 'object');
  assert.equal(await replaceSchedule(db, org.id, plot.id, []), false, 'only loans have schedules');
  assert.equal((await getSchedule(db, org.id, first)).length, 3);

  // 29 February 2024, 16:00 in Moscow; already 1 March, 01:00, in Kamchatka.
  const now = '2024-02-29T13:00:00Z';
  const cases: [string, Filter, string[]][] = [
    ['due today (one day, today included)', { type: 'payment', state: 'planned', days: 1 }, ['Дальний']],
    ['due today or tomorrow', { type: 'payment', state: 'planned', days: 2 }, ['Заёмщик', 'Дальний']],
    [
      'overdue in 4 days: the half-paid 25 February is outside',
      { type: 'payment', state: 'overdue', days: 4 },
      ['Дальний'],
    ],
    [
      'overdue in 5 days: the half-paid one counts',
      { type: 'payment', state: 'overdue', days: 5 },
      ['Заёмщик', 'Дальний'],
    ],
    [
      'nobody else',
      { type: 'not', filter: { type: 'payment', state: 'planned', days: 30 } },
      ['Закрытый', 'Аннулированный', 'БезЗаймов'],
    ],
  ];
  for (const [what, filter, want] of cases) assert.deepEqual(await select(filter, now), want, what);

  // Paying the instalment takes the borrower off the reminder.
  await replaceSchedule(db, org.id, first, [
    { dueDate: '2024-03-01', amountKopecks: 1000_00, paidKopecks: 1000_00 },
  ]);
  assert.deepEqual(await select({ type: 'payment', state: 'planned', days: 2 }, now), ['Дальний']);
});

test('sums of charges over objects, and of one kind', async () => {
  const { db } = await openTestDb();
  const { org, mk, select } = await setUp(db);
  const two = await mk('ДваУчастка');
  const one = await mk('ОдинУчасток');
  await mk('БезУчастков');
  for (const [c, n, charges] of [
    [two, '1', 1500_00],
    [two, '2', 2500_00],
    [one, '3', 3000_00],
  ] as const)
    await insertObject(db, org.id, c, { kind: 'plot', number: n, chargesKopecks: charges });
  await insertObject(db, org.id, one, { kind: 'account', number: 'Л-1', chargesKopecks: 2000_00 });
  const now = '2024-06-01T12:00:00Z';
  const sum = (op: 'ge' | 'lt', value: number, kind?: 'plot'): Filter => ({
    type: 'objects',
    measure: 'charges',
    op,
    value,
    ...(kind ? { kind } : {}),
  });
  assert.deepEqual(await select(sum('ge', 4000_00, 'plot'), now), ['ДваУчастка']);
  assert.deepEqual(await select(sum('ge', 4000_00), now), ['ДваУчастка', 'ОдинУчасток']);
  assert.deepEqual(await select(sum('lt', 3500_00, 'plot'), now), ['ОдинУчасток', 'БезУчастков']);
});

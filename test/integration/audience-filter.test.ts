/**
 * Every filter kind compiled to SQL and run against a real database (both engines), with the
 * expected contacts written out by hand: fields and attributes, age and birthdays in the recipient's
 * time zone (29 February in a common year), object counts and sums, lists, visited countries,
 * rating, office, meters, and/or/not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Filter } from '../../src/core/audience/filter.ts';
import { attributeTypes, insertAttribute } from '../../src/store/attributes.ts';
import { insertContact } from '../../src/store/contacts.ts';
import { addListMembers, insertList } from '../../src/store/lists.ts';
import { insertObject } from '../../src/store/objects.ts';
import { createOrg } from '../../src/store/orgs.ts';
import { listRecipients, recipientQuery } from '../../src/store/recipients.ts';
import { openTestDb } from '../helpers/db.ts';

test('each filter kind selects exactly the expected contacts', async () => {
  const { db } = await openTestDb();
  const org = await createOrg(db, 'Фильтры');
  const other = await createOrg(db, 'Чужая');
  await insertAttribute(db, org.id, { name: 'plan', type: 'list', options: ['gold', 'basic'] });
  await insertAttribute(db, org.id, { name: 'score', type: 'number' });
  await insertAttribute(db, org.id, { name: 'since', type: 'date' });
  await insertAttribute(db, org.id, { name: 'vip', type: 'boolean' });
  const mk = async (name: string, extra: Record<string, unknown>) => {
    const c = await insertContact(db, org.id, { firstName: name, ...extra });
    if (c === 'external_id_taken') throw new Error('taken');
    return c.id;
  };
  // "now" is 2023-02-27 21:30 UTC = 2023-02-28 00:30 in Moscow, still the 27th in New York.
  const now = new Date('2023-02-27T21:30:00Z');
  const ids = {
    anna: await mk('Анна', {
      gender: 'female',
      birthDate: '2000-02-29',
      phone: '+79000000001',
      attributes: { plan: 'gold', score: 10, since: '2020-01-01', vip: true, rating: 'A', office: 'Центр' },
    }),
    boris: await mk('Борис', {
      gender: 'male',
      birthDate: '1990-03-05',
      timeZone: 'America/New_York',
      attributes: { plan: 'basic', score: 3, rating: 'B', office: 'Север' },
    }),
    vera: await mk('Вера', {
      gender: 'female',
      birthDate: '1983-02-28',
      timeZone: 'America/New_York',
      email: 'v@x.ru',
    }),
    gleb: await mk('Глеб', { birthDate: '2010-02-28', attributes: { score: 'n/a', vip: false } }),
  };
  const foreign = await insertContact(db, other.id, { firstName: 'Чужой', gender: 'male' });
  assert.notEqual(foreign, 'external_id_taken');
  for (const n of ['1', '2', '3'])
    await insertObject(db, org.id, ids.boris, {
      kind: 'order',
      number: `o${n}`,
      attributes: { country: 'tr', direction: 'Анталья' },
    });
  await insertObject(db, org.id, ids.anna, { kind: 'order', number: 'o4', attributes: { country: 'EG' } });
  await insertObject(db, org.id, ids.anna, { kind: 'loan', number: 'l1', debtKopecks: 5000 });
  const plot = await insertObject(db, org.id, ids.vera, { kind: 'plot', number: 'p1', debtKopecks: -100 });
  await insertObject(db, org.id, ids.gleb, { kind: 'meter', number: 'm1' });
  const people = await insertList(db, org.id, { name: 'Люди', kind: 'contacts' });
  const plots = await insertList(db, org.id, { name: 'Участки', kind: 'objects' });
  if (people === 'name_taken' || plots === 'name_taken' || typeof plot === 'string') throw new Error('setup');
  await addListMembers(db, org.id, people, [ids.gleb]);
  await addListMembers(db, org.id, plots, [plot.id]);
  const attributes = await attributeTypes(db, org.id);

  const run = async (filter: Filter): Promise<number[]> => {
    const q = recipientQuery({
      orgId: org.id,
      orgTimeZone: 'Europe/Moscow',
      channel: 'sms',
      category: 'informational',
      audience: { kind: 'filter', filter },
      attributes,
      now,
    });
    assert.ok(q.ok, JSON.stringify(q));
    return (await listRecipients(db, q.query, { after: 0, limit: 100 })).map((r) => r.id);
  };
  const { anna, boris, vera, gleb } = ids;
  const cases: [string, Filter, number[]][] = [
    ['field eq', { type: 'field', field: 'firstName', op: 'eq', value: 'Анна' }, [anna]],
    [
      'field ne keeps the empty',
      { type: 'field', field: 'email', op: 'ne', value: 'v@x.ru' },
      [anna, boris, gleb],
    ],
    [
      'field lt on dates',
      { type: 'field', field: 'birthDate', op: 'lt', value: '1995-01-01' },
      [boris, vera],
    ],
    ['field gt', { type: 'field', field: 'birthDate', op: 'gt', value: '2005-01-01' }, [gleb]],
    ['field in', { type: 'field', field: 'firstName', op: 'in', value: ['Вера', 'Глеб'] }, [vera, gleb]],
    ['field filled', { type: 'field', field: 'phone', op: 'filled' }, [anna]],
    ['field empty', { type: 'field', field: 'timeZone', op: 'empty' }, [anna, gleb]],
    ['list attribute', { type: 'field', field: 'attributes.plan', op: 'eq', value: 'gold' }, [anna]],
    [
      'number attribute, a bad value is missing',
      { type: 'field', field: 'attributes.score', op: 'ge', value: 3 },
      [anna, boris],
    ],
    ['date attribute', { type: 'field', field: 'attributes.since', op: 'lt', value: '2021-01-01' }, [anna]],
    ['boolean attribute', { type: 'field', field: 'attributes.vip', op: 'eq', value: false }, [gleb]],
    ['attribute empty', { type: 'field', field: 'attributes.plan', op: 'empty' }, [vera, gleb]],
    ['gender', { type: 'gender', value: 'male' }, [boris]],
    // Moscow: 2023-02-28; New York: 2023-02-27.
    ['age in local time: 39 in New York, 40 in Moscow', { type: 'age', min: 39, max: 39 }, [vera]],
    ['age range', { type: 'age', min: 12, max: 23 }, [anna, gleb]],
    ['birthday today; 29 Feb on 28 Feb', { type: 'birthday', window: 'today' }, [anna, gleb]],
    ['birthday next days', { type: 'birthday', window: 'next_days', days: 6 }, [anna, boris, vera, gleb]],
    ['birthday next days, narrow', { type: 'birthday', window: 'next_days', days: 1 }, [anna, vera, gleb]],
    ['birthday next month', { type: 'birthday', window: 'next_month' }, [boris]],
    ['orders ≥ 3', { type: 'objects', kind: 'order', measure: 'count', op: 'ge', value: 3 }, [boris]],
    [
      'no orders (count = 0)',
      { type: 'objects', kind: 'order', measure: 'count', op: 'eq', value: 0 },
      [vera, gleb],
    ],
    ['debt > 0', { type: 'objects', measure: 'debt', op: 'gt', value: 0 }, [anna]],
    [
      'debt ≤ 0 includes those without objects',
      { type: 'objects', measure: 'debt', op: 'le', value: 0 },
      [boris, vera, gleb],
    ],
    ['list of contacts', { type: 'list', listId: people.id }, [gleb]],
    ['list of objects', { type: 'list', listId: plots.id }, [vera]],
    ['visited country', { type: 'visited', countries: ['TR'] }, [boris]],
    ['visited direction', { type: 'visited', directions: ['анталья', 'Каир'] }, [boris]],
    ['rating', { type: 'rating', values: ['A', 'C'] }, [anna]],
    ['office', { type: 'office', values: ['Север'] }, [boris]],
    ['has a meter', { type: 'meter', has: true }, [gleb]],
    ['no meter', { type: 'meter', has: false }, [anna, boris, vera]],
    [
      'and',
      {
        type: 'and',
        of: [
          { type: 'gender', value: 'female' },
          { type: 'age', max: 30 },
        ],
      },
      [anna],
    ],
    [
      'or',
      {
        type: 'or',
        of: [
          { type: 'gender', value: 'male' },
          { type: 'meter', has: true },
        ],
      },
      [boris, gleb],
    ],
    ['not', { type: 'not', filter: { type: 'gender', value: 'female' } }, [boris, gleb]],
  ];
  for (const [name, filter, expected] of cases) assert.deepEqual(await run(filter), expected, name);
});

test('bad filters are refused naming the place in the tree and the value', async () => {
  const base = {
    orgId: 1,
    orgTimeZone: 'Europe/Moscow',
    channel: 'sms' as const,
    category: 'informational' as const,
    attributes: { score: 'number' as const },
  };
  const problems = (filter: Filter) => {
    const r = recipientQuery({ ...base, audience: { kind: 'filter', filter } });
    assert.equal(r.ok, false);
    return r.ok ? [] : r.problems;
  };
  assert.deepEqual(
    problems({
      type: 'and',
      of: [
        { type: 'gender', value: 'male' },
        { type: 'field', field: 'nmae', op: 'eq', value: 'x' },
      ],
    }).map((p) => [p.field, p.value]),
    [['audience.filter.of[1].field', 'nmae']],
  );
  assert.equal(
    problems({ type: 'field', field: 'attributes.score', op: 'gt', value: 'many' })[0]!.field,
    'audience.filter.value',
  );
  assert.equal(
    problems({ type: 'field', field: 'attributes.nope', op: 'filled' })[0]!.value,
    'attributes.nope',
  );
  assert.equal(problems({ type: 'age', min: 50, max: 20 })[0]!.field, 'audience.filter.min');
  assert.equal(problems({ type: 'birthday', window: 'next_days' })[0]!.field, 'audience.filter.days');
  const deep: Filter = {
    type: 'not',
    filter: {
      type: 'not',
      filter: {
        type: 'not',
        filter: { type: 'not', filter: { type: 'not', filter: { type: 'meter', has: true } } },
      },
    },
  };
  assert.match(problems(deep)[0]!.message, /at most 4 deep/);
});

test('values are parameters, never SQL text', () => {
  const r = recipientQuery({
    orgId: 1,
    orgTimeZone: 'Europe/Moscow',
    channel: 'sms',
    category: 'advertising',
    attributes: { "x'); DROP TABLE contacts; --": 'text' },
    audience: {
      kind: 'filter',
      filter: {
        type: 'or',
        of: [
          { type: 'field', field: 'lastName', op: 'eq', value: "'; DROP TABLE contacts; --" },
          { type: 'field', field: "attributes.x'); DROP TABLE contacts; --", op: 'filled' },
          { type: 'rating', values: ["A' OR '1'='1"] },
        ],
      },
    },
  });
  assert.ok(r.ok);
  const sql = r.query.sql();
  assert.ok(!sql.includes('DROP'), sql);
  assert.ok(!sql.includes("'1'='1"));
  assert.ok(r.query.params.values.includes("'; DROP TABLE contacts; --"));
});

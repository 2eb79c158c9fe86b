/** The filter compiler, pure: parameters instead of values, the shapes it chooses, its refusals. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compare, compileFilter, SqlParams } from '../../src/core/audience/compile.ts';
import type { Filter } from '../../src/core/audience/filter.ts';

const compile = (filter: Filter) => {
  const params = new SqlParams();
  const org = params.add(1, 'bigint');
  const r = compileFilter(filter, {
    params,
    org,
    attributes: { score: 'number', plan: 'list', since: 'date', vip: 'boolean', note: 'text' },
    now: new Date('2024-02-29T12:00:00Z'),
    orgTimeZone: 'Europe/Moscow',
  });
  return { r, params: params.values };
};

test('every predicate compiles, each value a parameter', () => {
  const cases: [Filter, unknown[]][] = [
    [{ type: 'field', field: 'lastName', op: 'eq', value: 'Иванов' }, ['Иванов']],
    [{ type: 'field', field: 'attributes.score', op: 'gt', value: 5 }, ['score', 5]],
    [
      { type: 'field', field: 'attributes.plan', op: 'in', value: ['золото', 'серебро'] },
      ['plan', ['золото', 'серебро']],
    ],
    [{ type: 'field', field: 'attributes.vip', op: 'eq', value: true }, ['vip', true]],
    [{ type: 'gender', value: 'female' }, ['female']],
    [{ type: 'rating', values: ['A'] }, ['rating', ['A']]],
    [{ type: 'office', values: ['Центр'] }, ['office', ['Центр']]],
    [{ type: 'list', listId: 9 }, [9]],
    [{ type: 'visited', countries: ['tr'] }, [['TR'], []]],
    [{ type: 'objects', measure: 'debt', op: 'gt', value: 0 }, [0]],
  ];
  for (const [filter, expected] of cases) {
    const { r, params } = compile(filter);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(params.slice(1), expected, JSON.stringify(filter));
    for (const v of expected.flat())
      if (typeof v === 'string' && /[а-яё]/i.test(v)) assert.ok(!r.sql.includes(v), r.sql);
  }
});

test('aggregates that hold for zero objects keep contacts without objects', () => {
  const none = compile({ type: 'objects', kind: 'order', measure: 'count', op: 'lt', value: 3 });
  assert.ok(none.r.ok && none.r.sql.startsWith('c.id NOT IN'));
  const some = compile({ type: 'objects', kind: 'order', measure: 'count', op: 'ge', value: 3 });
  assert.ok(some.r.ok && some.r.sql.startsWith('c.id IN'));
  const table: [number, 'eq' | 'ne' | 'lt' | 'gt' | 'le' | 'ge', number, boolean][] = [
    [0, 'eq', 0, true],
    [0, 'ne', 0, false],
    [0, 'lt', 1, true],
    [0, 'gt', -1, true],
    [0, 'le', 0, true],
    [0, 'ge', 1, false],
  ];
  for (const [a, op, b, want] of table) assert.equal(compare(a, op, b), want, `${a} ${op} ${b}`);
});

test('refusals name the field and the value', () => {
  const cases: [Filter, string, unknown][] = [
    [{ type: 'field', field: 'bogus', op: 'eq', value: 1 }, 'filter.field', 'bogus'],
    [{ type: 'field', field: 'attributes.score', op: 'eq', value: 'x' }, 'filter.value', 'x'],
    [
      { type: 'field', field: 'attributes.since', op: 'lt', value: '01.02.2020' },
      'filter.value',
      '01.02.2020',
    ],
    [{ type: 'field', field: 'attributes.vip', op: 'lt', value: true }, 'filter.op', 'lt'],
    [{ type: 'field', field: 'lastName', op: 'in', value: [] }, 'filter.value', []],
    [{ type: 'or', of: [{ type: 'visited' }] }, 'filter.of[0]', { type: 'visited' }],
    [{ type: 'and', of: [] }, 'filter.of', []],
  ];
  for (const [filter, field, value] of cases) {
    const { r } = compile(filter);
    assert.equal(r.ok, false, JSON.stringify(filter));
    if (!r.ok) assert.deepEqual([r.problems[0]!.field, r.problems[0]!.value], [field, value]);
  }
});

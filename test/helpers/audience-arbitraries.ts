/** Random filter trees for the property test: every node kind, values that hit the edges. */
import fc from 'fast-check';
import type { Filter } from '../../src/core/audience/filter.ts';

/** Text values of the data set and the filters (lower-case Latin: the same order in every collation). */
export const TEXTS = ['', 'anna', 'boris', 'vera', 'x'];

const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
const cmpOp = pick('eq' as const, 'ne' as const, 'lt' as const, 'gt' as const, 'le' as const, 'ge' as const);
const days = fc.oneof(fc.integer({ min: 0, max: 40 }), pick(364, 365, 366));

function field(): fc.Arbitrary<Filter> {
  const textField = pick(
    'lastName',
    'firstName',
    'externalId',
    'phone',
    'email',
    'timeZone',
    'gender',
    'attributes.plan',
    'attributes.note',
  );
  const textValue = pick(...TEXTS, 'gold', '+79000000001', 'male', 'Europe/Moscow', 'a1');
  const dateValue = pick('1990-02-28', '2000-02-29', '2000-03-01', '2020-01-01', '2021-06-15');
  const empty = (f: fc.Arbitrary<string>) =>
    fc.record({
      type: fc.constant('field' as const),
      field: f,
      op: pick('filled' as const, 'empty' as const),
    });
  return fc.oneof(
    fc.record({ type: fc.constant('field' as const), field: textField, op: cmpOp, value: textValue }),
    fc.record({
      type: fc.constant('field' as const),
      field: textField,
      op: fc.constant('in' as const),
      value: fc.array(textValue, { minLength: 1, maxLength: 3 }),
    }),
    empty(
      pick(
        'lastName',
        'phone',
        'email',
        'timeZone',
        'gender',
        'birthDate',
        'externalId',
        'attributes.score',
        'attributes.plan',
        'attributes.since',
        'attributes.vip',
        'attributes.note',
      ),
    ),
    fc.record({
      type: fc.constant('field' as const),
      field: pick('birthDate', 'attributes.since'),
      op: cmpOp,
      value: dateValue,
    }),
    fc.record({
      type: fc.constant('field' as const),
      field: fc.constant('attributes.score'),
      op: cmpOp,
      value: fc.integer({ min: -6, max: 21 }),
    }),
    fc.record({
      type: fc.constant('field' as const),
      field: fc.constant('attributes.score'),
      op: fc.constant('in' as const),
      value: fc.array(fc.oneof(fc.integer({ min: -5, max: 20 }), fc.constant(2.5), fc.constant(7)), {
        minLength: 1,
        maxLength: 3,
      }),
    }),
    fc.record({
      type: fc.constant('field' as const),
      field: pick('doNotMessage', 'attributes.vip'),
      op: pick('eq' as const, 'ne' as const),
      value: fc.boolean(),
    }),
  );
}

function predicate(listIds: number[]): fc.Arbitrary<Filter> {
  return fc.oneof(
    { weight: 4, arbitrary: field() },
    fc
      .record({
        min: fc.option(fc.integer({ min: 0, max: 90 }), { nil: undefined }),
        span: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
      })
      .filter((a) => a.min !== undefined || a.span !== undefined)
      .map(
        ({ min, span }): Filter => ({
          type: 'age',
          ...(min !== undefined ? { min } : {}),
          ...(span !== undefined ? { max: (min ?? 0) + span } : {}),
        }),
      ),
    fc.record({ type: fc.constant('gender' as const), value: pick('male' as const, 'female' as const) }),
    fc.oneof(
      fc.record({
        type: fc.constant('birthday' as const),
        window: pick('today' as const, 'next_month' as const),
      }),
      fc.record({
        type: fc.constant('birthday' as const),
        window: pick('next_days' as const, 'past_days' as const),
        days,
      }),
    ),
    fc.record(
      {
        type: fc.constant('objects' as const),
        kind: pick('plot' as const, 'account' as const, 'order' as const, 'loan' as const, 'meter' as const),
        measure: pick('count' as const, 'debt' as const, 'charges' as const),
        op: cmpOp,
        value: pick(-1000, 0, 1, 2, 3, 1000, 5000),
      },
      { requiredKeys: ['type', 'measure', 'op', 'value'] },
    ),
    fc.record({ type: fc.constant('list' as const), listId: pick(...listIds, 999_999) }),
    fc
      .record({
        countries: fc.subarray(['TR', 'eg', ' tr']),
        directions: fc.subarray(['анталья', 'КАИР ', 'Сочи']),
      })
      .filter((v) => v.countries.length + v.directions.length > 0)
      .map(
        (v): Filter => ({
          type: 'visited',
          ...(v.countries.length ? { countries: v.countries } : {}),
          ...(v.directions.length ? { directions: v.directions } : {}),
        }),
      ),
    fc.record({
      type: pick('rating' as const, 'office' as const),
      values: fc.subarray(['A', 'B', '5', 'Центр'], { minLength: 1 }),
    }),
    fc.record({ type: fc.constant('meter' as const), has: fc.boolean() }),
    fc.record({
      type: fc.constant('payment' as const),
      state: pick('planned' as const, 'overdue' as const),
      days: fc.integer({ min: 1, max: 40 }),
    }),
  ) as fc.Arbitrary<Filter>;
}

/** A tree of up to three levels of and/or/not over the predicates (the compiler allows four). */
export function filterArb(listIds: number[]): fc.Arbitrary<Filter> {
  const { node } = fc.letrec<{ node: Filter }>((tie) => ({
    node: fc.oneof(
      { maxDepth: 3, depthIdentifier: 'filter' },
      predicate(listIds),
      fc.record({
        type: fc.constant('and' as const),
        of: fc.array(tie('node'), { minLength: 1, maxLength: 3 }),
      }),
      fc.record({
        type: fc.constant('or' as const),
        of: fc.array(tie('node'), { minLength: 1, maxLength: 3 }),
      }),
      fc.record({ type: fc.constant('not' as const), filter: tie('node') }),
    ) as fc.Arbitrary<Filter>,
  }));
  return node;
}

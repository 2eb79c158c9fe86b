/**
 * The audience filter (AU-4): one typed tree, one TypeBox schema. The API validates request bodies
 * with `FilterSchema`, the web interface will build the same tree, and `compileFilter` turns it into
 * parameterised SQL. Every node has a `type`; groups nest up to MAX_DEPTH levels.
 *
 * The schema refers to itself by $id for the groups; the compiler refuses trees deeper than
 * MAX_DEPTH (four levels of and/or/not are more than an operator builds by hand).
 */
import { type TSchema, Type } from 'typebox';

export const CONTACT_FIELDS = [
  'externalId',
  'lastName',
  'firstName',
  'middleName',
  'phone',
  'email',
  'telegramChatId',
  'timeZone',
  'gender',
  'birthDate',
  'doNotMessage',
  'createdAt',
] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

export const FIELD_OPS = ['eq', 'ne', 'lt', 'gt', 'le', 'ge', 'in', 'filled', 'empty'] as const;
export type FieldOp = (typeof FIELD_OPS)[number];
export const COMPARE_OPS = ['eq', 'ne', 'lt', 'gt', 'le', 'ge'] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];
export const FILTER_OBJECT_KINDS = ['plot', 'account', 'order', 'loan', 'meter'] as const;
export const MEASURES = ['count', 'debt', 'charges'] as const;
export const MAX_DEPTH = 4;

export type Scalar = string | number | boolean;

export type Predicate =
  /** A contact field (`lastName`) or a custom attribute (`attributes.tariff`). */
  | { type: 'field'; field: string; op: FieldOp; value?: Scalar | Scalar[] }
  /** Full years in the recipient's time zone, both bounds inclusive. */
  | { type: 'age'; min?: number; max?: number }
  | { type: 'gender'; value: 'male' | 'female' }
  /**
   * today; the next `days` days (today included, today + days the last); the past `days` days
   * (today − days through today, seed 004's greetings); the next calendar month.
   */
  | { type: 'birthday'; window: 'today' | 'next_days' | 'past_days' | 'next_month'; days?: number }
  /**
   * Has a loan payment not fully paid (seed 004), of a loan not closed or cancelled
   * (`attributes.status`): `planned` — due in the next `days` days, today included; `overdue` —
   * due in the past `days` days, today included.
   */
  | { type: 'payment'; state: 'planned' | 'overdue'; days: number }
  /** Count of objects, or the sum of their debt or charges (kopecks), compared with `value`. */
  | {
      type: 'objects';
      kind?: (typeof FILTER_OBJECT_KINDS)[number];
      measure: (typeof MEASURES)[number];
      op: CompareOp;
      value: number;
    }
  | { type: 'list'; listId: number }
  /** Has an order to one of these countries (ISO alpha-2) or directions. */
  | { type: 'visited'; countries?: string[]; directions?: string[] }
  | { type: 'rating'; values: string[] }
  | { type: 'office'; values: string[] }
  | { type: 'meter'; has: boolean };

export type Filter =
  | Predicate
  | { type: 'and'; of: Filter[] }
  | { type: 'or'; of: Filter[] }
  | { type: 'not'; filter: Filter };

const Str = <const T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
const ScalarSchema = Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]);
const Strings = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 1000 });
const strict = { additionalProperties: false } as const;

const predicates = (): TSchema[] => [
  Type.Object(
    {
      type: Type.Literal('field'),
      field: Type.String({
        minLength: 1,
        maxLength: 80,
        description: `${CONTACT_FIELDS.join(', ')}, or attributes.NAME for a custom attribute`,
      }),
      op: Str(FIELD_OPS),
      value: Type.Optional(Type.Union([ScalarSchema, Type.Array(ScalarSchema, { maxItems: 1000 })])),
    },
    strict,
  ),
  Type.Object(
    {
      type: Type.Literal('age'),
      min: Type.Optional(Type.Integer({ minimum: 0, maximum: 150 })),
      max: Type.Optional(Type.Integer({ minimum: 0, maximum: 150 })),
    },
    strict,
  ),
  Type.Object({ type: Type.Literal('gender'), value: Str(['male', 'female'] as const) }, strict),
  Type.Object(
    {
      type: Type.Literal('birthday'),
      window: Str(['today', 'next_days', 'past_days', 'next_month'] as const),
      days: Type.Optional(Type.Integer({ minimum: 0, maximum: 366 })),
    },
    strict,
  ),
  Type.Object(
    {
      type: Type.Literal('objects'),
      kind: Type.Optional(Str(FILTER_OBJECT_KINDS)),
      measure: Str(MEASURES),
      op: Str(COMPARE_OPS),
      value: Type.Integer({ minimum: -1e15, maximum: 1e15, description: 'a count, or kopecks' }),
    },
    strict,
  ),
  Type.Object(
    { type: Type.Literal('list'), listId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) },
    strict,
  ),
  Type.Object(
    { type: Type.Literal('visited'), countries: Type.Optional(Strings), directions: Type.Optional(Strings) },
    strict,
  ),
  Type.Object({ type: Type.Literal('rating'), values: Strings }, strict),
  Type.Object({ type: Type.Literal('office'), values: Strings }, strict),
  Type.Object({ type: Type.Literal('meter'), has: Type.Boolean() }, strict),
  Type.Object(
    {
      type: Type.Literal('payment'),
      state: Str(['planned', 'overdue'] as const),
      days: Type.Integer({ minimum: 1, maximum: 3660, description: 'days, today included' }),
    },
    strict,
  ),
];

const Self = Type.Ref('AudienceFilter');

/**
 * The filter tree's schema, registered under its $id with the server (app.addSchema) so that the
 * OpenAPI document holds it once and groups refer to it; depth is bounded by the compiler.
 */
export const FilterSchema = Type.Union(
  [
    ...predicates(),
    Type.Object({ type: Type.Literal('and'), of: Type.Array(Self, { minItems: 1, maxItems: 100 }) }, strict),
    Type.Object({ type: Type.Literal('or'), of: Type.Array(Self, { minItems: 1, maxItems: 100 }) }, strict),
    Type.Object({ type: Type.Literal('not'), filter: Self }, strict),
  ],
  { $id: 'AudienceFilter', description: 'an audience filter: a predicate, or and/or/not of filters' },
);

/** Where a body or response holds a filter. */
export const FilterRef = Type.Unsafe<Filter>(Type.Ref('AudienceFilter'));

/**
 * An audience (AU-5, AU-7): a union of selections — everyone, explicit contacts, a list, a filter —
 * stored on the campaign as given and resolved when it launches. `{kind:'all'}` and
 * `{kind:'contacts'}` are selections of their own, so a campaign may name one selection or a union.
 */
import { Type } from 'typebox';
import { type Filter, FilterRef } from './filter.ts';

export type Selection =
  | { kind: 'all' }
  | { kind: 'contacts'; contactIds: number[] }
  | { kind: 'list'; listId: number }
  | { kind: 'filter'; filter: Filter };

export type Audience = Selection | { kind: 'union'; selections: Selection[] };

export const CATEGORIES = ['advertising', 'informational', 'service'] as const;
/** Advertising needs recorded consent for the channel (38-FZ art. 18); the others do not. */
export type Category = (typeof CATEGORIES)[number];

/**
 * Why a selected contact gets no message, in the order they are checked: the first that applies is
 * the one reported.
 */
export const EXCLUSION_REASONS = [
  'unticked',
  'do_not_message',
  'no_address',
  'invalid_address',
  'unsubscribed',
  'suppressed',
  'no_consent',
  'duplicate',
] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

export const selectionsOf = (a: Audience): Selection[] => (a.kind === 'union' ? a.selections : [a]);

const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const strict = { additionalProperties: false } as const;

const selectionSchemas = () => [
  Type.Object({ kind: Type.Literal('all') }, strict),
  Type.Object(
    { kind: Type.Literal('contacts'), contactIds: Type.Array(Id, { minItems: 1, maxItems: 100_000 }) },
    strict,
  ),
  Type.Object({ kind: Type.Literal('list'), listId: Id }, strict),
  Type.Object({ kind: Type.Literal('filter'), filter: FilterRef }, strict),
];

export const SelectionSchema = Type.Unsafe<Selection>(Type.Union(selectionSchemas()));

/** Keep `all` and `contacts` first: existing clients and the tenancy walk rely on that order. */
export const AudienceSchema = Type.Unsafe<Audience>(
  Type.Union(
    [
      ...selectionSchemas(),
      Type.Object(
        {
          kind: Type.Literal('union'),
          selections: Type.Array(SelectionSchema, { minItems: 1, maxItems: 50 }),
        },
        strict,
      ),
    ],
    { description: 'who receives the campaign: one selection or a union of them; resolved at launch' },
  ),
);

export const CategorySchema = Type.Unsafe<Category>({
  type: 'string',
  enum: [...CATEGORIES],
  description: 'advertising needs recorded consent for the channel (38-FZ); informational and service do not',
});

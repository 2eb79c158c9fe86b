/** Response and request shapes shared by several routes; the OpenAPI document is built from these. */
import { type TSchema, type TUnsafe, Type } from 'typebox';
import { AudienceSchema, CategorySchema } from '../core/audience/audience.ts';
import { FILTER_OBJECT_KINDS } from '../core/audience/filter.ts';
import { ROLES } from '../core/roles.ts';
import { AUTOMATION_KINDS, DEDUP_KEYS } from '../core/schedule/automations.ts';
import { MODES } from '../core/schedule/plan.ts';
import { CAMPAIGN_STATES, CHANNELS, MESSAGE_STATES } from '../core/states.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const StringEnum = <const T extends readonly string[]>(values: T, description?: string): TUnsafe<T[number]> =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
/** Rows carry Date objects; the serializer writes them as ISO strings. */
export const DateTime = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });

export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
export const IdParams = Type.Object({ id: Id });
export const ChannelSchema = StringEnum(CHANNELS, 'sms, messenger (Telegram) or email');
export const RoleSchema = StringEnum(ROLES);
export const MessageStateSchema = StringEnum(MESSAGE_STATES);
export { Nullable, StringEnum };

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'Error' },
);

export const Contact = Type.Object(
  {
    id: Id,
    externalId: Nullable(Type.String()),
    lastName: Type.String(),
    firstName: Type.String(),
    middleName: Type.String(),
    phone: Nullable(Type.String({ description: 'E.164, e.g. +79123456789' })),
    email: Nullable(Type.String()),
    telegramChatId: Nullable(Type.String()),
    timeZone: Nullable(Type.String()),
    gender: Nullable(StringEnum(['male', 'female'] as const)),
    birthDate: Nullable(Type.String({ format: 'date' })),
    attributes: Type.Record(Type.String(), Type.Unknown()),
    doNotMessage: Type.Boolean(),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'Contact' },
);

export const ContactObject = Type.Object(
  {
    id: Id,
    contactId: Id,
    kind: StringEnum(['plot', 'account', 'order', 'loan', 'meter'] as const),
    number: Type.String(),
    chargesKopecks: Type.Integer({ description: 'charges in kopecks (1 rouble = 100)' }),
    debtKopecks: Type.Integer({ description: 'debt in kopecks' }),
    attributes: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'ContactObject' },
);

/** One selection or a union of them (core/audience): the same schema the web interface will use. */
export const Audience = AudienceSchema;

/** CH-6: a text per channel; the primary channel's is also `textTemplate` (and `subject`). */
export const CampaignTexts = Type.Object(
  {
    sms: Type.Optional(Type.String({ maxLength: 20_000, description: 'the SMS text (Liquid)' })),
    messenger: Type.Optional(
      Type.String({
        maxLength: 20_000,
        description: 'the messenger text, at most 700 characters once rendered',
      }),
    ),
    email: Type.Optional(
      Type.Object(
        {
          subject: Type.String({ maxLength: 500 }),
          html: Type.String({ maxLength: 500_000, description: 'sanitised and CSS-inlined at launch' }),
          text: Type.Optional(
            Nullable(
              Type.String({
                maxLength: 500_000,
                description: 'plain-text part; made from the HTML if absent',
              }),
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** CT-2: what a recipient whose substitution comes out empty gets. */
export const EmptyPolicy = Type.Union([
  Type.Object({ mode: Type.Literal('allow') }, { additionalProperties: false }),
  Type.Object({ mode: Type.Literal('block') }, { additionalProperties: false }),
  Type.Object(
    { mode: Type.Literal('default'), text: Type.String({ maxLength: 200 }) },
    { additionalProperties: false },
  ),
]);

/** CT-4: documents for every recipient, and each recipient's own document of a kind. */
export const Attachments = Type.Object(
  {
    documentIds: Type.Array(Id, { maxItems: 10, description: 'documents attached for every recipient' }),
    perRecipient: Nullable(
      Type.Object(
        {
          kind: Type.String({
            minLength: 1,
            maxLength: 50,
            description: "each recipient's document of this kind on their objects, e.g. receipt",
          }),
          objectKind: Type.Optional(
            StringEnum(
              FILTER_OBJECT_KINDS,
              'only objects of this kind need one (e.g. account); all of them otherwise',
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const HHMM = { pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'a local time of day, HH:MM' };

export const ModeSchema = StringEnum(
  MODES,
  'standard: messenger first, SMS after the wait, in the daytime window; economy: a daily capacity, slower, cheaper; urgent: SMS at once at a fixed rate, no window',
);

export const Schedule = Type.Union(
  [
    Type.Object({ at: Type.String({ format: 'date-time' }) }, { additionalProperties: false }),
    Type.Object(
      {
        date: Type.String({ format: 'date' }),
        localTime: Type.String({ ...HHMM, description: "at this time in each recipient's own zone" }),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'send once, at an instant or at a local time in each recipient’s zone' },
);

export const Recurrence = Type.Union(
  [
    Type.Object(
      { cron: Type.String({ maxLength: 100, description: "cron, in the organisation's zone" }) },
      { additionalProperties: false },
    ),
    Type.Object({ every: Type.Literal('day'), at: Type.String(HHMM) }, { additionalProperties: false }),
    Type.Object(
      {
        every: Type.Literal('week'),
        at: Type.String(HHMM),
        weekday: Type.Integer({ minimum: 1, maximum: 7 }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        every: Type.Literal('month'),
        at: Type.String(HHMM),
        day: Type.Integer({ minimum: -1, maximum: 28, description: '1–28, or -1 for the last day' }),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'a recurring campaign: each run resolves its audience anew and has its own report' },
);

export const AutomationSchema = Type.Object(
  {
    kind: StringEnum(AUTOMATION_KINDS),
    days: Type.Optional(Type.Integer({ minimum: 0, maximum: 366 })),
  },
  { additionalProperties: false },
);

export const DedupKeySchema = StringEnum(
  DEDUP_KEYS,
  'what a later run may not repeat: once per contact, loan, payment (office + loan + payment) or birthday',
);

export const EconomyPlan = Type.Array(
  Type.Object({ date: Type.String({ format: 'date' }), count: Type.Integer(), from: DateTime, to: DateTime }),
  { description: 'economy mode: how many go each day of the organisation, from when to when' },
);

export const Campaign = Type.Object(
  {
    id: Id,
    name: Type.String(),
    channel: ChannelSchema,
    textTemplate: Type.String(),
    subject: Nullable(Type.String()),
    texts: CampaignTexts,
    emptyPolicy: EmptyPolicy,
    attachments: Attachments,
    audience: Audience,
    category: CategorySchema,
    state: StringEnum(CAMPAIGN_STATES),
    sender: Nullable(Type.String({ description: 'SMS sender name, approved with the gateway' })),
    transliterate: Type.Boolean({
      description: 'Cyrillic sent as Latin (GSM-7: 160/153 characters per segment)',
    }),
    reservedKopecks: Type.Integer({ description: 'what the campaign still holds of its reservation' }),
    mode: ModeSchema,
    collection: Type.Boolean({ description: 'debt collection: 230-FZ hours and caps apply' }),
    schedule: Nullable(Schedule),
    recurrence: Nullable(Recurrence),
    automation: Nullable(AutomationSchema),
    dedupKey: Nullable(DedupKeySchema),
    nextRunAt: Nullable(DateTime),
    parentId: Nullable(Id),
    scheduleError: Nullable(Type.String({ description: 'why the scheduler put it back to draft' })),
    createdBy: Type.String(),
    createdAt: DateTime,
    launchedAt: Nullable(DateTime),
    launchedBy: Nullable(Type.String()),
    finishedAt: Nullable(DateTime),
    moderation: Nullable(
      Type.Object({
        state: StringEnum(['waiting', 'approved', 'rejected'] as const),
        decidedBy: Nullable(Type.String()),
        decidedAt: Nullable(Type.String()),
        reason: Nullable(Type.String({ description: 'why a moderator rejected it' })),
        overdue: Type.Optional(Type.Boolean({ description: 'waited past the instance’s SLA' })),
      }),
    ),
  },
  { $id: 'Campaign' },
);

export const Message = Type.Object(
  {
    id: Id,
    campaignId: Nullable(Id),
    contactId: Nullable(Id),
    channel: ChannelSchema,
    address: Type.String(),
    subject: Nullable(Type.String()),
    body: Type.String(),
    state: MessageStateSchema,
    reason: Nullable(Type.String()),
    attempts: Type.Integer(),
    gatewayId: Nullable(Id),
    providerMessageId: Nullable(Type.String()),
    rawStatus: Nullable(Type.String()),
    segments: Type.Integer(),
    priceKopecks: Type.Integer({ description: 'estimated at launch: segments × tariff' }),
    costKopecks: Nullable(Type.Integer({ description: 'charged when the gateway accepted it' })),
    sender: Nullable(Type.String()),
    initiator: Type.String(),
    createdAt: DateTime,
    submittedAt: Nullable(DateTime),
    finalAt: Nullable(DateTime),
  },
  { $id: 'Message' },
);

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    nextCursor: Nullable(Type.Integer({ description: 'pass as `after` (or `before`) for the next page' })),
  });

/** A reference to the shared error schema (registered with the server under its $id). */
export const ErrorRef = Type.Unsafe<{ error: { code: string; message: string; details?: unknown } }>(
  Type.Ref('Error'),
);

/** Error responses every authenticated route may give, for the OpenAPI document. */
export const errorResponses = {
  400: ErrorRef,
  401: ErrorRef,
  403: ErrorRef,
  404: ErrorRef,
};

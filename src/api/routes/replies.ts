/**
 * Replies (issue 19): incoming messages from every gateway, searchable, with their contact and the
 * message each answers; a contact's replies beside its messages; the organisation's stop words and
 * the confirmation of a stop request (AC-4).
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import {
  checkStopWords,
  DEFAULT_CONFIRMATION_TEXT,
  DEFAULT_STOP_WORDS,
  MAX_STOP_WORDS,
} from '../../core/replies/stopWords.ts';
import { CHANNELS } from '../../core/states.ts';
import { inboundAddress } from '../../services/inbound.ts';
import { getContact } from '../../store/contacts.ts';
import {
  getReplySettings,
  listReplies,
  putReplySettings,
  type Reply as ReplyRow,
} from '../../store/inbound.ts';
import { who } from '../auth.ts';
import { invalid, notFound } from '../errors.ts';
import { ChannelSchema, DateTime, errorResponses, Id, IdParams, Nullable, Page } from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const Reply = Type.Object(
  {
    id: Id,
    gatewayId: Id,
    channel: ChannelSchema,
    from: Type.String({ description: 'who wrote: E.164 or a chat id (as the provider gave it if neither)' }),
    to: Nullable(Type.String({ description: 'the number or bot written to, where known' })),
    text: Type.String(),
    providerId: Nullable(Type.String()),
    receivedAt: DateTime,
    isStop: Type.Boolean({ description: 'a stop request: the address was unsubscribed' }),
    excludedMessages: Nullable(
      Type.Integer({ description: 'a stop request: messages not yet sent, excluded' }),
    ),
    confirmationId: Nullable(Type.Integer({ description: "a stop request: the confirmation's message id" })),
    contact: Nullable(Type.Object({ id: Id, name: Nullable(Type.String()) })),
    answers: Nullable(
      Type.Object({
        messageId: Id,
        campaignId: Nullable(Id),
        campaignName: Nullable(Type.String()),
        text: Nullable(Type.String()),
      }),
    ),
  },
  { $id: 'Reply' },
);

const ReplySettings = Type.Object({
  stopWords: Type.Array(Type.String(), {
    description: 'a reply that is one of these, whole, is a stop request',
  }),
  defaultStopWords: Type.Array(Type.String()),
  confirmStop: Type.Boolean({ description: 'answer a stop request with the confirmation text' }),
  confirmationText: Type.String(),
});

const ReplySettingsBody = Type.Object(
  {
    // Null first: the server coerces types, and would otherwise take null for [""].
    stopWords: Type.Optional(
      Type.Union([
        Type.Null(),
        Type.Array(Type.String({ maxLength: 200 }), {
          maxItems: MAX_STOP_WORDS + 1,
          description: 'null: the default words',
        }),
      ]),
    ),
    confirmStop: Type.Optional(Type.Boolean()),
    confirmationText: Type.Optional(
      Type.Union([Type.Null(), Type.String({ maxLength: 700, description: 'null: the default' })]),
    ),
  },
  { additionalProperties: false },
);

const Filters = {
  from: Type.Optional(
    Type.String({ maxLength: 100, description: 'who wrote (a phone in any form, a chat id)' }),
  ),
  stop: Type.Optional(Type.Boolean({ description: 'only stop requests' })),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'words in the text' })),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'received at or after' })),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'received before' })),
  before: Type.Optional(Id),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
};

const toApi = (r: ReplyRow) => ({
  id: r.id,
  gatewayId: r.gatewayId,
  channel: r.channel,
  from: r.fromAddress,
  to: r.toAddress,
  text: r.text,
  providerId: r.providerId,
  receivedAt: r.receivedAt,
  isStop: r.isStop,
  excludedMessages: r.excludedMessages,
  confirmationId: r.confirmationId,
  contact: r.contactId === null ? null : { id: r.contactId, name: r.contactName },
  answers:
    r.messageId === null
      ? null
      : {
          messageId: r.messageId,
          campaignId: r.campaignId,
          campaignName: r.campaignName,
          text: r.answeredText,
        },
});

/** The address as typed and as every channel would store it: a reply matches any of them. */
const fromForms = (from: string): string[] => [
  ...new Set([from.trim(), ...CHANNELS.map((c) => inboundAddress(c, from))]),
];

export const replyRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db } = deps;
    const tags = ['replies'];
    app.addSchema(Reply);

    type Query = { [K in keyof typeof Filters]?: unknown } & { contactId?: number };
    const page = async (orgId: number, q: Query) => {
      const limit = (q.limit as number | undefined) ?? 100;
      const items = await listReplies(
        db,
        orgId,
        {
          ...(q.from ? { from: fromForms(q.from as string) } : {}),
          ...(q.contactId ? { contactId: q.contactId } : {}),
          ...(q.stop ? { stopOnly: true } : {}),
          ...(q.q ? { search: q.q as string } : {}),
          ...(q.since ? { since: new Date(q.since as string) } : {}),
          ...(q.until ? { until: new Date(q.until as string) } : {}),
        },
        { beforeId: (q.before as number | undefined) ?? Number.MAX_SAFE_INTEGER, limit },
      );
      return {
        items: items.map(toApi),
        nextCursor: items.length === limit ? items[items.length - 1]!.id : null,
      };
    };

    app.get(
      '/api/v1/replies',
      {
        schema: {
          tags,
          summary: 'Incoming messages (replies, stop requests), newest first, with filters',
          querystring: Type.Object({ ...Filters, contactId: Type.Optional(Id) }),
          response: { 200: Page(Type.Ref('Reply')), ...errorResponses },
        },
      },
      async (req) => page(who(req).orgId, req.query),
    );

    app.get(
      '/api/v1/contacts/:id/replies',
      {
        schema: {
          tags,
          summary: "The contact's replies, newest first (its messages: /contacts/{id}/messages)",
          params: IdParams,
          querystring: Type.Object(Filters),
          response: { 200: Page(Type.Ref('Reply')), ...errorResponses },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        if (!(await getContact(db, orgId, req.params.id))) throw notFound(`contact ${req.params.id}`);
        return page(orgId, { ...req.query, contactId: req.params.id });
      },
    );

    const settingsOf = async (orgId: number) => {
      const s = await getReplySettings(db, orgId);
      return {
        stopWords: s.stopWords ?? [...DEFAULT_STOP_WORDS],
        defaultStopWords: [...DEFAULT_STOP_WORDS],
        confirmStop: s.confirmStop,
        confirmationText: s.confirmationText ?? DEFAULT_CONFIRMATION_TEXT,
      };
    };

    app.get(
      '/api/v1/org/replies',
      {
        schema: {
          tags,
          summary: "The organisation's stop words and stop confirmation",
          response: { 200: ReplySettings, ...errorResponses },
        },
      },
      async (req) => settingsOf(who(req).orgId),
    );

    app.put(
      '/api/v1/org/replies',
      {
        config: { permission: 'gateways.manage' },
        schema: {
          tags,
          summary: 'Change the stop words and the stop confirmation (fields left out stay as they are)',
          body: ReplySettingsBody,
          response: { 200: ReplySettings, ...errorResponses },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        const now = await getReplySettings(db, orgId);
        const b = req.body;
        let stopWords = now.stopWords;
        if (b.stopWords !== undefined) {
          if (b.stopWords === null) stopWords = null;
          else {
            if (b.stopWords.length === 0)
              throw invalid([
                { field: 'stopWords', value: b.stopWords, message: 'is empty: give null for the defaults' },
              ]);
            const c = checkStopWords(b.stopWords);
            if (!c.ok)
              throw invalid([{ field: `stopWords[${c.index}]`, value: c.value, message: c.message }]);
            stopWords = c.words;
          }
        }
        let confirmationText = now.confirmationText;
        if (b.confirmationText !== undefined) {
          if (b.confirmationText !== null && b.confirmationText.trim() === '')
            throw invalid([
              {
                field: 'confirmationText',
                value: b.confirmationText,
                message: 'is empty: give null for the default',
              },
            ]);
          confirmationText = b.confirmationText?.trim() ?? null;
        }
        await putReplySettings(db, orgId, {
          stopWords,
          confirmStop: b.confirmStop ?? now.confirmStop,
          confirmationText,
        });
        return settingsOf(orgId);
      },
    );
  };

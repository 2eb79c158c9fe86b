/** A campaign's live report beyond its counts (RP-1): progress over time, list totals, recipients. */

import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { getCampaign } from '../../store/campaigns.ts';
import { campaignProgress, campaignTotals, listRecipients } from '../../store/progress.ts';
import { who } from '../auth.ts';
import { invalid, notFound } from '../errors.ts';
import { DateTime, errorResponses, Id, IdParams, MessageStateSchema, Nullable, Page } from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const Bucket = Type.Object({
  at: DateTime,
  sent: Type.Integer({ description: 'handed to a gateway by then' }),
  delivered: Type.Integer(),
  failed: Type.Integer({ description: 'undelivered, rejected or expired by then' }),
});

const Totals = Type.Object({
  id: Id,
  recipients: Type.Integer({ description: 'messages that go (not excluded)' }),
  sent: Type.Integer(),
  delivered: Type.Integer(),
  failed: Type.Integer(),
  priceKopecks: Type.Integer({ description: 'estimated at launch' }),
  chargedKopecks: Type.Integer({ description: 'charged so far' }),
});

const Recipient = Type.Object({
  id: Id,
  contactId: Nullable(Id),
  contactName: Nullable(Type.String()),
  address: Type.String(),
  state: MessageStateSchema,
  reason: Nullable(Type.String()),
  attempts: Type.Integer(),
  segments: Type.Integer(),
  priceKopecks: Type.Integer(),
  costKopecks: Nullable(Type.Integer()),
  submittedAt: Nullable(DateTime),
  finalAt: Nullable(DateTime),
  parts: Nullable(
    Type.Object(
      { total: Type.Integer(), delivered: Type.Integer() },
      { description: 'a long SMS sent part by part: its parts, and how many are delivered' },
    ),
  ),
});

const MAX_IDS = 500;

export const progressRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db } = deps;
    const tags = ['campaigns'];

    app.get(
      '/api/v1/campaigns/totals',
      {
        schema: {
          tags,
          summary: "Several campaigns' recipients, sent, delivered and cost at once (for a list)",
          querystring: Type.Object({
            // Up to 15 digits each: every id stays an exact number and a valid bigint.
            ids: Type.String({
              pattern: '^[0-9]{1,15}(,[0-9]{1,15})*$',
              description: 'campaign ids, comma-separated',
            }),
          }),
          response: { 200: Type.Object({ items: Type.Array(Totals) }), ...errorResponses },
        },
      },
      async (req) => {
        const ids = [...new Set(req.query.ids.split(',').map(Number))];
        if (ids.length > MAX_IDS)
          throw invalid([{ field: 'ids', value: ids.length, message: `at most ${MAX_IDS} ids` }]);
        return { items: await campaignTotals(db, who(req).orgId, ids) };
      },
    );

    app.get(
      '/api/v1/campaigns/:id/progress',
      {
        schema: {
          tags,
          summary: 'Cumulative sent, delivered and failed counts from the launch to the finish (or now)',
          params: IdParams,
          querystring: Type.Object({
            buckets: Type.Optional(Type.Integer({ minimum: 2, maximum: 1000, description: 'at most; 120' })),
          }),
          response: {
            200: Type.Object({
              from: Nullable(DateTime),
              to: Nullable(DateTime),
              stepSeconds: Type.Integer(),
              total: Type.Integer({ description: 'all the messages of the campaign' }),
              buckets: Type.Array(Bucket, { description: 'empty until launched' }),
            }),
            ...errorResponses,
          },
        },
      },
      async (req) => {
        const p = await campaignProgress(db, who(req).orgId, req.params.id, req.query.buckets ?? 120);
        if (!p) throw notFound(`campaign ${req.params.id}`);
        return p;
      },
    );

    app.get(
      '/api/v1/campaigns/:id/deliveries',
      {
        schema: {
          tags,
          summary: "The campaign's messages with their contacts' names; search by name or address",
          params: IdParams,
          querystring: Type.Object({
            after: Type.Optional(Type.Integer({ minimum: 0 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
            state: Type.Optional(MessageStateSchema),
            q: Type.Optional(Type.String({ maxLength: 200 })),
          }),
          response: { 200: Page(Recipient), ...errorResponses },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        if (!(await getCampaign(db, orgId, req.params.id))) throw notFound(`campaign ${req.params.id}`);
        const limit = req.query.limit ?? 50;
        const items = await listRecipients(db, orgId, req.params.id, {
          afterId: req.query.after ?? 0,
          limit,
          state: req.query.state,
          q: req.query.q,
        });
        return { items, nextCursor: items.length === limit ? items[items.length - 1]!.id : null };
      },
    );
  };

/**
 * The receipts inbox through the API (issue 19): a message's parts and the receipts applied to it,
 * and a gateway's receipts by outcome — what was applied, and what was kept because it matched no
 * message or several (a provider id reused by the provider).
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { gatewayReceipts, messageReceipts } from '../../store/receiptLists.ts';
import { who } from '../auth.ts';
import { notFound } from '../errors.ts';
import { DateTime, errorResponses, Id, IdParams, Nullable } from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const Outcome = Type.Union(
  [Type.Literal('pending'), Type.Literal('applied'), Type.Literal('ambiguous'), Type.Literal('unmatched')],
  {
    description:
      'pending: no message carries the id yet; applied: to messageId (and part); ambiguous: several ' +
      'messages in their life carry it; unmatched: none does',
  },
);

const Receipt = Type.Object(
  {
    id: Id,
    gatewayId: Id,
    providerId: Type.String(),
    state: Type.String({ description: 'the normalised state the receipt reports' }),
    rawStatus: Type.String({ description: "the provider's own code" }),
    destination: Nullable(Type.String({ description: 'the address the receipt names, if it names one' })),
    receivedAt: DateTime,
    outcome: Outcome,
    messageId: Nullable(Id),
    part: Nullable(Type.Integer({ description: 'the part of a long SMS it was applied to' })),
    decidedAt: Nullable(DateTime),
  },
  { $id: 'Receipt' },
);

const Part = Type.Object({
  part: Type.Integer({ minimum: 1 }),
  providerId: Type.String(),
  state: Type.String(),
  rawStatus: Nullable(Type.String()),
});

export const receiptRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db } = deps;
    const tags = ['messages'];

    app.get(
      '/api/v1/messages/:id/receipts',
      {
        schema: {
          tags,
          summary: "A message's parts (a long SMS sent part by part) and the delivery receipts applied to it",
          params: IdParams,
          response: {
            200: Type.Object({ parts: Type.Array(Part), receipts: Type.Array(Receipt) }),
            ...errorResponses,
          },
        },
      },
      async (req) => {
        const r = await messageReceipts(db, who(req).orgId, req.params.id);
        if (!r) throw notFound(`message ${req.params.id}`);
        return r;
      },
    );

    app.get(
      '/api/v1/gateways/:id/receipts',
      {
        schema: {
          tags: ['gateways'],
          summary:
            "A gateway's delivery receipts, newest first: applied, or kept because they matched no message or several",
          params: IdParams,
          querystring: Type.Object({
            outcome: Type.Optional(Outcome),
            before: Type.Optional(
              Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1, description: 'receipts older than this id' }),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
          }),
          response: {
            200: Type.Object({ items: Type.Array(Receipt), nextBefore: Nullable(Type.Integer()) }),
            ...errorResponses,
          },
        },
      },
      async (req) => {
        const q = req.query;
        const limit = q.limit ?? 100;
        const items = await gatewayReceipts(db, who(req).orgId, req.params.id, {
          outcome: q.outcome ?? null,
          beforeId: q.before ?? null,
          limit,
        });
        if (!items) throw notFound(`gateway ${req.params.id}`);
        return { items, nextBefore: items.length === limit ? items[items.length - 1]!.id : null };
      },
    );
  };

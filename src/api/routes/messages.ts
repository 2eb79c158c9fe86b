/** Single transactional messages (SD-6) and reading any message. */

import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { formatRoubles } from '../../core/pricing.ts';
import { sendSingle } from '../../services/messaging.ts';
import { getMessage } from '../../store/messages.ts';
import { who } from '../auth.ts';
import { ApiError, invalid, notFound } from '../errors.ts';
import { ChannelSchema, errorResponses, Id, IdParams, Message } from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

export const messageRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db } = deps;
    const tags = ['messages'];

    app.post(
      '/api/v1/messages',
      {
        config: { permission: 'messages.send' },
        schema: {
          tags,
          summary: 'Send one message now; repeat safely with the same Idempotency-Key',
          headers: Type.Object({
            'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          }),
          body: Type.Object(
            {
              channel: Type.Optional(ChannelSchema),
              to: Type.Optional(
                Type.String({ maxLength: 254, description: 'a phone, e-mail or chat id; or give contactId' }),
              ),
              contactId: Type.Optional(Id),
              text: Type.String({ maxLength: 10_000 }),
              subject: Type.Optional(Type.String({ maxLength: 500 })),
              sender: Type.Optional(
                Type.String({ maxLength: 11, description: 'an approved SMS sender name' }),
              ),
              transliterate: Type.Optional(Type.Boolean({ description: 'send Cyrillic as Latin letters' })),
            },
            { additionalProperties: false },
          ),
          response: {
            201: Message,
            200: Message,
            ...errorResponses,
            422: errorResponses[400],
            402: errorResponses[400],
          },
        },
      },
      async (req, reply) => {
        const p = who(req);
        const r = await sendSingle(db, p.orgId, p.initiator, {
          ...req.body,
          channel: req.body.channel ?? 'sms',
          idempotencyKey: req.headers['idempotency-key'],
        });
        if (!r.ok) {
          if ('conflict' in r) {
            throw new ApiError(
              422,
              'idempotency_key_reused',
              'this Idempotency-Key was used with a different request',
            );
          }
          if ('insufficient' in r) {
            const { costKopecks, availableKopecks } = r.insufficient;
            throw new ApiError(
              402,
              'insufficient_balance',
              `the message costs ${formatRoubles(costKopecks)} but the available balance is ${formatRoubles(availableKopecks)}`,
              r.insufficient,
            );
          }
          throw invalid([r.problem]);
        }
        if (r.value.created) deps.dispatcher?.wake();
        return reply.status(r.value.created ? 201 : 200).send(r.value.message);
      },
    );

    app.get(
      '/api/v1/messages/:id',
      {
        schema: {
          tags,
          summary: 'One message with its state and gateway code',
          params: IdParams,
          response: { 200: Message, ...errorResponses },
        },
      },
      async (req) => {
        const m = await getMessage(db, who(req).orgId, req.params.id);
        if (!m) throw notFound(`message ${req.params.id}`);
        return m;
      },
    );
  };

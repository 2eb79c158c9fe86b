/**
 * The organisation's gateways — listed, added, edited and tested (settings shown without their
 * credentials, which are write-only) — and the delivery-report callback each gateway's provider calls. The callback is public: it is authenticated by the gateway's own
 * signature or secret, checked by the gateway's `parseCallback`.
 */

import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { SecretBox } from '../../core/secrets.ts';
import {
  addGateway,
  editGateway,
  type GatewayProblem,
  testGateway,
  viewGateway,
} from '../../services/gateways.ts';
import { receiveInbound } from '../../services/inbound.ts';
import { syncSenders } from '../../services/senderSync.ts';
import { completeFinishedCampaigns } from '../../store/campaigns.ts';
import { findGateway, getGatewayById, listGateways } from '../../store/gateways.ts';
import { applyStatusUpdates } from '../../store/queue.ts';
import { who } from '../auth.ts';
import { ApiError } from '../errors.ts';
import { ChannelSchema, ErrorRef, errorResponses, Id, IdParams } from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const Settings = Type.Record(Type.String(), Type.Unknown(), {
  description:
    "the gateway kind's settings (docs/gateways/); passwords, keys and tokens are stored encrypted and never shown",
});

const Gateway = Type.Object({
  id: Id,
  name: Type.String(),
  kind: Type.String(),
  channel: ChannelSchema,
  priority: Type.Integer({ description: 'lowest first: the primary gateway of its channel' }),
  enabled: Type.Boolean(),
  ratePerSecond: Type.Union([Type.Number(), Type.Null()], {
    description: 'messages per second; null: no limit',
  }),
  settings: Settings,
  secrets: Type.Array(Type.String(), { description: 'names of the credentials that are set' }),
  callbackUrl: Type.String({ description: 'give this to the provider for delivery reports' }),
  inboundUrl: Type.Optional(
    Type.String({ description: "SMSC: give this as the handler of incoming SMS in SMSC's settings" }),
  ),
});

const GatewayBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  kind: Type.String({
    description: 'smsaero, smsc, kannel, smpp, smtp, unisender, telegram, sandbox, sandbox-http',
  }),
  channel: Type.Optional(ChannelSchema),
  priority: Type.Optional(Type.Integer()),
  enabled: Type.Optional(Type.Boolean()),
  ratePerSecond: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()])),
  settings: Settings,
});

const GatewayPatchBody = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  priority: Type.Optional(Type.Integer()),
  enabled: Type.Optional(Type.Boolean()),
  ratePerSecond: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()])),
  settings: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), {
      description: 'merged into the current settings; null removes a setting',
    }),
  ),
});

const Check = Type.Object({
  ok: Type.Boolean(),
  checked: Type.Union([Type.Literal('balance'), Type.Literal('credentials'), Type.Literal('nothing')]),
  message: Type.String(),
});

const SenderState = Type.Union([
  Type.Literal('requested'),
  Type.Literal('approved'),
  Type.Literal('rejected'),
]);
const SenderSync = Type.Object({
  gateway: Type.Object({ id: Id, name: Type.String(), kind: Type.String() }),
  total: Type.Integer({ description: 'sender names the provider listed' }),
  changes: Type.Array(
    Type.Object({
      name: Type.String(),
      before: Type.Union([SenderState, Type.Null()], { description: 'null: the name was new' }),
      after: SenderState,
      raw: Type.String({ description: "the provider's own status of the name" }),
    }),
  ),
  unknownToProvider: Type.Array(Type.String(), {
    description: 'names registered with this gateway that the provider did not list (left as they are)',
  }),
});

const problem = (p: GatewayProblem) =>
  new ApiError(
    p.status,
    p.status === 409 ? 'conflict' : p.status === 404 ? 'not_found' : 'invalid_input',
    `${p.field}: ${p.message}`,
    [{ field: p.field, message: p.message }],
  );

export const gatewayRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db, config } = deps;
    const box = SecretBox.fromKey(config.secretKey);

    app.get(
      '/api/v1/gateways',
      {
        schema: {
          tags: ['gateways'],
          summary: "The organisation's gateways",
          response: { 200: Type.Object({ items: Type.Array(Gateway) }), ...errorResponses },
        },
      },
      async (req) => {
        const rows = await listGateways(db, who(req).orgId);
        return { items: rows.map((g) => viewGateway(g, box, config.publicUrl)) };
      },
    );

    app.post(
      '/api/v1/gateways',
      {
        config: { permission: 'gateways.manage' },
        schema: {
          tags: ['gateways'],
          summary: 'Add a gateway; its settings are checked, its credentials stored encrypted',
          body: GatewayBody,
          response: { 201: Gateway, ...errorResponses, 409: errorResponses[400] },
        },
      },
      async (req, reply) => {
        const r = await addGateway(db, box, who(req).orgId, req.body);
        if (!r.ok) throw problem(r.problem);
        reply.code(201);
        return viewGateway(r.value, box, config.publicUrl);
      },
    );

    app.patch(
      '/api/v1/gateways/:id',
      {
        config: { permission: 'gateways.manage' },
        schema: {
          tags: ['gateways'],
          summary: 'Edit a gateway: name, priority, enabled, rate, settings (credentials write-only)',
          params: IdParams,
          body: GatewayPatchBody,
          response: { 200: Gateway, ...errorResponses, 409: errorResponses[400] },
        },
      },
      async (req) => {
        const r = await editGateway(db, box, who(req).orgId, req.params.id, req.body);
        if (!r.ok) throw problem(r.problem);
        return viewGateway(r.value, box, config.publicUrl);
      },
    );

    app.post(
      '/api/v1/gateways/:id/test',
      {
        config: { permission: 'gateways.manage' },
        schema: {
          tags: ['gateways'],
          summary: "Check a gateway's configuration with its provider (balance, or the credentials alone)",
          params: IdParams,
          response: { 200: Check, ...errorResponses },
        },
      },
      async (req) => {
        const row = await findGateway(db, who(req).orgId, req.params.id);
        if (!row) throw new ApiError(404, 'not_found', 'no such gateway');
        return testGateway(row, box, config.publicUrl);
      },
    );

    app.post(
      '/api/v1/gateways/:id/senders/sync',
      {
        config: { permission: 'gateways.manage' },
        schema: {
          tags: ['gateways', 'senders'],
          summary: "Take the gateway's sender names and their moderation state from its provider (SMS Aero)",
          params: IdParams,
          response: { 200: SenderSync, ...errorResponses, 502: ErrorRef },
        },
      },
      async (req) => {
        const r = await syncSenders(db, box, config.publicUrl, who(req).orgId, req.params.id);
        if (!r.ok) throw new ApiError(r.status, r.code, r.message);
        return r.value;
      },
    );

    // Most providers POST their reports; Kannel calls its `dlr-url` by GET (query parameters only).
    for (const method of ['post', 'get'] as const) {
      app[method](
        '/api/v1/callbacks/:id',
        {
          config: { permission: 'public' },
          schema: {
            tags: ['gateways'],
            summary: `A provider's delivery report for this gateway by ${method.toUpperCase()} (checked by the gateway's signature or secret)`,
            security: [],
            params: IdParams,
            response: {
              200: Type.Object({ accepted: Type.Integer(), changed: Type.Integer() }),
              401: ErrorRef,
              404: ErrorRef,
            },
          },
        },
        async (req) => {
          const row = await getGatewayById(db, req.params.id);
          if (!row) throw new ApiError(404, 'not_found', 'no such gateway');
          const gateway = await deps.gateways.get(row.id);
          if (!gateway.parseCallback) throw new ApiError(404, 'not_found', 'this gateway takes no callbacks');
          const parsed = gateway.parseCallback({
            headers: req.headers,
            query: req.query as Record<string, string>,
            body: req.body,
            rawBody: req.rawBody ?? '',
          });
          if (!parsed.ok) throw new ApiError(401, 'bad_callback', parsed.reason);
          const applied = await applyStatusUpdates(db, row.id, parsed.reports);
          if (parsed.inbound?.length) await receiveInbound(db, row.id, parsed.inbound);
          if (applied.campaigns.length) await completeFinishedCampaigns(db, applied.campaigns);
          return { accepted: parsed.reports.length, changed: applied.changed };
        },
      );
    }
  };

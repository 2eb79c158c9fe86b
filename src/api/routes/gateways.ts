/**
 * The organisation's gateways (settings without secrets) and the delivery-report callback each
 * gateway's provider calls. The callback is public: it is authenticated by the gateway's own
 * signature or secret, checked by the gateway's `parseCallback`.
 */

import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { completeFinishedCampaigns } from '../../store/campaigns.ts';
import { getGatewayById, listGateways } from '../../store/gateways.ts';
import { applyStatusUpdates } from '../../store/queue.ts';
import { who } from '../auth.ts';
import { ApiError } from '../errors.ts';
import { ChannelSchema, ErrorRef, errorResponses, Id, IdParams } from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const Gateway = Type.Object({
  id: Id,
  name: Type.String(),
  kind: Type.String(),
  channel: ChannelSchema,
  priority: Type.Integer(),
  enabled: Type.Boolean(),
  callbackUrl: Type.String({ description: 'give this to the provider for delivery reports' }),
});

export const gatewayRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db, config } = deps;
    const callbackUrl = (id: number) => `${config.publicUrl}/api/v1/callbacks/${id}`;

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
        return { items: rows.map((g) => ({ ...g, callbackUrl: callbackUrl(g.id) })) };
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
          if (applied.campaigns.length) await completeFinishedCampaigns(db, applied.campaigns);
          return { accepted: parsed.reports.length, changed: applied.changed };
        },
      );
    }
  };

/**
 * Operators' control of running campaigns and single messages (SD-1): pause, resume, close by force;
 * exclude, edit or send one message on its own.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { normalizeChatId, normalizeEmail, normalizePhone } from '../../core/address.ts';
import { makePricer } from '../../core/price.ts';
import { getCampaign } from '../../store/campaigns.ts';
import {
  closeCampaign,
  editMessage,
  excludeMessage,
  pauseCampaign,
  resumeCampaign,
  sendMessageNow,
} from '../../store/control.ts';
import { getMessage } from '../../store/messages.ts';
import { listTariffs } from '../../store/tariffs.ts';
import { who } from '../auth.ts';
import { ApiError, invalid, notFound } from '../errors.ts';
import { Campaign, errorResponses, IdParams, Message } from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const conflict = errorResponses[400];

export const controlRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db } = deps;

    const campaignAction = (
      verb: 'pause' | 'resume' | 'close',
      summary: string,
      from: string,
      act: typeof pauseCampaign,
    ) =>
      app.post(
        `/api/v1/campaigns/:id/${verb}`,
        {
          config: { permission: 'campaigns.launch' },
          schema: {
            tags: ['campaigns'],
            summary,
            params: IdParams,
            response: { 200: Campaign, ...errorResponses, 409: conflict },
          },
        },
        async (req) => {
          const orgId = who(req).orgId;
          const r = await act(db, orgId, req.params.id);
          if (r === 'not_found') throw notFound(`campaign ${req.params.id}`);
          if (r !== 'ok')
            throw new ApiError(
              409,
              'wrong_state',
              `campaign ${req.params.id} is ${r.wrongState}; it must be ${from}`,
            );
          if (verb === 'resume') deps.dispatcher?.wake();
          return (await getCampaign(db, orgId, req.params.id))!;
        },
      );
    campaignAction('pause', 'Pause: waiting messages stay until resumed', 'sending', pauseCampaign);
    campaignAction('resume', 'Resume a paused campaign', 'paused', resumeCampaign);
    campaignAction(
      'close',
      'Close by force: what has not gone is excluded, the reservation released',
      'sending or paused',
      closeCampaign,
    );

    const busy = (id: number) =>
      new ApiError(409, 'busy', `message ${id} has gone to the gateway already (or is being sent now)`);

    app.post(
      '/api/v1/messages/:id/exclude',
      {
        config: { permission: 'campaigns.launch' },
        schema: {
          tags: ['messages'],
          summary: 'Exclude one message that has not gone yet',
          params: IdParams,
          querystring: Type.Object({
            reason: Type.Optional(Type.String({ maxLength: 500, description: 'why, for the report' })),
          }),
          response: { 200: Message, ...errorResponses, 409: conflict },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        const r = await excludeMessage(
          db,
          orgId,
          req.params.id,
          req.query.reason?.trim() || 'excluded by the operator',
        );
        if (r === 'not_found') throw notFound(`message ${req.params.id}`);
        if (r === 'busy') throw busy(req.params.id);
        return (await getMessage(db, orgId, req.params.id))!;
      },
    );

    app.patch(
      '/api/v1/messages/:id',
      {
        config: { permission: 'campaigns.launch' },
        schema: {
          tags: ['messages'],
          summary: 'Correct the address or the text of a message that has not gone yet',
          params: IdParams,
          body: Type.Object(
            {
              to: Type.Optional(Type.String({ maxLength: 254 })),
              text: Type.Optional(Type.String({ minLength: 1, maxLength: 10_000 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Message, ...errorResponses, 409: conflict },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        const m = await getMessage(db, orgId, req.params.id);
        if (!m) throw notFound(`message ${req.params.id}`);
        let address = m.address;
        if (req.body.to !== undefined) {
          const norm =
            m.channel === 'sms' ? normalizePhone : m.channel === 'email' ? normalizeEmail : normalizeChatId;
          const a = norm(req.body.to, 'to');
          if (!a.ok) throw invalid([a.problem]);
          address = a.value;
        }
        const body = req.body.text ?? m.body;
        const priced = makePricer(await listTariffs(db, orgId))(m.channel, address, body);
        const r = await editMessage(db, orgId, m.id, {
          address,
          body,
          segments: priced.segments,
          priceKopecks: priced.priceKopecks,
        });
        if (r === 'busy') throw busy(m.id);
        return (await getMessage(db, orgId, m.id))!;
      },
    );

    app.post(
      '/api/v1/messages/:id/send',
      {
        config: { permission: 'campaigns.launch' },
        schema: {
          tags: ['messages'],
          summary: 'Send one message now, on its own (of a paused campaign, or one that was excluded)',
          params: IdParams,
          response: { 200: Message, ...errorResponses, 409: conflict },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        const r = await sendMessageNow(db, orgId, req.params.id);
        if (r === 'not_found') throw notFound(`message ${req.params.id}`);
        if (r === 'busy') throw busy(req.params.id);
        deps.dispatcher?.wake();
        return (await getMessage(db, orgId, req.params.id))!;
      },
    );
  };

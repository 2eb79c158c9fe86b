/** Campaigns: create, edit while a draft, launch, cancel, and read their messages (SD-1, RP-1). */

import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { CategorySchema } from '../../core/audience/audience.ts';
import type { FieldProblem } from '../../core/result.ts';
import { launchCampaign } from '../../dispatch/launch.ts';
import { checkAudience } from '../../services/audience.ts';
import { checkTemplate, storedTemplate } from '../../services/campaigns.ts';
import {
  type Audience as AudienceValue,
  cancelCampaign,
  countMessagesByState,
  getCampaign,
  insertCampaign,
  listCampaigns,
  updateDraftCampaign,
} from '../../store/campaigns.ts';
import type { Db } from '../../store/db.ts';
import { listCampaignMessages } from '../../store/messages.ts';
import { who } from '../auth.ts';
import { ApiError, invalid, notFound } from '../errors.ts';
import {
  Audience,
  Campaign,
  ChannelSchema,
  errorResponses,
  Id,
  IdParams,
  Message,
  MessageStateSchema,
  Nullable,
  Page,
} from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const CampaignBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    channel: ChannelSchema,
    textTemplate: Type.String({
      maxLength: 20_000,
      description: 'Liquid, e.g. `Уважаемый {{ contact.name }}, долг {{ debt }} руб.`',
    }),
    subject: Type.Optional(Type.String({ maxLength: 500, description: 'e-mail subject (Liquid)' })),
    audience: Audience,
    category: Type.Optional(CategorySchema),
    sender: Type.Optional(
      Nullable(Type.String({ maxLength: 11, description: 'SMS sender name, approved with the gateway' })),
    ),
    transliterate: Type.Optional(
      Type.Boolean({ description: 'send Cyrillic as Latin letters (cheaper: GSM-7)' }),
    ),
  },
  { additionalProperties: false },
);

const Counts = Type.Record(Type.String(), Type.Integer(), { description: 'messages by state' });
const CampaignWithCounts = Type.Intersect([Campaign, Type.Object({ counts: Counts })]);

async function audienceProblems(
  db: Db,
  orgId: number,
  audience: AudienceValue | undefined,
): Promise<FieldProblem[]> {
  return audience ? checkAudience(db, orgId, audience) : [];
}

function contentProblems(body: {
  channel?: string;
  textTemplate?: string;
  subject?: string;
}): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (body.textTemplate !== undefined) problems.push(...checkTemplate(body.textTemplate, 'textTemplate'));
  if (body.subject !== undefined) problems.push(...checkTemplate(body.subject, 'subject'));
  if (body.channel === 'email' && body.subject === undefined) {
    problems.push({ field: 'subject', value: null, message: 'an e-mail campaign needs a subject' });
  }
  return problems;
}

/** The seeds' placeholders in the texts become Liquid on save (CT-1). */
function withStoredTemplates<T extends { textTemplate?: string; subject?: string | null }>(body: T): T {
  return {
    ...body,
    ...(body.textTemplate !== undefined ? { textTemplate: storedTemplate(body.textTemplate) } : {}),
    ...(typeof body.subject === 'string' ? { subject: storedTemplate(body.subject) } : {}),
  };
}

export const campaignRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db } = deps;
    const tags = ['campaigns'];

    app.get(
      '/api/v1/campaigns',
      {
        schema: {
          tags,
          summary: 'List campaigns, newest first',
          querystring: Type.Object({
            before: Type.Optional(Id),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          }),
          response: { 200: Page(Campaign), ...errorResponses },
        },
      },
      async (req) => {
        const limit = req.query.limit ?? 50;
        const items = await listCampaigns(db, who(req).orgId, {
          beforeId: req.query.before ?? Number.MAX_SAFE_INTEGER,
          limit,
        });
        return { items, nextCursor: items.length === limit ? items[items.length - 1]!.id : null };
      },
    );

    app.post(
      '/api/v1/campaigns',
      {
        config: { permission: 'campaigns.write' },
        schema: {
          tags,
          summary: 'Create a draft campaign',
          body: CampaignBody,
          response: { 201: Campaign, ...errorResponses },
        },
      },
      async (req, reply) => {
        const p = who(req);
        const problems = [
          ...contentProblems(req.body),
          ...(await audienceProblems(db, p.orgId, req.body.audience)),
        ];
        if (problems.length) throw invalid(problems);
        return reply
          .status(201)
          .send(await insertCampaign(db, p.orgId, withStoredTemplates(req.body), p.initiator));
      },
    );

    app.get(
      '/api/v1/campaigns/:id',
      {
        schema: {
          tags,
          summary: 'A campaign with its messages counted by state',
          params: IdParams,
          response: { 200: CampaignWithCounts, ...errorResponses },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        const c = await getCampaign(db, orgId, req.params.id);
        if (!c) throw notFound(`campaign ${req.params.id}`);
        return { ...c, counts: await countMessagesByState(db, orgId, c.id) };
      },
    );

    app.patch(
      '/api/v1/campaigns/:id',
      {
        config: { permission: 'campaigns.write' },
        schema: {
          tags,
          summary: 'Edit a draft campaign',
          params: IdParams,
          // Partial and Omit drop `additionalProperties: false`; an unknown field must still be refused.
          body: Type.Partial(Type.Omit(CampaignBody, ['channel']), { additionalProperties: false }),
          response: { 200: Campaign, ...errorResponses, 409: errorResponses[400] },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        const problems = [
          ...contentProblems(req.body),
          ...(await audienceProblems(db, orgId, req.body.audience)),
        ];
        if (problems.length) throw invalid(problems);
        const r = await updateDraftCampaign(db, orgId, req.params.id, withStoredTemplates(req.body));
        if (r === 'not_found') throw notFound(`campaign ${req.params.id}`);
        if (r === 'not_draft') throw new ApiError(409, 'not_draft', 'only a draft campaign can be edited');
        return r;
      },
    );

    app.post(
      '/api/v1/campaigns/:id/launch',
      {
        config: { permission: 'campaigns.launch' },
        schema: {
          tags,
          summary:
            'Launch: render, price and queue one message per recipient, reserving the cost on the balance',
          params: IdParams,
          response: {
            200: Type.Object({
              queued: Type.Integer(),
              excluded: Type.Integer(),
              costKopecks: Type.Integer({ description: 'reserved on the balance' }),
              completed: Type.Boolean(),
            }),
            ...errorResponses,
            402: errorResponses[400],
            409: errorResponses[400],
          },
        },
      },
      async (req) => {
        const p = who(req);
        const r = await launchCampaign(db, p.orgId, req.params.id, p.initiator);
        if (!r.ok) {
          const status =
            r.code === 'not_found'
              ? 404
              : r.code === 'insufficient_balance'
                ? 402
                : r.code === 'bad_audience'
                  ? 400
                  : 409;
          throw new ApiError(status, r.code, r.message, r.details);
        }
        deps.dispatcher?.wake();
        return { queued: r.queued, excluded: r.excluded, costKopecks: r.costKopecks, completed: r.completed };
      },
    );

    app.post(
      '/api/v1/campaigns/:id/cancel',
      {
        config: { permission: 'campaigns.launch' },
        schema: {
          tags,
          summary: 'Cancel: messages not yet sent are excluded',
          params: IdParams,
          response: { 200: Campaign, ...errorResponses, 409: errorResponses[400] },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        const r = await cancelCampaign(db, orgId, req.params.id);
        if (r === 'not_found') throw notFound(`campaign ${req.params.id}`);
        if (r === 'finished') throw new ApiError(409, 'finished', 'the campaign has finished already');
        return (await getCampaign(db, orgId, req.params.id))!;
      },
    );

    app.get(
      '/api/v1/campaigns/:id/messages',
      {
        schema: {
          tags,
          summary: "The campaign's messages, one per recipient",
          params: IdParams,
          querystring: Type.Object({
            after: Type.Optional(Type.Integer({ minimum: 0 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            state: Type.Optional(MessageStateSchema),
          }),
          response: { 200: Page(Message), ...errorResponses },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        if (!(await getCampaign(db, orgId, req.params.id))) throw notFound(`campaign ${req.params.id}`);
        const limit = req.query.limit ?? 100;
        const items = await listCampaignMessages(db, orgId, req.params.id, {
          afterId: req.query.after ?? 0,
          limit,
          state: req.query.state,
        });
        return { items, nextCursor: items.length === limit ? items[items.length - 1]!.id : null };
      },
    );
  };

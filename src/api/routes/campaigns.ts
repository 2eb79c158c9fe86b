/** Campaigns: create, edit while a draft, launch, cancel, and read their messages (SD-1, RP-1). */

import type { FastifyPluginAsync } from 'fastify';
import { type Static, Type } from 'typebox';
import { CategorySchema } from '../../core/audience/audience.ts';
import type { AttachmentSpec } from '../../core/content.ts';
import type { FieldProblem } from '../../core/result.ts';
import { checkRecurrence } from '../../core/schedule/plan.ts';
import type { Channel } from '../../core/states.ts';
import { launchCampaign } from '../../dispatch/launch.ts';
import { checkAudience } from '../../services/audience.ts';
import { type ContentInput, campaignContent, mergeContent } from '../../services/campaigns.ts';
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
import { getOrg } from '../../store/orgs.ts';
import { who } from '../auth.ts';
import { ApiError, invalid, notFound } from '../errors.ts';
import {
  Attachments,
  Audience,
  Campaign,
  CampaignTexts,
  ChannelSchema,
  DedupKeySchema,
  EconomyPlan,
  EmptyPolicy,
  errorResponses,
  Id,
  IdParams,
  Message,
  MessageStateSchema,
  ModeSchema,
  Nullable,
  Page,
  Recurrence,
  Schedule,
} from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const CampaignBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    channel: ChannelSchema,
    textTemplate: Type.Optional(
      Type.String({
        maxLength: 500_000,
        description:
          "the primary channel's text (HTML for e-mail), Liquid, e.g. `Уважаемый {{ contact.name }}, долг {{ debt }} руб.`; or give texts",
      }),
    ),
    subject: Type.Optional(Type.String({ maxLength: 500, description: 'e-mail subject (Liquid)' })),
    texts: Type.Optional(CampaignTexts),
    emptyPolicy: Type.Optional(EmptyPolicy),
    attachments: Type.Optional(Attachments),
    audience: Audience,
    category: Type.Optional(CategorySchema),
    sender: Type.Optional(
      Nullable(Type.String({ maxLength: 11, description: 'SMS sender name, approved with the gateway' })),
    ),
    transliterate: Type.Optional(
      Type.Boolean({ description: 'send Cyrillic as Latin letters (cheaper: GSM-7)' }),
    ),
    mode: Type.Optional(ModeSchema),
    collection: Type.Optional(Type.Boolean({ description: 'debt collection: 230-FZ hours and caps apply' })),
    schedule: Type.Optional(Nullable(Schedule)),
    recurrence: Type.Optional(Nullable(Recurrence)),
    dedupKey: Type.Optional(Nullable(DedupKeySchema)),
  },
  { additionalProperties: false },
);

/** A mode that cannot work with the channel, a schedule with a recurrence, a broken rule. */
function timingProblems(
  channel: Channel,
  body: Partial<Static<typeof CampaignBody>>,
  zone: string,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (body.mode === 'urgent' && channel !== 'sms')
    problems.push({
      field: 'mode',
      value: body.mode,
      message: 'urgent mode sends SMS: the channel must be sms',
    });
  if (body.schedule && body.recurrence)
    problems.push({
      field: 'schedule',
      value: body.schedule,
      message: 'give a schedule or a recurrence, not both',
    });
  if (body.recurrence) {
    const p = checkRecurrence(body.recurrence, zone);
    if (p) problems.push({ field: 'recurrence', value: body.recurrence, message: p });
  }
  return problems;
}

const Counts = Type.Record(Type.String(), Type.Integer(), { description: 'messages by state' });
const CampaignWithCounts = Type.Intersect([Campaign, Type.Object({ counts: Counts })]);

async function audienceProblems(
  db: Db,
  orgId: number,
  audience: AudienceValue | undefined,
): Promise<FieldProblem[]> {
  return audience ? checkAudience(db, orgId, audience) : [];
}

/** The body's texts checked and stored (CH-6), or its problems; files go only with e-mail (CT-4). */
function content(channel: Channel, body: ContentInput & { attachments?: AttachmentSpec }) {
  const c = campaignContent(channel, body);
  const problems: FieldProblem[] = c.ok ? [] : [...c.problems];
  const a = body.attachments;
  if (a && channel !== 'email' && (a.documentIds.length > 0 || a.perRecipient))
    problems.push({
      field: 'attachments',
      value: a,
      message: `only an e-mail carries files, not ${channel}`,
    });
  return c.ok && problems.length === 0 ? { problems, value: c.value } : { problems, value: null };
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
        const texts = content(req.body.channel, req.body);
        const zone = (await getOrg(db, p.orgId))!.timeZone;
        const problems = [
          ...texts.problems,
          ...timingProblems(req.body.channel, req.body, zone),
          ...(await audienceProblems(db, p.orgId, req.body.audience)),
        ];
        if (problems.length || !texts.value) throw invalid(problems);
        return reply
          .status(201)
          .send(await insertCampaign(db, p.orgId, { ...req.body, ...texts.value }, p.initiator));
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
        const existing = await getCampaign(db, orgId, req.params.id);
        if (!existing) throw notFound(`campaign ${req.params.id}`);
        const { textTemplate, subject, texts: _texts, ...rest } = req.body;
        const edited =
          textTemplate !== undefined ||
          subject !== undefined ||
          req.body.texts !== undefined ||
          req.body.attachments !== undefined;
        const texts = edited ? content(existing.channel, mergeContent(existing, req.body)) : null;
        const zone = (await getOrg(db, orgId))!.timeZone;
        const problems = [
          ...(texts?.problems ?? []),
          ...timingProblems(existing.channel, { mode: existing.mode, ...req.body }, zone),
          ...(await audienceProblems(db, orgId, req.body.audience)),
        ];
        if (problems.length) throw invalid(problems);
        const r = await updateDraftCampaign(db, orgId, req.params.id, { ...rest, ...texts?.value });
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
              plan: Type.Optional(EconomyPlan),
              scheduledFor: Type.Optional(
                Type.Unsafe<Date>({
                  type: 'string',
                  format: 'date-time',
                  description: 'armed, not sent: when it runs',
                }),
              ),
            }),
            ...errorResponses,
            402: errorResponses[400],
            409: errorResponses[400],
          },
        },
      },
      async (req) => {
        const p = who(req);
        const r = await launchCampaign(db, p.orgId, req.params.id, p.initiator, deps.config);
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
        return {
          queued: r.queued,
          excluded: r.excluded,
          costKopecks: r.costKopecks,
          completed: r.completed,
          ...(r.plan ? { plan: r.plan } : {}),
          ...(r.scheduledFor ? { scheduledFor: r.scheduledFor } : {}),
        };
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

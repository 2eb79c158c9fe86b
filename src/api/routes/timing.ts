/**
 * When messages go (issue 7) through the API: the organisation's delivery settings (window, urgent
 * rate, economy capacity, the cascade's waits, a general cap), automations (SD-5), the runs of a
 * recurring campaign, and why any message is due when it is (item 8).
 */
import type { FastifyPluginAsync } from 'fastify';
import { DateTime as Luxon } from 'luxon';
import { Type } from 'typebox';
import { checkWindow } from '../../core/schedule/window.ts';
import { createAutomation } from '../../services/automations.ts';
import { countMessagesByState, getCampaign } from '../../store/campaigns.ts';
import { type DeliverySettings, getOrg, updateDeliverySettings } from '../../store/orgs.ts';
import { explainMessage, listRuns } from '../../store/timing.ts';
import { who } from '../auth.ts';
import { ApiError, invalid, notFound } from '../errors.ts';
import {
  AutomationSchema,
  Campaign,
  ChannelSchema,
  DateTime,
  errorResponses,
  Id,
  IdParams,
  ModeSchema,
  Nullable,
} from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const Time = (description: string) =>
  Type.String({ pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$', description });

const Delivery = Type.Object(
  {
    windowStart: Time("the daytime window's start in each recipient's local time"),
    windowEnd: Time("the daytime window's end (24:00: until midnight)"),
    urgentPerMinute: Type.Integer({ minimum: 1, maximum: 6000, description: 'urgent mode: SMS a minute' }),
    economyDailyCapacity: Type.Integer({
      minimum: 1,
      description: 'economy mode: messages a day per gateway',
    }),
    messengerWaitSeconds: Type.Integer({
      minimum: 1,
      description: 'the cascade: how long the messenger has',
    }),
    economyMessengerWaitSeconds: Type.Integer({ minimum: 1, description: 'the same, in economy mode' }),
    dailyCapPerRecipient: Nullable(
      Type.Integer({ minimum: 1, description: 'at most this many messages per recipient and local day' }),
    ),
  },
  { additionalProperties: false },
);

const pick = (o: DeliverySettings): DeliverySettings => ({
  windowStart: o.windowStart,
  windowEnd: o.windowEnd,
  urgentPerMinute: o.urgentPerMinute,
  economyDailyCapacity: o.economyDailyCapacity,
  messengerWaitSeconds: o.messengerWaitSeconds,
  economyMessengerWaitSeconds: o.economyMessengerWaitSeconds,
  dailyCapPerRecipient: o.dailyCapPerRecipient,
});

const AutomationBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    automation: AutomationSchema,
    channel: Type.Optional(ChannelSchema),
    mode: Type.Optional(ModeSchema),
    textTemplate: Type.Optional(Type.String({ maxLength: 10_000, description: 'instead of the ready text' })),
    at: Type.Optional(Time("when it runs each day, in the organisation's zone (default 10:00)")),
  },
  { additionalProperties: false },
);

const Timing = Type.Object({
  id: Id,
  state: Type.String(),
  channel: ChannelSchema,
  dueAt: Nullable(DateTime),
  dueLocal: Nullable(Type.String({ description: "the due time on the recipient's clock" })),
  zone: Nullable(Type.String()),
  windowed: Type.Boolean(),
  collection: Type.Boolean(),
  attempts: Type.Integer(),
  explanation: Type.String({ description: 'why it is due when it is, in words' }),
  cascade: Nullable(
    Type.Object({
      role: Type.Union([Type.Literal('messenger_first'), Type.Literal('sms_fallback')]),
      otherId: Id,
      otherState: Type.String(),
    }),
  ),
});

export const timingRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db } = deps;
    const tags = ['timing'];

    app.get(
      '/api/v1/org/delivery',
      { schema: { tags, summary: 'When messages may go', response: { 200: Delivery, ...errorResponses } } },
      async (req) => pick((await getOrg(db, who(req).orgId))!),
    );

    app.patch(
      '/api/v1/org/delivery',
      {
        config: { permission: 'gateways.manage' },
        schema: {
          tags,
          summary: 'Change when messages may go',
          body: Type.Partial(Delivery, { additionalProperties: false }),
          response: { 200: Delivery, ...errorResponses },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        const org = (await getOrg(db, orgId))!;
        const w = {
          start: req.body.windowStart ?? org.windowStart,
          end: req.body.windowEnd ?? org.windowEnd,
        };
        const problem = checkWindow(w);
        if (problem) throw invalid([{ field: 'windowStart', value: w, message: problem }]);
        return pick((await updateDeliverySettings(db, orgId, req.body))!);
      },
    );

    app.post(
      '/api/v1/automations',
      {
        config: { permission: 'campaigns.launch' },
        schema: {
          tags,
          summary: 'An automation: a recurring campaign with a ready filter, text and duplicate key, armed',
          body: AutomationBody,
          response: { 201: Campaign, ...errorResponses },
        },
      },
      async (req, reply) => {
        const p = who(req);
        const r = await createAutomation(db, p.orgId, req.body, p.initiator, deps.config);
        if (!r.ok) {
          if (r.problems) throw invalid(r.problems);
          throw new ApiError(400, r.code, r.message);
        }
        return reply.status(201).send(r.campaign);
      },
    );

    app.get(
      '/api/v1/campaigns/:id/runs',
      {
        schema: {
          tags,
          summary: "A recurring campaign's runs, newest first, each with its own counts",
          params: IdParams,
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  id: Id,
                  name: Type.String(),
                  state: Type.String(),
                  launchedAt: Nullable(DateTime),
                  counts: Type.Record(Type.String(), Type.Integer()),
                }),
              ),
            }),
            ...errorResponses,
          },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        if (!(await getCampaign(db, orgId, req.params.id))) throw notFound(`campaign ${req.params.id}`);
        const runs = await listRuns(db, orgId, req.params.id);
        const items = [];
        for (const r of runs) items.push({ ...r, counts: await countMessagesByState(db, orgId, r.id) });
        return { items };
      },
    );

    app.get(
      '/api/v1/messages/:id/timing',
      {
        schema: {
          tags,
          summary: 'Why a message is due when it is: window, cap, economy slot, cascade, retry',
          params: IdParams,
          response: { 200: Timing, ...errorResponses },
        },
      },
      async (req) => {
        const t = await explainMessage(db, who(req).orgId, req.params.id);
        if (!t) throw notFound(`message ${req.params.id}`);
        const dueLocal =
          t.dueAt && t.zone
            ? Luxon.fromJSDate(t.dueAt, { zone: t.zone }).toFormat('yyyy-MM-dd HH:mm:ss ZZ')
            : null;
        return { ...t, dueLocal };
      },
    );
  };

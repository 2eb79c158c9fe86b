/**
 * Money and what decides it (BL-1 … BL-4, CT-3, CT-5): the balance and its ledger, top-ups, the
 * period report, tariffs, sender names, SMS inspection and a campaign's cost estimate.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { formatRoubles } from '../../core/pricing.ts';
import { sanitizeDisplayName, validateSmsSender } from '../../core/senders.ts';
import { inspectSms } from '../../core/sms/segments.ts';
import { transliterate } from '../../core/sms/translit.ts';
import { estimateCampaign } from '../../services/estimate.ts';
import { listGateways } from '../../store/gateways.ts';
import { getBalance, topUp } from '../../store/ledger.ts';
import { listLedger, periodReport, periodReportCsv } from '../../store/reports.ts';
import { decideSender, deleteSender, insertSender, listSenders } from '../../store/senders.ts';
import { deleteTariff, listTariffs, setTariff } from '../../store/tariffs.ts';
import { who } from '../auth.ts';
import { ApiError, invalid, notFound } from '../errors.ts';
import {
  ChannelSchema,
  DateTime,
  EconomyPlan,
  errorResponses,
  Id,
  IdParams,
  Nullable,
  Page,
  StringEnum,
} from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const Money = Type.Integer({ description: 'kopecks (1 rouble = 100)' });
const Balance = Type.Object({
  balanceKopecks: Money,
  reservedKopecks: Money,
  availableKopecks: Money,
  available: Type.String({ description: 'the available balance as people read it, e.g. «1 234,50 ₽»' }),
});
const LedgerEntry = Type.Object({
  id: Id,
  kind: StringEnum(['topup', 'reserve', 'charge', 'release'] as const),
  amountKopecks: Type.Integer({ description: 'effect on the balance' }),
  reservedDeltaKopecks: Type.Integer({ description: 'effect on the reservations' }),
  campaignId: Nullable(Id),
  messageId: Nullable(Id),
  comment: Type.String(),
  initiator: Type.String(),
  createdAt: DateTime,
});
const Tariff = Type.Object({
  id: Id,
  channel: ChannelSchema,
  country: Type.String({
    pattern: '^([A-Z]{2}|\\*)$',
    description: 'ISO 3166 code from the phone number, or * for any',
  }),
  operator: Nullable(Type.String({ maxLength: 100 })),
  priceKopecks: Type.Integer({
    minimum: 0,
    maximum: 1_000_000,
    description: 'per SMS segment; per message for other channels',
  }),
});
const Sender = Type.Object({
  id: Id,
  gatewayId: Id,
  name: Type.String(),
  state: StringEnum(['requested', 'approved', 'rejected'] as const),
  reason: Nullable(Type.String()),
  createdAt: DateTime,
  decidedAt: Nullable(DateTime),
});
const SmsInfo = Type.Object({
  encoding: StringEnum(['GSM-7', 'UCS-2'] as const),
  characters: Type.Integer({ description: 'as billed: septets in GSM-7, UTF-16 units in UCS-2' }),
  segments: Type.Integer(),
  parts: Type.Array(Type.String()),
  text: Type.String({ description: 'the text inspected (after transliteration, if asked)' }),
});

const withFormatted = (b: { balanceKopecks: number; reservedKopecks: number; availableKopecks: number }) => ({
  ...b,
  available: formatRoubles(b.availableKopecks),
});

export const billingRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db } = deps;

    app.get(
      '/api/v1/balance',
      {
        schema: {
          tags: ['balance'],
          summary: 'The prepaid balance, what is reserved and what is available',
          response: { 200: Balance, ...errorResponses },
        },
      },
      async (req) => withFormatted(await getBalance(db, who(req).orgId)),
    );

    app.post(
      '/api/v1/balance/topups',
      {
        config: { permission: 'balance.topup' },
        schema: {
          tags: ['balance'],
          summary: 'Add money to the balance (owner and admin)',
          body: Type.Object(
            {
              amountKopecks: Type.Integer({ minimum: 1, maximum: 100_000_000_00 }),
              comment: Type.Optional(Type.String({ maxLength: 500 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Balance, ...errorResponses },
        },
      },
      async (req) => {
        const p = who(req);
        const b = await db.transaction((tx) =>
          topUp(tx, p.orgId, req.body.amountKopecks, req.body.comment ?? '', p.initiator),
        );
        return withFormatted(b);
      },
    );

    app.get(
      '/api/v1/ledger',
      {
        schema: {
          tags: ['balance'],
          summary: 'Every change of the balance, newest first',
          querystring: Type.Object({
            before: Type.Optional(Id),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            kind: Type.Optional(StringEnum(['topup', 'reserve', 'charge', 'release'] as const)),
          }),
          response: { 200: Page(LedgerEntry), ...errorResponses },
        },
      },
      async (req) => {
        const limit = req.query.limit ?? 100;
        const items = await listLedger(db, who(req).orgId, {
          beforeId: req.query.before ?? Number.MAX_SAFE_INTEGER,
          limit,
          kind: req.query.kind,
        });
        return { items, nextCursor: items.length === limit ? items[items.length - 1]!.id : null };
      },
    );

    app.get(
      '/api/v1/balance/report',
      {
        schema: {
          tags: ['balance'],
          summary:
            'For a period: balance at the start, bought, cost of what was sent, remainder, messages sent',
          querystring: Type.Object({
            from: Type.String({ format: 'date', description: 'first day, YYYY-MM-DD (UTC)' }),
            to: Type.String({ format: 'date', description: 'last day, included' }),
            format: Type.Optional(StringEnum(['json', 'csv'] as const)),
          }),
          response: {
            200: Type.Object({
              from: DateTime,
              to: DateTime,
              openingKopecks: Money,
              boughtKopecks: Money,
              spentKopecks: Money,
              closingKopecks: Money,
              messagesSent: Type.Integer(),
            }),
            ...errorResponses,
          },
        },
      },
      async (req, reply) => {
        const from = new Date(`${req.query.from}T00:00:00Z`);
        const to = new Date(`${req.query.to}T00:00:00Z`);
        if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
          throw invalid([
            { field: 'from', value: req.query.from, message: 'from and to must be dates, YYYY-MM-DD' },
          ]);
        }
        to.setUTCDate(to.getUTCDate() + 1);
        if (to <= from) throw invalid([{ field: 'to', value: req.query.to, message: 'is before from' }]);
        const report = await periodReport(db, who(req).orgId, from, to);
        if (req.query.format === 'csv') {
          return (reply as unknown as import('fastify').FastifyReply)
            .header('content-type', 'text/csv; charset=utf-8')
            .header(
              'content-disposition',
              `attachment; filename="sms-report-${req.query.from}-${req.query.to}.csv"`,
            )
            .send(periodReportCsv(report));
        }
        return report;
      },
    );

    app.get(
      '/api/v1/tariffs',
      {
        schema: {
          tags: ['balance'],
          summary:
            "The organisation's tariffs; where it has none, the defaults apply (0.30 RUB per SMS segment)",
          response: { 200: Type.Object({ items: Type.Array(Tariff) }), ...errorResponses },
        },
      },
      async (req) => ({ items: await listTariffs(db, who(req).orgId) }),
    );

    app.put(
      '/api/v1/tariffs',
      {
        config: { permission: 'balance.topup' },
        schema: {
          tags: ['balance'],
          summary: 'Set the price for a channel, country and (optionally) operator',
          body: Type.Object(
            {
              channel: ChannelSchema,
              country: Type.String({
                pattern: '^([A-Z]{2}|\\*)$',
                description: 'ISO 3166 code, or * for any',
              }),
              operator: Type.Optional(
                Nullable(
                  Type.String({
                    minLength: 1,
                    maxLength: 100,
                    description: 'as the gateway reports it; omit for any',
                  }),
                ),
              ),
              priceKopecks: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
            },
            { additionalProperties: false },
          ),
          response: { 200: Tariff, ...errorResponses },
        },
      },
      async (req) => setTariff(db, who(req).orgId, { ...req.body, operator: req.body.operator ?? null }),
    );

    app.delete(
      '/api/v1/tariffs/:id',
      {
        config: { permission: 'balance.topup' },
        schema: {
          tags: ['balance'],
          summary: 'Remove a tariff',
          params: IdParams,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (req, reply) => {
        if (!(await deleteTariff(db, who(req).orgId, req.params.id)))
          throw notFound(`tariff ${req.params.id}`);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/v1/senders',
      {
        schema: {
          tags: ['senders'],
          summary: 'Sender names and their approval state per gateway',
          response: { 200: Type.Object({ items: Type.Array(Sender) }), ...errorResponses },
        },
      },
      async (req) => ({ items: await listSenders(db, who(req).orgId) }),
    );

    app.post(
      '/api/v1/senders',
      {
        config: { permission: 'gateways.manage' },
        schema: {
          tags: ['senders'],
          summary: 'Register a sender name with a gateway (state «requested» until approved)',
          body: Type.Object(
            { gatewayId: Id, name: Type.String({ maxLength: 200 }) },
            { additionalProperties: false },
          ),
          response: { 201: Sender, ...errorResponses, 409: errorResponses[400] },
        },
      },
      async (req, reply) => {
        const orgId = who(req).orgId;
        const gateway = (await listGateways(db, orgId)).find((g) => g.id === req.body.gatewayId);
        if (!gateway) throw notFound(`gateway ${req.body.gatewayId}`);
        const name =
          gateway.channel === 'email'
            ? sanitizeDisplayName(req.body.name, 'name')
            : validateSmsSender(req.body.name);
        if (!name.ok) throw invalid([name.problem]);
        const s = await insertSender(db, orgId, gateway.id, name.value);
        if (s === 'gateway_not_found') throw notFound(`gateway ${req.body.gatewayId}`);
        if (s === 'exists')
          throw new ApiError(
            409,
            'conflict',
            `sender name ${name.value} is registered with this gateway already`,
          );
        return reply.status(201).send(s);
      },
    );

    app.patch(
      '/api/v1/senders/:id',
      {
        config: { permission: 'gateways.manage' },
        schema: {
          tags: ['senders'],
          summary: 'Record the gateway’s decision on a sender name',
          params: IdParams,
          body: Type.Object(
            {
              state: StringEnum(['requested', 'approved', 'rejected'] as const),
              reason: Type.Optional(Type.String({ maxLength: 500 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Sender, ...errorResponses },
        },
      },
      async (req) => {
        const s = await decideSender(
          db,
          who(req).orgId,
          req.params.id,
          req.body.state,
          req.body.reason ?? null,
        );
        if (!s) throw notFound(`sender name ${req.params.id}`);
        return s;
      },
    );

    app.delete(
      '/api/v1/senders/:id',
      {
        config: { permission: 'gateways.manage' },
        schema: {
          tags: ['senders'],
          summary: 'Remove a sender name',
          params: IdParams,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (req, reply) => {
        if (!(await deleteSender(db, who(req).orgId, req.params.id)))
          throw notFound(`sender name ${req.params.id}`);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/v1/sms/inspect',
      {
        schema: {
          tags: ['sms'],
          summary: 'Encoding, billed characters, segments and parts of an SMS text',
          body: Type.Object(
            { text: Type.String({ maxLength: 100_000 }), translit: Type.Optional(Type.Boolean()) },
            { additionalProperties: false },
          ),
          response: { 200: SmsInfo, ...errorResponses },
        },
      },
      async (req) => {
        const text = req.body.translit ? transliterate(req.body.text) : req.body.text;
        return { ...inspectSms(text), text };
      },
    );

    app.get(
      '/api/v1/campaigns/:id/estimate',
      {
        schema: {
          tags: ['campaigns'],
          summary:
            'Cost before launch: every recipient rendered and priced, totals, and the balance to compare',
          params: IdParams,
          querystring: Type.Object({
            detail: Type.Optional(
              Type.Integer({ minimum: 0, maximum: 1000, description: 'recipients listed in detail' }),
            ),
          }),
          response: {
            200: Type.Object({
              campaignId: Id,
              channel: ChannelSchema,
              messages: Type.Integer(),
              excluded: Type.Integer(),
              segments: Type.Object({
                total: Type.Integer(),
                min: Type.Integer(),
                max: Type.Integer(),
                average: Type.Number(),
              }),
              costKopecks: Money,
              cost: Type.String(),
              balance: Balance,
              fits: Type.Boolean({ description: 'the available balance covers the cost' }),
              excludedByReason: Type.Record(Type.String(), Type.Integer()),
              cascade: Type.Object(
                { messages: Type.Integer(), costKopecks: Money },
                {
                  description:
                    'recipients tried by messenger first, and what those messages cost (in costKopecks)',
                },
              ),
              plan: Nullable(EconomyPlan),
              recipients: Type.Array(
                Type.Object({
                  contactId: Id,
                  address: Type.String(),
                  state: Type.String(),
                  reason: Nullable(Type.String()),
                  encoding: Nullable(Type.String()),
                  segments: Type.Integer(),
                  priceKopecks: Money,
                  text: Type.String(),
                }),
              ),
            }),
            ...errorResponses,
          },
        },
      },
      async (req) => {
        const r = await estimateCampaign(
          db,
          who(req).orgId,
          req.params.id,
          req.query.detail ?? 100,
          deps.config,
        );
        if (!r.ok)
          throw r.code === 'not_found'
            ? notFound(`campaign ${req.params.id}`)
            : new ApiError(400, r.code, r.message);
        return {
          ...r.estimate,
          cost: formatRoubles(r.estimate.costKopecks),
          balance: withFormatted(r.estimate.balance),
        };
      },
    );
  };

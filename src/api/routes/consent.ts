/** Consent per contact, channel and category; the suppression list; unsubscribe (AC-4). */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { CategorySchema } from '../../core/audience/audience.ts';
import { normalizeAddress, suppressAddress } from '../../services/consent.ts';
import {
  grantConsent,
  listConsents,
  listSuppressions,
  SUPPRESSION_REASONS,
  unsuppress,
  withdrawConsent,
} from '../../store/consent.ts';
import { getContact } from '../../store/contacts.ts';
import { who } from '../auth.ts';
import { invalid, notFound } from '../errors.ts';
import { ChannelSchema, DateTime, errorResponses, IdParams, Nullable, StringEnum } from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const Consent = Type.Object({
  contactId: Type.Integer(),
  channel: ChannelSchema,
  category: CategorySchema,
  source: Type.String(),
  wording: Type.String(),
  grantedAt: DateTime,
  withdrawnAt: Nullable(DateTime),
});

const Suppression = Type.Object({
  channel: ChannelSchema,
  address: Type.String(),
  reason: StringEnum(SUPPRESSION_REASONS),
  note: Type.String(),
  createdBy: Type.String(),
  createdAt: DateTime,
});

const AddressBody = Type.Object(
  {
    channel: ChannelSchema,
    address: Type.String({ minLength: 1, maxLength: 254, description: 'phone, e-mail or chat id' }),
  },
  { additionalProperties: false },
);

export const consentRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db } = deps;
    const tags = ['consent'];

    app.get(
      '/api/v1/contacts/:id/consents',
      {
        schema: {
          tags,
          summary: "The contact's consents, granted and withdrawn",
          params: IdParams,
          response: { 200: Type.Object({ items: Type.Array(Consent) }), ...errorResponses },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        if (!(await getContact(db, orgId, req.params.id))) throw notFound(`contact ${req.params.id}`);
        return { items: await listConsents(db, orgId, req.params.id) };
      },
    );

    app.post(
      '/api/v1/contacts/:id/consents',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags,
          summary: 'Record a consent: channel, category, where it was given and the words agreed to',
          params: IdParams,
          body: Type.Object(
            {
              channel: ChannelSchema,
              category: CategorySchema,
              source: Type.String({
                minLength: 1,
                maxLength: 500,
                description: 'e.g. "web form, IP 1.2.3.4"',
              }),
              wording: Type.String({ minLength: 1, maxLength: 5000, description: 'the text consented to' }),
              grantedAt: Type.Optional(Type.String({ format: 'date-time' })),
            },
            { additionalProperties: false },
          ),
          response: { 201: Consent, ...errorResponses },
        },
      },
      async (req, reply) => {
        const { grantedAt, ...c } = req.body;
        const r = await grantConsent(db, who(req).orgId, {
          ...c,
          contactId: req.params.id,
          at: grantedAt ? new Date(grantedAt) : undefined,
        });
        if (!r) throw notFound(`contact ${req.params.id}`);
        return reply.status(201).send(r);
      },
    );

    app.post(
      '/api/v1/contacts/:id/consents/withdraw',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags,
          summary: 'Withdraw a consent (the record stays, with the time of withdrawal)',
          params: IdParams,
          body: Type.Object(
            { channel: ChannelSchema, category: CategorySchema },
            { additionalProperties: false },
          ),
          response: { 200: Consent, ...errorResponses },
        },
      },
      async (req) => {
        const r = await withdrawConsent(db, who(req).orgId, { ...req.body, contactId: req.params.id });
        if (!r)
          throw notFound(`a ${req.body.category} consent on ${req.body.channel} of contact ${req.params.id}`);
        return r;
      },
    );

    app.get(
      '/api/v1/suppressions',
      {
        schema: {
          tags,
          summary: 'The suppression list, a page at a time',
          querystring: Type.Object({
            channel: Type.Optional(ChannelSchema),
            after: Type.Optional(
              Type.String({ maxLength: 300, description: 'nextCursor of the previous page' }),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          }),
          response: {
            200: Type.Object({ items: Type.Array(Suppression), nextCursor: Nullable(Type.String()) }),
            ...errorResponses,
          },
        },
      },
      async (req) => {
        const limit = req.query.limit ?? 100;
        const items = await listSuppressions(db, who(req).orgId, { ...req.query, limit });
        const last = items[items.length - 1];
        return {
          items,
          nextCursor: items.length === limit && last ? `${last.channel} ${last.address}` : null,
        };
      },
    );

    app.post(
      '/api/v1/suppressions',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags,
          summary: 'Suppress an address: no message goes to it on the channel; queued ones are excluded',
          body: Type.Object(
            {
              ...AddressBody.properties,
              reason: Type.Optional(StringEnum(SUPPRESSION_REASONS)),
              note: Type.Optional(Type.String({ maxLength: 1000 })),
            },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({ suppression: Suppression, excludedMessages: Type.Integer() }),
            ...errorResponses,
          },
        },
      },
      async (req, reply) => {
        const p = who(req);
        const r = await suppressAddress(db, p.orgId, {
          ...req.body,
          reason: req.body.reason ?? 'manual',
          by: p.initiator,
        });
        if (!r.ok) throw invalid([r.problem]);
        return reply.status(201).send(r.value);
      },
    );

    app.post(
      '/api/v1/suppressions/remove',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags,
          summary: 'Take an address off the suppression list',
          body: AddressBody,
          response: { 200: Type.Object({ removed: Type.Boolean() }), ...errorResponses },
        },
      },
      async (req) => {
        const address = normalizeAddress(req.body.channel, req.body.address);
        if (!address.ok) throw invalid([address.problem]);
        return { removed: await unsuppress(db, who(req).orgId, req.body.channel, address.value) };
      },
    );

    app.post(
      '/api/v1/unsubscribe',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags,
          summary:
            'Unsubscribe an address: suppressed with reason «unsubscribed», effective for every unsent message',
          body: AddressBody,
          response: {
            200: Type.Object({ suppression: Suppression, excludedMessages: Type.Integer() }),
            ...errorResponses,
          },
        },
      },
      async (req) => {
        const p = who(req);
        const r = await suppressAddress(db, p.orgId, {
          ...req.body,
          reason: 'unsubscribed',
          by: p.initiator,
        });
        if (!r.ok) throw invalid([r.problem]);
        return r.value;
      },
    );
  };

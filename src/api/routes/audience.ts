/**
 * The audience before a launch (AU-4 … AU-6): a preview of any selection, a campaign's exclusion
 * report with its unticked recipients, and the organisation's typed custom attributes.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { CategorySchema, EXCLUSION_REASONS } from '../../core/audience/audience.ts';
import { type AudienceRequest, previewAudience } from '../../services/audience.ts';
import { ATTRIBUTE_TYPES, deleteAttribute, insertAttribute, listAttributes } from '../../store/attributes.ts';
import { getCampaign } from '../../store/campaigns.ts';
import { listUnticked, retickRecipients, untickRecipients } from '../../store/exclusions.ts';
import { who } from '../auth.ts';
import { ApiError, invalid, notFound } from '../errors.ts';
import {
  Audience,
  ChannelSchema,
  DateTime,
  errorResponses,
  Id,
  IdParams,
  Nullable,
  StringEnum,
} from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const Reason = StringEnum(EXCLUSION_REASONS);
const Report = Type.Object({
  selected: Type.Integer({ description: 'contacts the selections pick, each once' }),
  recipients: Type.Integer({ description: 'who would get a message' }),
  excluded: Type.Record(Type.String(), Type.Integer(), { description: 'count per reason' }),
  items: Type.Array(
    Type.Object({
      contactId: Id,
      name: Type.String(),
      address: Nullable(Type.String()),
      reason: Nullable(Reason),
    }),
  ),
});
const Paging = {
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  after: Type.Optional(Type.Integer({ minimum: 0, description: 'contact id to continue after' })),
  reason: Type.Optional(StringEnum([...EXCLUSION_REASONS, 'included'] as const)),
};
const Ids = Type.Object(
  { contactIds: Type.Array(Id, { minItems: 1, maxItems: 100_000 }) },
  { additionalProperties: false },
);

export const audienceRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db } = deps;

    const preview = async (
      orgId: number,
      r: AudienceRequest & { limit?: number; after?: number; reason?: never },
    ) => {
      const p = await previewAudience(db, orgId, r);
      if (!p.ok) throw invalid(p.problems);
      return p.preview;
    };

    app.post(
      '/api/v1/audience/preview',
      {
        schema: {
          tags: ['audience'],
          summary:
            'Who a selection reaches on a channel: totals, exclusions per reason, the first recipients',
          body: Type.Object(
            {
              audience: Audience,
              channel: ChannelSchema,
              category: Type.Optional(CategorySchema),
              ...Paging,
            },
            { additionalProperties: false },
          ),
          response: { 200: Report, ...errorResponses },
        },
      },
      async (req) => {
        const { category, ...rest } = req.body;
        return preview(who(req).orgId, { ...rest, category: category ?? 'informational' } as never);
      },
    );

    app.get(
      '/api/v1/campaigns/:id/recipients',
      {
        schema: {
          tags: ['campaigns'],
          summary: "The campaign's exclusion report: resolved now, exactly as a launch would",
          params: IdParams,
          querystring: Type.Object(Paging),
          response: {
            200: Type.Intersect([Report, Type.Object({ unticked: Type.Array(Id) })]),
            ...errorResponses,
          },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        const c = await getCampaign(db, orgId, req.params.id);
        if (!c) throw notFound(`campaign ${req.params.id}`);
        const report = await preview(orgId, {
          ...req.query,
          audience: c.audience,
          channel: c.channel,
          category: c.category,
          campaignId: c.id,
        } as never);
        return { ...report, unticked: await listUnticked(db, orgId, c.id) };
      },
    );

    for (const [action, summary] of [
      ['untick', 'Untick recipients: they get an `excluded` message row with reason `unticked`'],
      ['retick', 'Tick unticked recipients again'],
    ] as const) {
      app.post(
        `/api/v1/campaigns/:id/${action}`,
        {
          config: { permission: 'campaigns.write' },
          schema: {
            tags: ['campaigns'],
            summary,
            params: IdParams,
            body: Ids,
            response: {
              200: Type.Object({ changed: Type.Integer(), unticked: Type.Array(Id) }),
              ...errorResponses,
              409: errorResponses[400],
            },
          },
        },
        async (req) => {
          const p = who(req);
          const c = await getCampaign(db, p.orgId, req.params.id);
          if (!c) throw notFound(`campaign ${req.params.id}`);
          if (c.state !== 'draft')
            throw new ApiError(409, 'not_draft', 'recipients can be unticked only before the launch');
          const changed =
            action === 'untick'
              ? await untickRecipients(db, p.orgId, c.id, req.body.contactIds, p.initiator)
              : await retickRecipients(db, p.orgId, c.id, req.body.contactIds);
          return { changed, unticked: await listUnticked(db, p.orgId, c.id) };
        },
      );
    }

    const Attribute = Type.Object({
      id: Id,
      name: Type.String(),
      type: StringEnum(ATTRIBUTE_TYPES),
      options: Type.Array(Type.String()),
      createdAt: DateTime,
    });

    app.get(
      '/api/v1/attributes',
      {
        schema: {
          tags: ['contacts'],
          summary: 'Typed custom attributes of contacts (values in contact.attributes)',
          response: { 200: Type.Object({ items: Type.Array(Attribute) }), ...errorResponses },
        },
      },
      async (req) => ({ items: await listAttributes(db, who(req).orgId) }),
    );

    app.post(
      '/api/v1/attributes',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags: ['contacts'],
          summary: 'Define a custom attribute: number, text, date (YYYY-MM-DD), boolean or list of values',
          body: Type.Object(
            {
              name: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$' }),
              type: StringEnum(ATTRIBUTE_TYPES),
              options: Type.Optional(
                Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 500 }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 201: Attribute, ...errorResponses, 409: errorResponses[400] },
        },
      },
      async (req, reply) => {
        if (req.body.type === 'list' && !req.body.options?.length)
          throw invalid([
            {
              field: 'options',
              value: req.body.options ?? null,
              message: 'a list attribute needs its values',
            },
          ]);
        const a = await insertAttribute(db, who(req).orgId, req.body);
        if (a === 'name_taken')
          throw new ApiError(409, 'conflict', `an attribute named ${req.body.name} exists already`);
        return reply.status(201).send(a);
      },
    );

    app.delete(
      '/api/v1/attributes/:id',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags: ['contacts'],
          summary: 'Delete an attribute definition (values stay in the contacts)',
          params: IdParams,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (req, reply) => {
        if (!(await deleteAttribute(db, who(req).orgId, req.params.id)))
          throw notFound(`attribute ${req.params.id}`);
        return reply.status(204).send(null);
      },
    );
  };

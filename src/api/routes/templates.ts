/** Templates: check one (with line and column of each problem) and preview it for any recipient (CT-2). */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { checkTemplate, storedTemplate } from '../../services/campaigns.ts';
import { type PreviewInput, previewForContact } from '../../services/preview.ts';
import { getCampaign } from '../../store/campaigns.ts';
import { who } from '../auth.ts';
import { ApiError, notFound } from '../errors.ts';
import { ChannelSchema, errorResponses, Id, IdParams, Nullable } from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const Empty = Type.Union(
  [
    Type.Object({ mode: Type.Literal('allow') }, { additionalProperties: false }),
    Type.Object({ mode: Type.Literal('block') }, { additionalProperties: false }),
    Type.Object(
      { mode: Type.Literal('default'), text: Type.String({ maxLength: 200 }) },
      { additionalProperties: false },
    ),
  ],
  { description: 'an empty value: allow it, block the recipient, or put a default text' },
);

const Preview = Type.Object({
  contactId: Id,
  address: Nullable(Type.String()),
  subject: Nullable(Type.String()),
  text: Type.String(),
  html: Nullable(Type.String()),
  characters: Type.Integer(),
  sms: Nullable(Type.Object({ encoding: Type.String(), segments: Type.Integer() })),
  priceKopecks: Type.Integer(),
});

const Problems = Type.Object({
  stored: Type.String({ description: 'the template as it is stored: the seeds’ placeholders as Liquid' }),
  problems: Type.Array(
    Type.Object({
      field: Type.String(),
      code: Type.String(),
      message: Type.String(),
      line: Type.Optional(Type.Integer()),
      column: Type.Optional(Type.Integer()),
    }),
  ),
});

export const templateRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db } = deps;

    const answer = async (orgId: number, input: PreviewInput) => {
      const r = await previewForContact(db, orgId, input, deps.config);
      if (r.ok) return r.preview;
      if ('notFound' in r) throw notFound(`contact ${input.contactId}`);
      throw new ApiError(
        400,
        'template_problems',
        r.problems.map((p) => `${p.field}: ${p.message}`).join('; '),
        r.problems,
      );
    };

    app.post(
      '/api/v1/templates/check',
      {
        schema: {
          tags: ['templates'],
          summary:
            'Check a template: the seeds’ placeholders translated, every problem with its line and column',
          body: Type.Object(
            { text: Type.String({ maxLength: 100_000 }), channel: Type.Optional(ChannelSchema) },
            { additionalProperties: false },
          ),
          response: { 200: Problems, ...errorResponses },
        },
      },
      async (req) => ({
        stored: storedTemplate(req.body.text),
        problems: checkTemplate(req.body.text, 'text', req.body.channel).map(({ value: _v, ...p }) => p),
      }),
    );

    app.post(
      '/api/v1/templates/preview',
      {
        schema: {
          tags: ['templates'],
          summary:
            'Render a template for one contact: the text they would get, its length, segments and price',
          body: Type.Object(
            {
              channel: ChannelSchema,
              text: Type.String({ maxLength: 100_000 }),
              subject: Type.Optional(Type.String({ maxLength: 1000 })),
              contactId: Id,
              empty: Type.Optional(Empty),
            },
            { additionalProperties: false },
          ),
          response: { 200: Preview, ...errorResponses },
        },
      },
      async (req) => answer(who(req).orgId, req.body),
    );

    app.get(
      '/api/v1/campaigns/:id/preview',
      {
        schema: {
          tags: ['campaigns'],
          summary: "The campaign's message as one contact would get it",
          params: IdParams,
          querystring: Type.Object({ contactId: Id }),
          response: { 200: Preview, ...errorResponses },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        const c = await getCampaign(db, orgId, req.params.id);
        if (!c) throw notFound(`campaign ${req.params.id}`);
        return answer(orgId, {
          channel: c.channel,
          text: c.textTemplate,
          ...(c.subject ? { subject: c.subject } : {}),
          contactId: req.query.contactId,
        });
      },
    );
  };

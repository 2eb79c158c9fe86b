/** Users of the organisation and its API keys (AC-1, AC-2). */

import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { changeUser, createApiKey, createUser } from '../../services/accounts.ts';
import { listApiKeys, revokeApiKey } from '../../store/apiKeys.ts';
import { listUsers } from '../../store/users.ts';
import { who } from '../auth.ts';
import { invalid, notFound } from '../errors.ts';
import { DateTime, errorResponses, Id, IdParams, Nullable, RoleSchema } from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const User = Type.Object({
  id: Id,
  email: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  createdAt: DateTime,
  disabled: Type.Boolean({ description: 'cannot sign in' }),
});
const ApiKey = Type.Object({
  id: Id,
  name: Type.String(),
  role: RoleSchema,
  prefix: Type.String({ description: 'the first characters of the key, to recognise it' }),
  createdAt: DateTime,
  lastUsedAt: Nullable(DateTime),
  revokedAt: Nullable(DateTime),
});

export const userRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db } = deps;

    app.get(
      '/api/v1/users',
      {
        config: { permission: 'users.manage' },
        schema: {
          tags: ['users'],
          summary: 'List users',
          response: { 200: Type.Object({ items: Type.Array(User) }), ...errorResponses },
        },
      },
      async (req) => ({ items: await listUsers(db, who(req).orgId) }),
    );

    app.post(
      '/api/v1/users',
      {
        config: { permission: 'users.manage' },
        schema: {
          tags: ['users'],
          summary: 'Add a user to the organisation',
          body: Type.Object({
            email: Type.String(),
            name: Type.Optional(Type.String({ maxLength: 200 })),
            role: RoleSchema,
            password: Type.String({ maxLength: 1000 }),
          }),
          response: { 201: User, ...errorResponses },
        },
      },
      async (req, reply) => {
        const p = who(req);
        const r = await createUser(db, { orgId: p.orgId, ...req.body }, p.role);
        if (!r.ok) throw invalid([r.problem]);
        return reply.status(201).send(r.value);
      },
    );

    app.patch(
      '/api/v1/users/:id',
      {
        config: { permission: 'users.manage' },
        schema: {
          tags: ['users'],
          summary: "Change another user's role, or switch them off (their sessions end) and on",
          params: IdParams,
          body: Type.Object(
            { role: Type.Optional(RoleSchema), disabled: Type.Optional(Type.Boolean()) },
            { additionalProperties: false },
          ),
          response: { 200: User, ...errorResponses },
        },
      },
      async (req) => {
        const p = who(req);
        const r = await changeUser(db, p, req.params.id, req.body);
        if (!r) throw notFound(`user ${req.params.id}`);
        if (!r.ok) throw invalid([r.problem]);
        return r.value;
      },
    );

    app.get(
      '/api/v1/keys',
      {
        config: { permission: 'keys.manage' },
        schema: {
          tags: ['keys'],
          summary: 'List API keys (never their secrets)',
          response: { 200: Type.Object({ items: Type.Array(ApiKey) }), ...errorResponses },
        },
      },
      async (req) => ({ items: await listApiKeys(db, who(req).orgId) }),
    );

    app.post(
      '/api/v1/keys',
      {
        config: { permission: 'keys.manage' },
        schema: {
          tags: ['keys'],
          summary: 'Create an API key; the secret is in this response only',
          body: Type.Object({ name: Type.String({ maxLength: 100 }), role: Type.Optional(RoleSchema) }),
          response: { 201: Type.Object({ key: ApiKey, secret: Type.String() }), ...errorResponses },
        },
      },
      async (req, reply) => {
        const p = who(req);
        const r = await createApiKey(
          db,
          { orgId: p.orgId, name: req.body.name, role: req.body.role ?? 'operator', createdBy: p.userId },
          p.role,
        );
        if (!r.ok) throw invalid([r.problem]);
        return reply.status(201).send(r.value);
      },
    );

    app.delete(
      '/api/v1/keys/:id',
      {
        config: { permission: 'keys.manage' },
        schema: {
          tags: ['keys'],
          summary: 'Revoke an API key at once',
          params: IdParams,
          response: { 200: ApiKey, ...errorResponses },
        },
      },
      async (req) => {
        const key = await revokeApiKey(db, who(req).orgId, req.params.id);
        if (!key) throw notFound(`API key ${req.params.id}`);
        return key;
      },
    );
  };

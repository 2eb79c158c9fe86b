/** Sign-in for people: a session cookie (HttpOnly, SameSite=Lax) and a CSRF token for unsafe calls. */

import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { checkPassword, sha256, startSession } from '../../services/accounts.ts';
import { getOrg } from '../../store/orgs.ts';
import { deleteSession, getUser } from '../../store/users.ts';
import { SESSION_COOKIE, who } from '../auth.ts';
import { ApiError } from '../errors.ts';
import { ErrorRef, Id, RoleSchema } from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const Me = Type.Object({
  org: Type.Object({ id: Id, name: Type.String(), timeZone: Type.String() }),
  role: RoleSchema,
  initiator: Type.String(),
  user: Type.Union([Type.Object({ id: Id, email: Type.String(), name: Type.String() }), Type.Null()]),
  csrfToken: Type.Optional(Type.String({ description: 'for a session: the X-CSRF-Token to send' })),
});

export const authRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db } = deps;

    app.post(
      '/api/v1/auth/login',
      {
        config: { permission: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Sign in with e-mail and password; sets the session cookie',
          security: [],
          body: Type.Object({
            email: Type.String({ maxLength: 254 }),
            password: Type.String({ maxLength: 1000 }),
          }),
          response: { 200: Type.Object({ csrfToken: Type.String() }), 401: ErrorRef },
        },
      },
      async (req, reply) => {
        const user = await checkPassword(db, req.body.email, req.body.password);
        if (!user) throw new ApiError(401, 'bad_credentials', 'wrong e-mail or password');
        const { token, csrfToken } = await startSession(db, user);
        reply.setCookie(SESSION_COOKIE, token, {
          httpOnly: true,
          sameSite: 'lax',
          path: '/',
          secure: deps.config.publicUrl.startsWith('https:'),
          maxAge: 12 * 3600,
        });
        return { csrfToken };
      },
    );

    app.post(
      '/api/v1/auth/logout',
      {
        config: { permission: 'public' },
        schema: { tags: ['auth'], summary: 'Sign out', security: [], response: { 204: Type.Null() } },
      },
      async (req, reply) => {
        const token = req.cookies[SESSION_COOKIE];
        if (token) await deleteSession(db, sha256(token));
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/v1/me',
      {
        schema: {
          tags: ['auth'],
          summary: 'Who the caller is: organisation, role, user',
          response: { 200: Me },
        },
      },
      async (req) => {
        const p = who(req);
        const org = (await getOrg(db, p.orgId))!;
        const user = p.userId ? await getUser(db, p.orgId, p.userId) : undefined;
        return {
          org: { id: org.id, name: org.name, timeZone: org.timeZone },
          role: p.role,
          initiator: p.initiator,
          user: user ? { id: user.id, email: user.email, name: user.name } : null,
          ...(p.csrfToken ? { csrfToken: p.csrfToken } : {}),
        };
      },
    );
  };

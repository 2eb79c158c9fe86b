/**
 * Who is calling, and may they. Programs send `Authorization: Bearer vk_…`; people carry the
 * HttpOnly session cookie and, on every unsafe method, the CSRF token they got at sign-in in the
 * `X-CSRF-Token` header. Every route under /api/v1 needs a principal unless marked public, so a
 * route added later is closed by default.
 */
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { can, type Permission, type Role } from '../core/roles.ts';
import { findKeyBySecret, findSessionByToken } from '../services/accounts.ts';
import type { Db } from '../store/db.ts';
import { ApiError } from './errors.ts';

export const SESSION_COOKIE = 'vestnik_session';

export interface Principal {
  orgId: number;
  role: Role;
  /** Recorded as the initiator of what this principal does (AC-1): 'user:7' or 'key:3'. */
  initiator: string;
  userId: number | null;
  /** A session's CSRF token, handed back by /me so a reloaded page can make unsafe calls again. */
  csrfToken?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The permission the route needs; 'public' for none. Default: 'read'. */
    permission?: Permission | 'public';
  }
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

async function resolvePrincipal(db: Db, req: FastifyRequest): Promise<Principal | null> {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new ApiError(401, 'unauthenticated', 'Authorization must be `Bearer <key>`');
    const key = await findKeyBySecret(db, m[1]!);
    if (!key) throw new ApiError(401, 'unauthenticated', 'the API key is unknown or revoked');
    return { orgId: key.orgId, role: key.role, initiator: `key:${key.id}`, userId: null };
  }
  const token = req.cookies?.[SESSION_COOKIE];
  if (token) {
    const session = await findSessionByToken(db, token);
    if (!session) throw new ApiError(401, 'unauthenticated', 'the session has expired; sign in again');
    if (!SAFE.has(req.method)) {
      const csrf = req.headers['x-csrf-token'];
      if (typeof csrf !== 'string' || !sameToken(csrf, session.csrfToken)) {
        throw new ApiError(403, 'csrf', 'missing or wrong X-CSRF-Token header');
      }
    }
    return {
      orgId: session.orgId,
      role: session.role,
      initiator: `user:${session.userId}`,
      userId: session.userId,
      csrfToken: session.csrfToken,
    };
  }
  return null;
}

export function registerAuth(app: FastifyInstance, db: Db): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    const permission = req.routeOptions.config.permission ?? 'read';
    if (permission === 'public' || !req.routeOptions.url?.startsWith('/api/v1/')) return;
    const principal = await resolvePrincipal(db, req);
    if (!principal)
      throw new ApiError(401, 'unauthenticated', 'sign in or send `Authorization: Bearer <key>`');
    if (!can(principal.role, permission)) {
      throw new ApiError(
        403,
        'forbidden',
        `the role ${principal.role} may not do this (needs ${permission})`,
      );
    }
    req.principal = principal;
  });
}

/** The principal of an authenticated route (the onRequest hook guarantees it). */
export function who(req: FastifyRequest): Principal {
  if (!req.principal) throw new ApiError(401, 'unauthenticated', 'not signed in');
  return req.principal;
}

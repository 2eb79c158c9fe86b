/**
 * People and programs that act for an organisation: users with Argon2id passwords, API keys shown
 * once and stored as a SHA-256 of their 256-bit secret, and sign-in sessions. Shared by the API and
 * the command line; failures come back as values.
 */
import crypto from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { normalizeEmail } from '../core/address.ts';
import { fail, ok, type Result } from '../core/result.ts';
import { mayGrant, type Role } from '../core/roles.ts';
import { type ApiKey, findActiveKey, insertApiKey } from '../store/apiKeys.ts';
import type { Db, Queryable } from '../store/db.ts';
import {
  countOtherOwners,
  deleteUserSessions,
  findSession,
  findUserForLogin,
  getUser,
  insertSession,
  insertUser,
  type Session,
  type User,
  updateUser,
} from '../store/users.ts';

export const KEY_PREFIX = 'vk_';
const SESSION_TTL_SECONDS = 12 * 3600;

export const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

export function generatePassword(): string {
  return crypto.randomBytes(12).toString('base64url');
}

export async function createUser(
  db: Queryable,
  u: { orgId: number; email: string; name?: string; role: Role; password: string },
  grantedBy?: Role,
): Promise<Result<User>> {
  const email = normalizeEmail(u.email);
  if (!email.ok) return email;
  if (u.password.length < 8) return fail('password', '(hidden)', 'must be at least 8 characters');
  if (grantedBy && !mayGrant(grantedBy, u.role))
    return fail('role', u.role, `a ${grantedBy} cannot create a ${u.role}`);
  const user = await insertUser(db, {
    orgId: u.orgId,
    email: email.value,
    name: u.name ?? '',
    role: u.role,
    passwordHash: await hash(u.password),
  });
  return user === 'email_taken' ? fail('email', u.email, 'a user with this e-mail exists already') : ok(user);
}

/**
 * Changes another user's role or switches them off (AC-1). Nobody changes themselves (no one locks
 * themselves out or raises themselves), a caller acts only on users below them and grants only what
 * `mayGrant` allows, and an organisation always keeps one enabled owner. Switching a user off ends
 * their sessions; a role change takes effect on their next request (sessions read the role).
 */
export async function changeUser(
  db: Db,
  by: { orgId: number; userId: number | null; role: Role },
  id: number,
  change: { role?: Role; disabled?: boolean },
): Promise<Result<User> | undefined> {
  return db.transaction(async (tx) => {
    const user = await getUser(tx, by.orgId, id);
    if (!user) return undefined;
    if (by.userId === id) return fail('id', id, 'you cannot change your own role or switch yourself off');
    if (by.role !== 'owner' && !mayGrant(by.role, user.role))
      return fail('id', id, `a ${by.role} cannot change a ${user.role}`);
    if (change.role && by.role !== 'owner' && !mayGrant(by.role, change.role))
      return fail('role', change.role, `a ${by.role} cannot make someone a ${change.role}`);
    const losesOwner = user.role === 'owner' && ((change.role && change.role !== 'owner') || change.disabled);
    if (losesOwner && (await countOtherOwners(tx, by.orgId, id)) === 0)
      return fail('role', change.role ?? 'disabled', 'the organisation must keep one enabled owner');
    const updated = (await updateUser(tx, by.orgId, id, change))!;
    if (change.disabled) await deleteUserSessions(tx, id);
    return ok(updated);
  });
}

/** Checks the password; the same answer and about the same time for a wrong e-mail as a wrong password. */
export async function checkPassword(
  db: Queryable,
  email: string,
  password: string,
): Promise<User | undefined> {
  const user = await findUserForLogin(db, email.trim());
  const stored = user?.passwordHash ?? (await dummyHash());
  const good = await verify(stored, password).catch(() => false);
  return user && good ? user : undefined;
}

let dummy: Promise<string> | undefined;
const dummyHash = () => (dummy ??= hash(crypto.randomBytes(16).toString('hex')));

export async function createApiKey(
  db: Queryable,
  k: { orgId: number; name: string; role: Role; createdBy: number | null },
  grantedBy?: Role,
): Promise<Result<{ key: ApiKey; secret: string }>> {
  if (grantedBy && !mayGrant(grantedBy, k.role))
    return fail('role', k.role, `a ${grantedBy} cannot create a key with role ${k.role}`);
  const name = k.name.trim();
  if (name === '' || name.length > 100) return fail('name', k.name, 'must be 1 to 100 characters');
  const secret = `${KEY_PREFIX}${crypto.randomBytes(32).toString('base64url')}`;
  const key = await insertApiKey(db, { ...k, name, secretHash: sha256(secret), prefix: secret.slice(0, 10) });
  return ok({ key, secret });
}

export async function findKeyBySecret(db: Queryable, secret: string): Promise<ApiKey | undefined> {
  if (!secret.startsWith(KEY_PREFIX)) return undefined;
  return findActiveKey(db, sha256(secret));
}

export async function startSession(db: Queryable, user: User): Promise<{ token: string; csrfToken: string }> {
  const token = crypto.randomBytes(32).toString('base64url');
  const csrfToken = crypto.randomBytes(24).toString('base64url');
  await insertSession(db, {
    tokenHash: sha256(token),
    userId: user.id,
    orgId: user.orgId,
    csrfToken,
    ttlSeconds: SESSION_TTL_SECONDS,
  });
  return { token, csrfToken };
}

export async function findSessionByToken(db: Queryable, token: string): Promise<Session | undefined> {
  return findSession(db, sha256(token));
}

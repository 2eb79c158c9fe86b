/** People who sign in: users (one organisation each) and their sessions. */
import type { Role } from '../core/roles.ts';
import type { Queryable } from './db.ts';

export interface User {
  id: number;
  orgId: number;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
  /** A disabled user cannot sign in; their sessions end. */
  disabled: boolean;
}

interface UserRow {
  id: number;
  org_id: number;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
  created_at: Date;
  disabled_at: Date | null;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  orgId: r.org_id,
  email: r.email,
  name: r.name,
  role: r.role,
  createdAt: r.created_at,
  disabled: r.disabled_at !== null,
});

export async function insertUser(
  db: Queryable,
  u: { orgId: number; email: string; name: string; role: Role; passwordHash: string },
): Promise<User | 'email_taken'> {
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (org_id, email, name, role, password_hash) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (lower(email)) DO NOTHING RETURNING *`,
    [u.orgId, u.email, u.name, u.role, u.passwordHash],
  );
  return rows[0] ? toUser(rows[0]) : 'email_taken';
}

export async function findUserForLogin(
  db: Queryable,
  email: string,
): Promise<(User & { passwordHash: string }) | undefined> {
  const { rows } = await db.query<UserRow>(
    'SELECT * FROM users WHERE lower(email) = lower($1) AND disabled_at IS NULL',
    [email],
  );
  return rows[0] ? { ...toUser(rows[0]), passwordHash: rows[0].password_hash } : undefined;
}

export async function listUsers(db: Queryable, orgId: number): Promise<User[]> {
  const { rows } = await db.query<UserRow>('SELECT * FROM users WHERE org_id = $1 ORDER BY id', [orgId]);
  return rows.map(toUser);
}

export async function getUser(db: Queryable, orgId: number, id: number): Promise<User | undefined> {
  const { rows } = await db.query<UserRow>('SELECT * FROM users WHERE org_id = $1 AND id = $2', [orgId, id]);
  return rows[0] ? toUser(rows[0]) : undefined;
}

/** Changes a user's role or enabled state; the user as it is now, or undefined when not found. */
export async function updateUser(
  db: Queryable,
  orgId: number,
  id: number,
  change: { role?: Role; disabled?: boolean },
): Promise<User | undefined> {
  const { rows } = await db.query<UserRow>(
    `UPDATE users SET role = coalesce($3, role),
            disabled_at = CASE WHEN $4::boolean IS NULL THEN disabled_at
                               WHEN $4::boolean THEN coalesce(disabled_at, now()) ELSE NULL END
      WHERE org_id = $1 AND id = $2 RETURNING *`,
    [orgId, id, change.role ?? null, change.disabled ?? null],
  );
  return rows[0] ? toUser(rows[0]) : undefined;
}

/** Enabled owners of the organisation other than `exceptId`, locked for the caller's transaction. */
export async function countOtherOwners(db: Queryable, orgId: number, exceptId: number): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM users WHERE org_id = $1 AND role = 'owner' AND disabled_at IS NULL AND id <> $2 FOR UPDATE`,
    [orgId, exceptId],
  );
  return rows.length;
}

export async function deleteUserSessions(db: Queryable, userId: number): Promise<void> {
  await db.query('DELETE FROM sessions WHERE user_id = $1', [userId]);
}

export interface Session {
  userId: number;
  orgId: number;
  role: Role;
  csrfToken: string;
}

export async function insertSession(
  db: Queryable,
  s: { tokenHash: string; userId: number; orgId: number; csrfToken: string; ttlSeconds: number },
): Promise<void> {
  await db.query(
    `INSERT INTO sessions (token_hash, user_id, org_id, csrf_token, expires_at)
     VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
    [s.tokenHash, s.userId, s.orgId, s.csrfToken, s.ttlSeconds],
  );
}

export async function findSession(db: Queryable, tokenHash: string): Promise<Session | undefined> {
  const { rows } = await db.query<{ user_id: number; org_id: number; role: Role; csrf_token: string }>(
    `SELECT s.user_id, s.org_id, u.role, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.token_hash = $1 AND s.expires_at > now() AND u.disabled_at IS NULL`,
    [tokenHash],
  );
  const r = rows[0];
  return r ? { userId: r.user_id, orgId: r.org_id, role: r.role, csrfToken: r.csrf_token } : undefined;
}

export async function deleteSession(db: Queryable, tokenHash: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
}

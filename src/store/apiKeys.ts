/** API keys for programs (AC-2): stored as a hash, shown once, revocable. */
import type { Role } from '../core/roles.ts';
import type { Queryable } from './db.ts';

export interface ApiKey {
  id: number;
  orgId: number;
  name: string;
  role: Role;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

interface ApiKeyRow {
  id: number;
  org_id: number;
  name: string;
  role: Role;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const toKey = (r: ApiKeyRow): ApiKey => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  role: r.role,
  prefix: r.prefix,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

export async function insertApiKey(
  db: Queryable,
  k: {
    orgId: number;
    name: string;
    role: Role;
    secretHash: string;
    prefix: string;
    createdBy: number | null;
  },
): Promise<ApiKey> {
  const { rows } = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (org_id, name, role, secret_hash, prefix, created_by)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [k.orgId, k.name, k.role, k.secretHash, k.prefix, k.createdBy],
  );
  return toKey(rows[0]!);
}

/**
 * The live key with this hash, marking it used (at most once a minute, to spare writes); returned as
 * it was before this use. One statement: it is on the path of every API call, single sends included
 * (issue 6's latency).
 */
export async function findActiveKey(db: Queryable, secretHash: string): Promise<ApiKey | undefined> {
  const { rows } = await db.query<ApiKeyRow>(
    `WITH k AS (SELECT * FROM api_keys WHERE secret_hash = $1 AND revoked_at IS NULL),
          used AS (UPDATE api_keys a SET last_used_at = now() FROM k
                   WHERE a.id = k.id AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute'))
     SELECT * FROM k`,
    [secretHash],
  );
  return rows[0] ? toKey(rows[0]) : undefined;
}

export async function listApiKeys(db: Queryable, orgId: number): Promise<ApiKey[]> {
  const { rows } = await db.query<ApiKeyRow>('SELECT * FROM api_keys WHERE org_id = $1 ORDER BY id', [orgId]);
  return rows.map(toKey);
}

export async function revokeApiKey(db: Queryable, orgId: number, id: number): Promise<ApiKey | undefined> {
  const { rows } = await db.query<ApiKeyRow>(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE org_id = $1 AND id = $2 RETURNING *`,
    [orgId, id],
  );
  return rows[0] ? toKey(rows[0]) : undefined;
}

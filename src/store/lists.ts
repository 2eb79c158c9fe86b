/** Static lists and groups of contacts or of objects (AU-3). Members are checked to be the org's own. */
import type { Queryable } from './db.ts';

export type ListKind = 'contacts' | 'objects';

export interface List {
  id: number;
  name: string;
  kind: ListKind;
  size: number;
  createdAt: Date;
}

interface Row {
  id: number;
  name: string;
  kind: ListKind;
  size: number;
  created_at: Date;
}

const toList = (r: Row): List => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  size: r.size,
  createdAt: r.created_at,
});

const SIZE = `(SELECT count(*)::int FROM list_contacts m WHERE m.list_id = l.id)
  + (SELECT count(*)::int FROM list_objects m WHERE m.list_id = l.id)`;

export async function insertList(
  db: Queryable,
  orgId: number,
  l: { name: string; kind: ListKind },
): Promise<List | 'name_taken'> {
  const { rows } = await db.query<Row>(
    `INSERT INTO lists (org_id, name, kind) VALUES ($1, $2, $3) ON CONFLICT (org_id, name) DO NOTHING
     RETURNING *, 0 AS size`,
    [orgId, l.name, l.kind],
  );
  return rows[0] ? toList(rows[0]) : 'name_taken';
}

export async function getList(db: Queryable, orgId: number, id: number): Promise<List | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT l.*, ${SIZE} AS size FROM lists l WHERE l.org_id = $1 AND l.id = $2`,
    [orgId, id],
  );
  return rows[0] ? toList(rows[0]) : undefined;
}

export async function listLists(db: Queryable, orgId: number): Promise<List[]> {
  const { rows } = await db.query<Row>(
    `SELECT l.*, ${SIZE} AS size FROM lists l WHERE l.org_id = $1 ORDER BY l.id`,
    [orgId],
  );
  return rows.map(toList);
}

export async function deleteList(db: Queryable, orgId: number, id: number): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM lists WHERE org_id = $1 AND id = $2', [orgId, id]);
  return rowCount > 0;
}

/** Adds the organisation's own contacts (or objects) among `ids`; returns the ids that are not its own. */
export async function addListMembers(
  db: Queryable,
  orgId: number,
  list: Pick<List, 'id' | 'kind'>,
  ids: number[],
): Promise<{ added: number; missing: number[] }> {
  const table = list.kind === 'contacts' ? 'contacts' : 'objects';
  const members =
    list.kind === 'contacts'
      ? 'list_contacts (list_id, contact_id, org_id)'
      : 'list_objects (list_id, object_id, org_id)';
  const { rows: found } = await db.query<{ id: number }>(
    `SELECT t.id FROM ${table} t WHERE t.org_id = $1 AND t.id = ANY($2::bigint[])`,
    [orgId, ids],
  );
  const own = new Set(found.map((r) => r.id));
  const { rowCount } = await db.query(
    `INSERT INTO ${members} SELECT $1, u, $3 FROM unnest($2::bigint[]) u ON CONFLICT DO NOTHING`,
    [list.id, [...own], orgId],
  );
  return { added: rowCount, missing: ids.filter((i) => !own.has(i)) };
}

export async function removeListMembers(
  db: Queryable,
  orgId: number,
  list: Pick<List, 'id' | 'kind'>,
  ids: number[],
): Promise<number> {
  const sql =
    list.kind === 'contacts'
      ? 'DELETE FROM list_contacts WHERE org_id = $1 AND list_id = $2 AND contact_id = ANY($3::bigint[])'
      : 'DELETE FROM list_objects WHERE org_id = $1 AND list_id = $2 AND object_id = ANY($3::bigint[])';
  const { rowCount } = await db.query(sql, [orgId, list.id, ids]);
  return rowCount;
}

/** Member ids in order, a page at a time. */
export async function listMemberIds(
  db: Queryable,
  orgId: number,
  list: Pick<List, 'id' | 'kind'>,
  page: { after: number; limit: number },
): Promise<number[]> {
  const sql =
    list.kind === 'contacts'
      ? 'SELECT contact_id AS id FROM list_contacts WHERE org_id = $1 AND list_id = $2 AND contact_id > $3 ORDER BY contact_id LIMIT $4'
      : 'SELECT object_id AS id FROM list_objects WHERE org_id = $1 AND list_id = $2 AND object_id > $3 ORDER BY object_id LIMIT $4';
  const { rows } = await db.query<{ id: number }>(sql, [orgId, list.id, page.after, page.limit]);
  return rows.map((r) => r.id);
}

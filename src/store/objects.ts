/** Objects linked to contacts (AU-2): plots, accounts, orders, loans, with amounts in kopecks. */
import type { Queryable } from './db.ts';

export const OBJECT_KINDS = ['plot', 'account', 'order', 'loan', 'meter'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

export interface ContactObject {
  id: number;
  contactId: number;
  kind: ObjectKind;
  number: string;
  chargesKopecks: number;
  debtKopecks: number;
  attributes: Record<string, unknown>;
}

interface ObjectRow {
  id: number;
  contact_id: number;
  kind: ObjectKind;
  number: string;
  charges_kopecks: number;
  debt_kopecks: number;
  attributes: Record<string, unknown>;
}

const toObject = (r: ObjectRow): ContactObject => ({
  id: r.id,
  contactId: r.contact_id,
  kind: r.kind,
  number: r.number,
  chargesKopecks: r.charges_kopecks,
  debtKopecks: r.debt_kopecks,
  attributes: r.attributes,
});

export interface ObjectInput {
  kind: ObjectKind;
  number: string;
  chargesKopecks?: number;
  debtKopecks?: number;
  attributes?: Record<string, unknown>;
}

/** Inserts, or returns why not: the contact is not this organisation's, or the number is taken. */
export async function insertObject(
  db: Queryable,
  orgId: number,
  contactId: number,
  o: ObjectInput,
): Promise<ContactObject | 'contact_not_found' | 'number_taken'> {
  const { rows } = await db.query<ObjectRow>(
    `INSERT INTO objects (org_id, contact_id, kind, number, charges_kopecks, debt_kopecks, attributes)
     SELECT $1, c.id, $3, $4, $5, $6, $7 FROM contacts c WHERE c.org_id = $1 AND c.id = $2
     ON CONFLICT (org_id, kind, number) DO NOTHING RETURNING *`,
    [orgId, contactId, o.kind, o.number, o.chargesKopecks ?? 0, o.debtKopecks ?? 0, o.attributes ?? {}],
  );
  if (rows[0]) return toObject(rows[0]);
  const exists = await db.query('SELECT 1 FROM contacts WHERE org_id = $1 AND id = $2', [orgId, contactId]);
  return exists.rows.length ? 'number_taken' : 'contact_not_found';
}

export async function listObjectsOfContact(
  db: Queryable,
  orgId: number,
  contactId: number,
): Promise<ContactObject[]> {
  const { rows } = await db.query<ObjectRow>(
    'SELECT * FROM objects WHERE org_id = $1 AND contact_id = $2 ORDER BY id',
    [orgId, contactId],
  );
  return rows.map(toObject);
}

/** All objects of a batch of contacts, for rendering a launch batch in one round trip. */
export async function listObjectsOfContacts(
  db: Queryable,
  orgId: number,
  contactIds: number[],
): Promise<ContactObject[]> {
  if (contactIds.length === 0) return [];
  // The range beside the list is what makes the planner walk the index: with a list alone it guesses
  // a parallel scan of the whole table, which at a million contacts cost 150 ms per launch batch.
  let lo = contactIds[0]!;
  let hi = lo;
  for (const id of contactIds) {
    if (id < lo) lo = id;
    if (id > hi) hi = id;
  }
  const { rows } = await db.query<ObjectRow>(
    `SELECT id, contact_id, kind, number, charges_kopecks, debt_kopecks, attributes FROM objects
     WHERE org_id = $1 AND contact_id = ANY($2::bigint[]) AND contact_id BETWEEN $3 AND $4
     ORDER BY contact_id, id`,
    [orgId, contactIds, lo, hi],
  );
  return rows.map(toObject);
}

export async function updateObject(
  db: Queryable,
  orgId: number,
  id: number,
  o: Partial<Omit<ObjectInput, 'kind'>>,
): Promise<ContactObject | undefined | 'number_taken'> {
  try {
    const { rows } = await db.query<ObjectRow>(
      `UPDATE objects SET number = coalesce($3, number), charges_kopecks = coalesce($4, charges_kopecks),
         debt_kopecks = coalesce($5, debt_kopecks), attributes = coalesce($6, attributes)
       WHERE org_id = $1 AND id = $2 RETURNING *`,
      [orgId, id, o.number ?? null, o.chargesKopecks ?? null, o.debtKopecks ?? null, o.attributes ?? null],
    );
    return rows[0] ? toObject(rows[0]) : undefined;
  } catch (err) {
    // The new number is another object's of the same kind: UNIQUE (org_id, kind, number).
    if ((err as { code?: string }).code === '23505') return 'number_taken';
    throw err;
  }
}

export async function deleteObject(db: Queryable, orgId: number, id: number): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM objects WHERE org_id = $1 AND id = $2', [orgId, id]);
  return rowCount > 0;
}

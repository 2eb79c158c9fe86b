/** Typed custom attributes of an organisation (AU-1): the definitions; values live in contacts.attributes. */
import type { AttributeType } from '../core/audience/compile.ts';
import type { Queryable } from './db.ts';

export const ATTRIBUTE_TYPES = ['number', 'text', 'date', 'boolean', 'list'] as const;

export interface AttributeDefinition {
  id: number;
  name: string;
  type: AttributeType;
  options: string[];
  createdAt: Date;
}

interface Row {
  id: number;
  name: string;
  type: AttributeType;
  options: string[];
  created_at: Date;
}

const toDefinition = (r: Row): AttributeDefinition => ({
  id: r.id,
  name: r.name,
  type: r.type,
  options: r.options,
  createdAt: r.created_at,
});

export async function insertAttribute(
  db: Queryable,
  orgId: number,
  a: { name: string; type: AttributeType; options?: string[] },
): Promise<AttributeDefinition | 'name_taken'> {
  const { rows } = await db.query<Row>(
    `INSERT INTO attribute_definitions (org_id, name, type, options) VALUES ($1, $2, $3, $4)
     ON CONFLICT (org_id, name) DO NOTHING RETURNING *`,
    [orgId, a.name, a.type, JSON.stringify(a.options ?? [])],
  );
  return rows[0] ? toDefinition(rows[0]) : 'name_taken';
}

export async function listAttributes(db: Queryable, orgId: number): Promise<AttributeDefinition[]> {
  const { rows } = await db.query<Row>(
    'SELECT * FROM attribute_definitions WHERE org_id = $1 ORDER BY name',
    [orgId],
  );
  return rows.map(toDefinition);
}

export async function deleteAttribute(db: Queryable, orgId: number, id: number): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM attribute_definitions WHERE org_id = $1 AND id = $2', [
    orgId,
    id,
  ]);
  return rowCount > 0;
}

/** name → type, what the filter compiler needs. */
export async function attributeTypes(db: Queryable, orgId: number): Promise<Record<string, AttributeType>> {
  const { rows } = await db.query<{ name: string; type: AttributeType }>(
    'SELECT name, type FROM attribute_definitions WHERE org_id = $1',
    [orgId],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.type]));
}

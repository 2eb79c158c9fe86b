/**
 * The writes of an import (AU-8), a batch of rows per statement: contacts found by their key and
 * updated, the rest inserted, then their plots and accounts. Fields a row leaves out are passed as
 * NULL and kept as stored (coalesce): an import adds and corrects, it never erases. Custom
 * attributes are merged into the stored ones.
 */
import type { ContactInput } from '../core/contact.ts';
import type { Queryable } from './db.ts';

/** How a row finds its contact: external id, else phone, else e-mail. */
export type KeyKind = 'external_id' | 'phone' | 'email';

/** A contact as an import row gives it: the API's contact fields less do-not-message. */
export type ContactWrite = Omit<ContactInput, 'doNotMessage'>;

const FIELDS = [
  ['externalId', 'external_id', 'text'],
  ['lastName', 'last_name', 'text'],
  ['firstName', 'first_name', 'text'],
  ['middleName', 'middle_name', 'text'],
  ['phone', 'phone', 'text'],
  ['email', 'email', 'text'],
  ['telegramChatId', 'telegram_chat_id', 'text'],
  ['timeZone', 'time_zone', 'text'],
  ['gender', 'gender', 'text'],
  ['birthDate', 'birth_date', 'date'],
] as const;

const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;

/**
 * A column of values as the text of a PostgreSQL array (`{"a","b",NULL}`), for a `$n::text[]`
 * parameter. node-postgres writes arrays the same way, but runs a replace over every element; most
 * elements of an import have nothing to escape, so this tests first. Every element is quoted, so
 * the text `NULL` stays text.
 */
export function arrayLiteral(values: readonly (string | number | null | undefined)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else if (typeof v === 'number') out += String(v);
    else out += `"${NEEDS_ESCAPE.test(v) ? v.replace(ESCAPED, '\\$&') : v}"`;
  }
  return `${out}}`;
}

const columnArrays = (contacts: readonly ContactWrite[]): string[] => [
  ...FIELDS.map(([key]) => arrayLiteral(contacts.map((c) => c[key] ?? null))),
  arrayLiteral(contacts.map((c) => (c.attributes ? JSON.stringify(c.attributes) : null))),
];

const UNNEST_COLUMNS = `${FIELDS.map(([, col]) => col).join(', ')}, attributes`;
const unnestArgs = (first: number) =>
  [...FIELDS.map(([, , type]) => (type === 'date' ? 'text' : type)), 'text']
    .map((type, i) => `$${first + i}::${type}[]`)
    .join(', ');

/**
 * The stored contact for each key of one kind (the lowest id where several share a phone or
 * e-mail). One index probe per key, forced by the LATERAL join: a plain `= ANY(keys)` lets the
 * planner pick a scan of the whole table, which costs more with every batch as the table grows.
 */
export async function findContactIds(
  db: Queryable,
  orgId: number,
  kind: KeyKind,
  keys: readonly string[],
): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<{ key: string; id: number }>(
    `SELECT k.key, c.id FROM unnest($2::text[]) AS k(key)
     CROSS JOIN LATERAL (SELECT id FROM contacts WHERE org_id = $1 AND ${kind} = k.key ORDER BY id LIMIT 1) c`,
    [orgId, keys],
  );
  return new Map(rows.map((r) => [r.key, r.id]));
}

/** Updates stored contacts by id with the fields given (others kept); attributes merged. */
export async function updateContactsById(
  db: Queryable,
  orgId: number,
  ids: readonly number[],
  contacts: readonly ContactWrite[],
): Promise<void> {
  if (ids.length === 0) return;
  const sets = FIELDS.map(([, col, type]) =>
    type === 'date' ? `${col} = coalesce(u.${col}::date, c.${col})` : `${col} = coalesce(u.${col}, c.${col})`,
  );
  await db.query(
    `UPDATE contacts c SET ${sets.join(', ')},
       attributes = c.attributes || coalesce(u.attributes::jsonb, '{}'), updated_at = now()
     FROM unnest($2::bigint[], ${unnestArgs(3)}) AS u(id, ${UNNEST_COLUMNS})
     WHERE c.org_id = $1 AND c.id = u.id AND c.id = ANY($2::bigint[])`,
    [orgId, ids, ...columnArrays(contacts)],
  );
}

/**
 * Contacts by external id, in one statement per set of fields given: inserted, or (the external id
 * is taken) updated with exactly those fields, attributes merged. Returns each one's id and whether
 * it was inserted, by external id. External ids must be distinct in a call.
 */
export async function upsertContactsByExternalId(
  db: Queryable,
  orgId: number,
  contacts: readonly ContactWrite[],
): Promise<Map<string, { id: number; inserted: boolean }>> {
  const out = new Map<string, { id: number; inserted: boolean }>();
  const groups = new Map<string, ContactWrite[]>();
  for (const c of contacts) {
    const mask = FIELDS.map(([key]) => (c[key] !== undefined && c[key] !== null ? 1 : 0)).join('');
    const group = groups.get(mask);
    if (group) group.push(c);
    else groups.set(mask, [c]);
  }
  for (const [mask, group] of groups) {
    const given = FIELDS.filter((_, i) => mask[i] === '1');
    const names = NAME_COLUMNS;
    const values = FIELDS.map(([, col, type]) =>
      names.has(col) ? `coalesce(u.${col}, '')` : type === 'date' ? `u.${col}::date` : `u.${col}`,
    );
    const updated = given.filter(([key]) => key !== 'externalId').map(([, col]) => col);
    const sets = updated.map((col) => `${col} = excluded.${col}`);
    // A contact the row would leave as it is is not written again (a register sent again each month
    // is mostly unchanged): no new row version, no entry in each of the table's indexes.
    const changed = [
      ...(updated.length
        ? [
            `(${updated.map((col) => `contacts.${col}`).join(', ')}) IS DISTINCT FROM (${updated.map((col) => `excluded.${col}`).join(', ')})`,
          ]
        : []),
      'contacts.attributes || excluded.attributes IS DISTINCT FROM contacts.attributes',
    ];
    const { rows } = await db.query<{ id: number; external_id: string; inserted: boolean }>(
      `INSERT INTO contacts (org_id, ${UNNEST_COLUMNS})
       SELECT $1, ${values.join(', ')}, coalesce(u.attributes::jsonb, '{}')
       FROM unnest(${unnestArgs(2)}) AS u(${UNNEST_COLUMNS})
       ON CONFLICT (org_id, external_id) WHERE external_id IS NOT NULL DO UPDATE SET
         ${[...sets, 'attributes = contacts.attributes || excluded.attributes', 'updated_at = now()'].join(', ')}
         WHERE ${changed.join(' OR ')}
       RETURNING id, external_id, (xmax = 0) AS inserted`,
      [orgId, ...columnArrays(group)],
    );
    for (const r of rows) out.set(r.external_id, { id: r.id, inserted: r.inserted });
  }
  // The unchanged ones return nothing from the upsert: their ids are looked up.
  const unchanged = contacts.map((c) => c.externalId!).filter((key) => !out.has(key));
  const found = await findContactIds(db, orgId, 'external_id', unchanged);
  for (const [key, id] of found) out.set(key, { id, inserted: false });
  return out;
}

const NAME_COLUMNS = new Set(['last_name', 'first_name', 'middle_name']);

/**
 * Inserts new contacts; returns the id of each, in input order, or null for one whose external id
 * another process inserted meanwhile (the caller finds and updates it).
 */
export async function insertContacts(
  db: Queryable,
  orgId: number,
  contacts: readonly ContactWrite[],
): Promise<(number | null)[]> {
  if (contacts.length === 0) return [];
  const values = FIELDS.map(([, col, type]) =>
    col === 'last_name' || col === 'first_name' || col === 'middle_name'
      ? `coalesce(u.${col}, '')`
      : type === 'date'
        ? `u.${col}::date`
        : `u.${col}`,
  );
  const { rows } = await db.query<{ id: number; ord: number }>(
    `WITH ins AS (
       INSERT INTO contacts (org_id, ${UNNEST_COLUMNS})
       SELECT $1, ${values.join(', ')}, coalesce(u.attributes::jsonb, '{}')
       FROM unnest(${unnestArgs(2)}) WITH ORDINALITY AS u(${UNNEST_COLUMNS}, ord)
       ORDER BY u.ord
       ON CONFLICT (org_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
       RETURNING id)
     SELECT id, row_number() OVER (ORDER BY id)::int AS ord FROM ins`,
    [orgId, ...columnArrays(contacts)],
  );
  // Identity values are handed out in insertion order, so the n-th id belongs to the n-th row
  // inserted; rows skipped by a conflict leave no gap to place — then each is matched by its key.
  if (rows.length === contacts.length) return rows.map((r) => r.id);
  return matchInserted(
    db,
    orgId,
    contacts,
    rows.map((r) => r.id),
  );
}

/** After a conflict skipped some rows: which inserted id belongs to which row, by external id. */
async function matchInserted(
  db: Queryable,
  orgId: number,
  contacts: readonly ContactWrite[],
  ids: number[],
): Promise<(number | null)[]> {
  const { rows } = await db.query<{
    id: number;
    external_id: string | null;
    phone: string | null;
    email: string | null;
  }>(
    'SELECT id, external_id, phone, email FROM contacts WHERE org_id = $1 AND id = ANY($2::bigint[]) ORDER BY id',
    [orgId, ids],
  );
  const byExternal = new Map(rows.filter((r) => r.external_id !== null).map((r) => [r.external_id, r.id]));
  const rest = rows.filter((r) => r.external_id === null);
  let next = 0;
  // Only rows with an external id can conflict; those without are inserted in order, always.
  return contacts.map((c) =>
    c.externalId ? (byExternal.get(c.externalId) ?? null) : (rest[next++]?.id ?? null),
  );
}

export interface ObjectWrite {
  contactId: number;
  kind: 'plot' | 'account';
  number: string;
  chargesKopecks?: number;
  debtKopecks?: number;
}

/**
 * Plots and accounts by number: an existing one is linked to this contact (the file is the current
 * register) and gets the amounts given; a new one is created. Numbers must be distinct in a call.
 * One statement per combination of amounts given (usually one per batch), so that an amount left
 * empty keeps what is stored.
 */
export async function upsertObjects(
  db: Queryable,
  orgId: number,
  objects: readonly ObjectWrite[],
): Promise<void> {
  const groups = new Map<string, ObjectWrite[]>();
  for (const o of objects) {
    const mask = `${o.chargesKopecks !== undefined}:${o.debtKopecks !== undefined}`;
    const group = groups.get(mask);
    if (group) group.push(o);
    else groups.set(mask, [o]);
  }
  for (const [mask, group] of groups) {
    const [charges, debt] = mask.split(':').map((x) => x === 'true');
    const columns = [
      'contact_id',
      ...(charges ? ['charges_kopecks'] : []),
      ...(debt ? ['debt_kopecks'] : []),
    ];
    // An object the row would leave as it is is not written again.
    const sets = columns.map((c) => `${c} = excluded.${c}`);
    await db.query(
      `INSERT INTO objects (org_id, contact_id, kind, number, charges_kopecks, debt_kopecks)
       SELECT $1, u.contact_id, u.kind, u.number, coalesce(u.charges, 0), coalesce(u.debt, 0)
       FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])
         AS u(contact_id, kind, number, charges, debt)
       ON CONFLICT (org_id, kind, number) DO UPDATE SET ${sets.join(', ')}
         WHERE (${columns.map((c) => `objects.${c}`).join(', ')}) IS DISTINCT FROM (${columns.map((c) => `excluded.${c}`).join(', ')})`,
      [
        orgId,
        arrayLiteral(group.map((o) => o.contactId)),
        arrayLiteral(group.map((o) => o.kind)),
        arrayLiteral(group.map((o) => o.number)),
        arrayLiteral(group.map((o) => o.chargesKopecks ?? null)),
        arrayLiteral(group.map((o) => o.debtKopecks ?? null)),
      ],
    );
  }
}

/** Contacts (AU-1): one function per query, always scoped by organisation. */
import type { ContactInput } from '../core/contact.ts';
import type { Queryable } from './db.ts';

export interface Contact {
  id: number;
  externalId: string | null;
  lastName: string;
  firstName: string;
  middleName: string;
  phone: string | null;
  email: string | null;
  telegramChatId: string | null;
  timeZone: string | null;
  gender: 'male' | 'female' | null;
  birthDate: string | null;
  attributes: Record<string, unknown>;
  doNotMessage: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface ContactRow {
  id: number;
  org_id: number;
  external_id: string | null;
  last_name: string;
  first_name: string;
  middle_name: string;
  phone: string | null;
  email: string | null;
  telegram_chat_id: string | null;
  time_zone: string | null;
  gender: 'male' | 'female' | null;
  birth_date: string | null;
  attributes: Record<string, unknown>;
  do_not_message: boolean;
  created_at: Date;
  updated_at: Date;
}

export const toContact = (r: ContactRow): Contact => ({
  id: r.id,
  externalId: r.external_id,
  lastName: r.last_name,
  firstName: r.first_name,
  middleName: r.middle_name,
  phone: r.phone,
  email: r.email,
  telegramChatId: r.telegram_chat_id,
  timeZone: r.time_zone,
  gender: r.gender,
  birthDate: r.birth_date,
  attributes: r.attributes,
  doNotMessage: r.do_not_message,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Input field → column; the order is the order of parameters in insert and update. */
const COLUMNS: [keyof ContactInput, string][] = [
  ['externalId', 'external_id'],
  ['lastName', 'last_name'],
  ['firstName', 'first_name'],
  ['middleName', 'middle_name'],
  ['phone', 'phone'],
  ['email', 'email'],
  ['telegramChatId', 'telegram_chat_id'],
  ['timeZone', 'time_zone'],
  ['gender', 'gender'],
  ['birthDate', 'birth_date'],
  ['attributes', 'attributes'],
  ['doNotMessage', 'do_not_message'],
];

export async function insertContact(
  db: Queryable,
  orgId: number,
  c: ContactInput,
): Promise<Contact | 'external_id_taken'> {
  const present = COLUMNS.filter(([k]) => c[k] !== undefined);
  const cols = ['org_id', ...present.map(([, col]) => col)];
  const params = [orgId, ...present.map(([k]) => c[k])];
  const { rows } = await db.query<ContactRow>(
    `INSERT INTO contacts (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})
     ON CONFLICT (org_id, external_id) WHERE external_id IS NOT NULL DO NOTHING RETURNING *`,
    params,
  );
  return rows[0] ? toContact(rows[0]) : 'external_id_taken';
}

export async function updateContact(
  db: Queryable,
  orgId: number,
  id: number,
  c: ContactInput,
): Promise<Contact | 'not_found' | 'external_id_taken'> {
  const present = COLUMNS.filter(([k]) => c[k] !== undefined);
  const sets = present.map(([, col], i) => `${col} = $${i + 3}`);
  try {
    const { rows } = await db.query<ContactRow>(
      `UPDATE contacts SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE org_id = $1 AND id = $2 RETURNING *`,
      [orgId, id, ...present.map(([k]) => c[k])],
    );
    return rows[0] ? toContact(rows[0]) : 'not_found';
  } catch (err) {
    if ((err as { code?: string }).code === '23505') return 'external_id_taken';
    throw err;
  }
}

export async function getContact(db: Queryable, orgId: number, id: number): Promise<Contact | undefined> {
  const { rows } = await db.query<ContactRow>('SELECT * FROM contacts WHERE org_id = $1 AND id = $2', [
    orgId,
    id,
  ]);
  return rows[0] ? toContact(rows[0]) : undefined;
}

/** A page in id order after `afterId` (keyset paging: stable under inserts, fast at any depth). */
export async function listContacts(
  db: Queryable,
  orgId: number,
  page: { afterId: number; limit: number; search?: string },
): Promise<Contact[]> {
  const search = page.search?.trim() ? `%${page.search.trim().toLowerCase()}%` : null;
  const { rows } = await db.query<ContactRow>(
    `SELECT * FROM contacts WHERE org_id = $1 AND id > $2
       AND ($4::text IS NULL OR lower(last_name || ' ' || first_name || ' ' || middle_name || ' ' ||
            coalesce(phone, '') || ' ' || coalesce(email, '') || ' ' || coalesce(external_id, '')) LIKE $4)
     ORDER BY id LIMIT $3`,
    [orgId, page.afterId, page.limit, search],
  );
  return rows.map(toContact);
}

/**
 * Deletes a contact; its messages stay, as history, without it (messages carry no foreign key:
 * migration 0014, so the delete clears them itself).
 */
export async function deleteContact(db: Queryable, orgId: number, id: number): Promise<boolean> {
  const { rows } = await db.query<{ n: number }>(
    `WITH gone AS (DELETE FROM contacts WHERE org_id = $1 AND id = $2 RETURNING id),
          cleared AS (UPDATE messages SET contact_id = NULL WHERE org_id = $1 AND contact_id IN (SELECT id FROM gone))
     SELECT count(*)::int AS n FROM gone`,
    [orgId, id],
  );
  return rows[0]!.n > 0;
}

export async function countContacts(db: Queryable, orgId: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM contacts WHERE org_id = $1',
    [orgId],
  );
  return rows[0]!.n;
}

/** Which of these ids are not contacts of the organisation (for validating an audience). */
export async function missingContactIds(db: Queryable, orgId: number, ids: number[]): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT u.id FROM unnest($2::bigint[]) AS u(id)
     WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.org_id = $1 AND c.id = u.id)`,
    [orgId, ids],
  );
  return rows.map((r) => r.id);
}

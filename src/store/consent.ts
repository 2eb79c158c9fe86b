/**
 * Consent and suppression (AC-4). A consent is kept per contact, channel and category with where it
 * came from and the words agreed to; withdrawing keeps the record and stamps the time. The
 * suppression list holds addresses never to message on a channel, whoever holds them.
 */
import type { Category } from '../core/audience/audience.ts';
import type { Channel } from '../core/states.ts';
import type { Queryable } from './db.ts';

export interface Consent {
  contactId: number;
  channel: Channel;
  category: Category;
  source: string;
  wording: string;
  grantedAt: Date;
  withdrawnAt: Date | null;
}

interface ConsentRow {
  contact_id: number;
  channel: Channel;
  category: Category;
  source: string;
  wording: string;
  granted_at: Date;
  withdrawn_at: Date | null;
}

const toConsent = (r: ConsentRow): Consent => ({
  contactId: r.contact_id,
  channel: r.channel,
  category: r.category,
  source: r.source,
  wording: r.wording,
  grantedAt: r.granted_at,
  withdrawnAt: r.withdrawn_at,
});

/** Records (or renews) a consent; undefined when the contact is not the organisation's. */
export async function grantConsent(
  db: Queryable,
  orgId: number,
  c: { contactId: number; channel: Channel; category: Category; source: string; wording: string; at?: Date },
): Promise<Consent | undefined> {
  const { rows } = await db.query<ConsentRow>(
    `INSERT INTO consents (org_id, contact_id, channel, category, source, wording, granted_at)
     SELECT $1, c.id, $3, $4, $5, $6, coalesce($7, now()) FROM contacts c WHERE c.org_id = $1 AND c.id = $2
     ON CONFLICT (contact_id, channel, category) DO UPDATE SET source = excluded.source,
       wording = excluded.wording, granted_at = excluded.granted_at, withdrawn_at = NULL
     RETURNING *`,
    [orgId, c.contactId, c.channel, c.category, c.source, c.wording, c.at ?? null],
  );
  return rows[0] ? toConsent(rows[0]) : undefined;
}

export async function withdrawConsent(
  db: Queryable,
  orgId: number,
  c: { contactId: number; channel: Channel; category: Category },
): Promise<Consent | undefined> {
  const { rows } = await db.query<ConsentRow>(
    `UPDATE consents SET withdrawn_at = coalesce(withdrawn_at, now())
     WHERE org_id = $1 AND contact_id = $2 AND channel = $3 AND category = $4 RETURNING *`,
    [orgId, c.contactId, c.channel, c.category],
  );
  return rows[0] ? toConsent(rows[0]) : undefined;
}

export async function listConsents(db: Queryable, orgId: number, contactId: number): Promise<Consent[]> {
  const { rows } = await db.query<ConsentRow>(
    'SELECT * FROM consents WHERE org_id = $1 AND contact_id = $2 ORDER BY channel, category',
    [orgId, contactId],
  );
  return rows.map(toConsent);
}

export const SUPPRESSION_REASONS = ['unsubscribed', 'complaint', 'bounced', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface Suppression {
  channel: Channel;
  address: string;
  reason: SuppressionReason;
  note: string;
  createdBy: string;
  createdAt: Date;
}

interface SuppressionRow {
  channel: Channel;
  address: string;
  reason: SuppressionReason;
  note: string;
  created_by: string;
  created_at: Date;
}

const toSuppression = (r: SuppressionRow): Suppression => ({
  channel: r.channel,
  address: r.address,
  reason: r.reason,
  note: r.note,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

/** Adds the address (the address must be normalised already); a second call updates the reason. */
export async function suppress(
  db: Queryable,
  orgId: number,
  s: { channel: Channel; address: string; reason: SuppressionReason; note?: string; by: string },
): Promise<Suppression> {
  const { rows } = await db.query<SuppressionRow>(
    `INSERT INTO suppressions (org_id, channel, address, reason, note, created_by) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (org_id, channel, address) DO UPDATE SET reason = excluded.reason, note = excluded.note
     RETURNING *`,
    [orgId, s.channel, s.address, s.reason, s.note ?? '', s.by],
  );
  return toSuppression(rows[0]!);
}

export async function unsuppress(
  db: Queryable,
  orgId: number,
  channel: Channel,
  address: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    'DELETE FROM suppressions WHERE org_id = $1 AND channel = $2 AND address = $3',
    [orgId, channel, address],
  );
  return rowCount > 0;
}

export async function listSuppressions(
  db: Queryable,
  orgId: number,
  page: { channel?: Channel; after?: string; limit: number },
): Promise<Suppression[]> {
  const { rows } = await db.query<SuppressionRow>(
    `SELECT * FROM suppressions WHERE org_id = $1 AND ($2::text IS NULL OR channel = $2)
       AND (channel || ' ' || address) > $3 ORDER BY channel || ' ' || address LIMIT $4`,
    [orgId, page.channel ?? null, page.after ?? '', page.limit],
  );
  return rows.map(toSuppression);
}

/**
 * Excludes the queued messages to this address that no worker holds (the rule of excludeLeftovers:
 * a leased row is being sent right now; if it comes back for a retry, the next call catches it).
 */
export async function excludeQueuedTo(
  db: Queryable,
  orgId: number,
  channel: Channel,
  address: string,
  reason: string,
): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE messages SET state = 'excluded', reason = $4, final_at = now(), due_at = NULL
     WHERE org_id = $1 AND channel = $2 AND address = $3
       AND state = 'queued' AND (lease_owner IS NULL OR due_at <= now())`,
    [orgId, channel, address, reason],
  );
  return rowCount;
}

/** Organisations (tenants) and the gateways every new one starts with. */
import crypto from 'node:crypto';
import { CHANNELS } from '../core/states.ts';
import type { Queryable } from './db.ts';

export interface Org {
  id: number;
  name: string;
  timeZone: string;
  createdAt: Date;
}

interface OrgRow {
  id: number;
  name: string;
  time_zone: string;
  created_at: Date;
}

const toOrg = (r: OrgRow): Org => ({
  id: r.id,
  name: r.name,
  timeZone: r.time_zone,
  createdAt: r.created_at,
});

/** Creates the organisation with a sandbox gateway per channel, so it can send at once (PR-1). */
export async function createOrg(db: Queryable, name: string, timeZone = 'Europe/Moscow'): Promise<Org> {
  // The secret that signs its public links (documents, unsubscribe): 256 bits from the CSPRNG.
  const { rows } = await db.query<OrgRow>(
    'INSERT INTO orgs (name, time_zone, link_secret) VALUES ($1, $2, $3) RETURNING *',
    [name, timeZone, crypto.randomBytes(32)],
  );
  const org = toOrg(rows[0]!);
  await db.query('INSERT INTO balances (org_id) VALUES ($1)', [org.id]);
  for (const channel of CHANNELS) {
    await db.query(
      `INSERT INTO gateways (org_id, name, kind, channel, settings, callback_secret)
       VALUES ($1, $2, 'sandbox', $3, '{}', $4)`,
      [org.id, `sandbox-${channel}`, channel, crypto.randomBytes(24).toString('base64url')],
    );
  }
  return org;
}

export async function getOrg(db: Queryable, id: number): Promise<Org | undefined> {
  const { rows } = await db.query<OrgRow>('SELECT * FROM orgs WHERE id = $1', [id]);
  return rows[0] ? toOrg(rows[0]) : undefined;
}

export async function listOrgs(db: Queryable): Promise<Org[]> {
  const { rows } = await db.query<OrgRow>('SELECT * FROM orgs ORDER BY id');
  return rows.map(toOrg);
}

export async function countOrgs(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM orgs');
  return rows[0]!.n;
}

/** The secret that signs the organisation's public links; never leaves the server. */
export async function getLinkSecret(db: Queryable, orgId: number): Promise<Buffer | undefined> {
  const { rows } = await db.query<{ link_secret: Uint8Array }>('SELECT link_secret FROM orgs WHERE id = $1', [
    orgId,
  ]);
  const s = rows[0]?.link_secret;
  return s ? Buffer.from(s) : undefined;
}

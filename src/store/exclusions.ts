/** Recipients the operator unticked on a campaign (AU-6): kept on it and honoured by the launch. */
import type { Queryable } from './db.ts';

/** Unticks the organisation's own contacts among `contactIds`; returns how many are now unticked. */
export async function untickRecipients(
  db: Queryable,
  orgId: number,
  campaignId: number,
  contactIds: number[],
  by: string,
): Promise<number> {
  const { rowCount } = await db.query(
    `INSERT INTO campaign_exclusions (campaign_id, contact_id, org_id, created_by)
     SELECT $2, c.id, $1, $4 FROM contacts c WHERE c.org_id = $1 AND c.id = ANY($3::bigint[])
     ON CONFLICT DO NOTHING`,
    [orgId, campaignId, contactIds, by],
  );
  return rowCount;
}

export async function retickRecipients(
  db: Queryable,
  orgId: number,
  campaignId: number,
  contactIds: number[],
): Promise<number> {
  const { rowCount } = await db.query(
    'DELETE FROM campaign_exclusions WHERE org_id = $1 AND campaign_id = $2 AND contact_id = ANY($3::bigint[])',
    [orgId, campaignId, contactIds],
  );
  return rowCount;
}

export async function listUnticked(db: Queryable, orgId: number, campaignId: number): Promise<number[]> {
  const { rows } = await db.query<{ contact_id: number }>(
    'SELECT contact_id FROM campaign_exclusions WHERE org_id = $1 AND campaign_id = $2 ORDER BY contact_id',
    [orgId, campaignId],
  );
  return rows.map((r) => r.contact_id);
}

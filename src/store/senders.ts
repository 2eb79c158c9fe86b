/** Sender names per organisation and gateway, with their approval state (CT-5). */
import type { Queryable } from './db.ts';

export type SenderState = 'requested' | 'approved' | 'rejected';

export interface SenderName {
  id: number;
  gatewayId: number;
  name: string;
  state: SenderState;
  reason: string | null;
  createdAt: Date;
  decidedAt: Date | null;
}

interface Row {
  id: number;
  gateway_id: number;
  name: string;
  state: SenderState;
  reason: string | null;
  created_at: Date;
  decided_at: Date | null;
}

const toSender = (r: Row): SenderName => ({
  id: r.id,
  gatewayId: r.gateway_id,
  name: r.name,
  state: r.state,
  reason: r.reason,
  createdAt: r.created_at,
  decidedAt: r.decided_at,
});

/** Registers a name with a gateway of the organisation; 'gateway_not_found' or 'exists' otherwise. */
export async function insertSender(
  db: Queryable,
  orgId: number,
  gatewayId: number,
  name: string,
): Promise<SenderName | 'gateway_not_found' | 'exists'> {
  const { rows } = await db.query<Row>(
    `INSERT INTO sender_names (org_id, gateway_id, name)
     SELECT $1, g.id, $3 FROM gateways g WHERE g.org_id = $1 AND g.id = $2
     ON CONFLICT (gateway_id, name) DO NOTHING RETURNING *`,
    [orgId, gatewayId, name],
  );
  if (rows[0]) return toSender(rows[0]);
  const g = await db.query('SELECT 1 FROM gateways WHERE org_id = $1 AND id = $2', [orgId, gatewayId]);
  return g.rows.length ? 'exists' : 'gateway_not_found';
}

export async function listSenders(db: Queryable, orgId: number): Promise<SenderName[]> {
  const { rows } = await db.query<Row>(
    'SELECT * FROM sender_names WHERE org_id = $1 ORDER BY gateway_id, name',
    [orgId],
  );
  return rows.map(toSender);
}

export async function decideSender(
  db: Queryable,
  orgId: number,
  id: number,
  state: SenderState,
  reason: string | null,
): Promise<SenderName | undefined> {
  const { rows } = await db.query<Row>(
    `UPDATE sender_names SET state = $3, reason = $4, decided_at = CASE WHEN $3 = 'requested' THEN NULL ELSE now() END
     WHERE org_id = $1 AND id = $2 RETURNING *`,
    [orgId, id, state, reason],
  );
  return rows[0] ? toSender(rows[0]) : undefined;
}

export async function findSender(
  db: Queryable,
  gatewayId: number,
  name: string,
): Promise<SenderName | undefined> {
  const { rows } = await db.query<Row>('SELECT * FROM sender_names WHERE gateway_id = $1 AND name = $2', [
    gatewayId,
    name,
  ]);
  return rows[0] ? toSender(rows[0]) : undefined;
}

export async function deleteSender(db: Queryable, orgId: number, id: number): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM sender_names WHERE org_id = $1 AND id = $2', [orgId, id]);
  return rowCount > 0;
}

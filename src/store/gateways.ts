/** An organisation's configured gateways. Credentials will live in `settings` (encrypted, later). */
import crypto from 'node:crypto';
import type { Channel } from '../core/states.ts';
import type { Queryable } from './db.ts';

export interface GatewayRow {
  id: number;
  orgId: number;
  name: string;
  kind: string;
  channel: Channel;
  priority: number;
  settings: Record<string, unknown>;
  callbackSecret: string;
  enabled: boolean;
  /** Messages per second this gateway may be sent, shared by all workers; null for no limit. */
  ratePerSecond: number | null;
}

interface Row {
  id: number;
  org_id: number;
  name: string;
  kind: string;
  channel: Channel;
  priority: number;
  settings: Record<string, unknown>;
  callback_secret: string;
  enabled: boolean;
  rate_per_second: number | null;
}

const toGateway = (r: Row): GatewayRow => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  kind: r.kind,
  channel: r.channel,
  priority: r.priority,
  settings: r.settings,
  callbackSecret: r.callback_secret,
  enabled: r.enabled,
  ratePerSecond: r.rate_per_second,
});

export async function listGateways(db: Queryable, orgId: number): Promise<GatewayRow[]> {
  const { rows } = await db.query<Row>(
    'SELECT * FROM gateways WHERE org_id = $1 ORDER BY channel, priority, id',
    [orgId],
  );
  return rows.map(toGateway);
}

/** The gateway a new message of this channel goes to: the enabled one with the lowest priority. */
export async function primaryGateway(
  db: Queryable,
  orgId: number,
  channel: Channel,
): Promise<GatewayRow | undefined> {
  const { rows } = await db.query<Row>(
    'SELECT * FROM gateways WHERE org_id = $1 AND channel = $2 AND enabled ORDER BY priority, id LIMIT 1',
    [orgId, channel],
  );
  return rows[0] ? toGateway(rows[0]) : undefined;
}

/**
 * Where a message of this gateway may go when it is down (SD-8): the organisation's other enabled
 * gateways of the same channel, by priority.
 */
export async function fallbackGateways(db: Queryable, gatewayId: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT f.id FROM gateways g JOIN gateways f ON f.org_id = g.org_id AND f.channel = g.channel
     WHERE g.id = $1 AND f.id <> g.id AND f.enabled ORDER BY f.priority, f.id`,
    [gatewayId],
  );
  return rows.map((r) => r.id);
}

/** By id alone: for workers (which serve every organisation) and for callbacks (checked by secret). */
export async function getGatewayById(db: Queryable, id: number): Promise<GatewayRow | undefined> {
  const { rows } = await db.query<Row>('SELECT * FROM gateways WHERE id = $1', [id]);
  return rows[0] ? toGateway(rows[0]) : undefined;
}

export async function updateGatewaySettings(
  db: Queryable,
  orgId: number,
  id: number,
  settings: Record<string, unknown>,
): Promise<GatewayRow | undefined> {
  const { rows } = await db.query<Row>(
    'UPDATE gateways SET settings = $3 WHERE org_id = $1 AND id = $2 RETURNING *',
    [orgId, id, settings],
  );
  return rows[0] ? toGateway(rows[0]) : undefined;
}

/** Adds a gateway to the organisation (the lowest priority of its channel is the primary one). */
export async function insertGateway(
  db: Queryable,
  orgId: number,
  g: {
    name: string;
    kind: string;
    channel: Channel;
    priority: number;
    settings: Record<string, unknown>;
    ratePerSecond?: number | null;
  },
): Promise<GatewayRow | 'name_taken'> {
  const { rows } = await db.query<Row>(
    `INSERT INTO gateways (org_id, name, kind, channel, priority, settings, callback_secret, rate_per_second)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (org_id, name) DO NOTHING RETURNING *`,
    [
      orgId,
      g.name,
      g.kind,
      g.channel,
      g.priority,
      g.settings,
      crypto.randomBytes(24).toString('base64url'),
      g.ratePerSecond ?? null,
    ],
  );
  return rows[0] ? toGateway(rows[0]) : 'name_taken';
}

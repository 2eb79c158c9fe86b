/**
 * An organisation's configured gateways. Credentials are not in `settings`: they are sealed in
 * `secrets` (core/secrets.ts) and opened only where a gateway is built (dispatch/gatewayPool.ts).
 * The callback secret is sealed in its column too (decision 0020) and opened as rows are read, as
 * every row's reader — callbacks, dispatch, the settings view — needs it in the clear.
 */
import crypto from 'node:crypto';
import { callbackSecretContext, SecretError } from '../core/secrets.ts';
import type { Channel } from '../core/states.ts';
import type { Queryable } from './db.ts';
import { openStored, sealStored } from './sealed.ts';

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
  /** The sealed credentials (core/secrets.ts), or null. Never returned by the API. */
  secrets: string | null;
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
  secrets: string | null;
}

const toGateway = (r: Row): GatewayRow => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  kind: r.kind,
  channel: r.channel,
  priority: r.priority,
  settings: r.settings,
  callbackSecret: openCallbackSecret(r.id, r.callback_secret),
  enabled: r.enabled,
  ratePerSecond: r.rate_per_second,
  secrets: r.secrets,
});

/**
 * A callback secret that does not open (this process runs on another key) is replaced by a random
 * one: no callback verifies against it, and the row can still be listed and dispatched.
 */
function openCallbackSecret(gatewayId: number, stored: string): string {
  try {
    return openStored(stored, callbackSecretContext(gatewayId));
  } catch (err) {
    if (!(err instanceof SecretError)) throw err;
    return `unopened-${crypto.randomBytes(24).toString('base64url')}`;
  }
}

/**
 * The id the next gateway will have and its new callback secret sealed for it: the id is taken
 * first because the sealed value is bound to it.
 */
export async function nextGatewayIdentity(db: Queryable): Promise<{ id: number; callbackSecret: string }> {
  const { rows } = await db.query<{ id: number }>(
    "SELECT nextval(pg_get_serial_sequence('gateways', 'id')) AS id",
  );
  const id = Number(rows[0]!.id);
  return {
    id,
    callbackSecret: sealStored(crypto.randomBytes(24).toString('base64url'), callbackSecretContext(id)),
  };
}

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

/** Every organisation's enabled gateways of these kinds: for workers, which serve them all. */
export async function enabledGatewaysOfKinds(db: Queryable, kinds: readonly string[]): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    'SELECT id FROM gateways WHERE enabled AND kind = ANY($1::text[]) ORDER BY id',
    [kinds],
  );
  return rows.map((r) => r.id);
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
  const next = await nextGatewayIdentity(db);
  const { rows } = await db.query<Row>(
    `INSERT INTO gateways (id, org_id, name, kind, channel, priority, settings, callback_secret, rate_per_second)
     OVERRIDING SYSTEM VALUE VALUES ($9, $1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (org_id, name) DO NOTHING RETURNING *`,
    [
      orgId,
      g.name,
      g.kind,
      g.channel,
      g.priority,
      g.settings,
      next.callbackSecret,
      g.ratePerSecond ?? null,
      next.id,
    ],
  );
  return rows[0] ? toGateway(rows[0]) : 'name_taken';
}

/** By id or by name within the organisation: what the command line and the API address. */
export async function findGateway(
  db: Queryable,
  orgId: number,
  idOrName: string | number,
): Promise<GatewayRow | undefined> {
  // A name wins over an id: a gateway may be called «2».
  const byName = await db.query<Row>('SELECT * FROM gateways WHERE org_id = $1 AND name = $2', [
    orgId,
    String(idOrName),
  ]);
  if (byName.rows[0]) return toGateway(byName.rows[0]);
  const id = Number(idOrName);
  if (!Number.isSafeInteger(id) || id < 1) return undefined;
  const { rows } = await db.query<Row>('SELECT * FROM gateways WHERE org_id = $1 AND id = $2', [orgId, id]);
  return rows[0] ? toGateway(rows[0]) : undefined;
}

export interface GatewayPatch {
  name?: string;
  priority?: number;
  enabled?: boolean;
  ratePerSecond?: number | null;
  /** Replaces the clear settings as a whole (the caller merges). */
  settings?: Record<string, unknown>;
  /** The sealed credentials; null removes them. */
  secrets?: string | null;
}

/** Changes what the patch names; undefined when there is no such gateway, 'name_taken' on a clash. */
export async function updateGateway(
  db: Queryable,
  orgId: number,
  id: number,
  p: GatewayPatch,
): Promise<GatewayRow | undefined | 'name_taken'> {
  const sets: string[] = [];
  const params: unknown[] = [orgId, id];
  const set = (column: string, value: unknown) => {
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  };
  if (p.name !== undefined) set('name', p.name);
  if (p.priority !== undefined) set('priority', p.priority);
  if (p.enabled !== undefined) set('enabled', p.enabled);
  if (p.ratePerSecond !== undefined) set('rate_per_second', p.ratePerSecond);
  if (p.settings !== undefined) set('settings', p.settings);
  if (p.secrets !== undefined) set('secrets', p.secrets);
  if (sets.length === 0) return findGateway(db, orgId, id);
  if (p.name !== undefined) {
    const clash = await db.query('SELECT 1 FROM gateways WHERE org_id = $1 AND name = $2 AND id <> $3', [
      orgId,
      p.name,
      id,
    ]);
    if (clash.rows.length) return 'name_taken';
  }
  const { rows } = await db.query<Row>(
    `UPDATE gateways SET ${sets.join(', ')} WHERE org_id = $1 AND id = $2 RETURNING *`,
    params,
  );
  return rows[0] ? toGateway(rows[0]) : undefined;
}

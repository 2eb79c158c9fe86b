/** Organisations (tenants) and the gateways every new one starts with. */
import crypto from 'node:crypto';
import { linkSecretContext } from '../core/secrets.ts';
import { CHANNELS } from '../core/states.ts';
import type { Queryable } from './db.ts';
import { nextGatewayIdentity } from './gateways.ts';
import { openStored, sealStored } from './sealed.ts';

/** When the organisation's messages may go (issue 7): migration 0013 has the defaults and limits. */
export interface DeliverySettings {
  /** The daytime window in each recipient's local time, `HH:MM`. */
  windowStart: string;
  windowEnd: string;
  urgentPerMinute: number;
  /** Economy mode's messages per day and gateway (a gateway may set its own). */
  economyDailyCapacity: number;
  messengerWaitSeconds: number;
  economyMessengerWaitSeconds: number;
  /** A general cap of messages per recipient and local day; null for none. */
  dailyCapPerRecipient: number | null;
}

/** Moderation of what the organisation sends (issue 18, MD-1). */
export const MODERATION_MODES = ['none', 'automatic', 'manual'] as const;
export type ModerationMode = (typeof MODERATION_MODES)[number];

export interface Org extends DeliverySettings {
  id: number;
  name: string;
  timeZone: string;
  createdAt: Date;
  moderationMode: ModerationMode;
  /** Its own moderators decide its queue (instance staff grant it); otherwise only staff do. */
  selfModeration: boolean;
}

interface OrgRow {
  id: number;
  name: string;
  time_zone: string;
  created_at: Date;
  window_start: string;
  window_end: string;
  urgent_per_minute: number;
  economy_daily_capacity: number;
  messenger_wait_seconds: number;
  economy_messenger_wait_seconds: number;
  daily_cap_per_recipient: number | null;
  moderation_mode: ModerationMode;
  self_moderation: boolean;
}

const toOrg = (r: OrgRow): Org => ({
  id: r.id,
  name: r.name,
  timeZone: r.time_zone,
  createdAt: r.created_at,
  windowStart: r.window_start,
  windowEnd: r.window_end,
  urgentPerMinute: r.urgent_per_minute,
  economyDailyCapacity: r.economy_daily_capacity,
  messengerWaitSeconds: r.messenger_wait_seconds,
  economyMessengerWaitSeconds: r.economy_messenger_wait_seconds,
  dailyCapPerRecipient: r.daily_cap_per_recipient,
  moderationMode: r.moderation_mode,
  selfModeration: r.self_moderation,
});

const SETTING_COLUMNS: Record<keyof DeliverySettings, string> = {
  windowStart: 'window_start',
  windowEnd: 'window_end',
  urgentPerMinute: 'urgent_per_minute',
  economyDailyCapacity: 'economy_daily_capacity',
  messengerWaitSeconds: 'messenger_wait_seconds',
  economyMessengerWaitSeconds: 'economy_messenger_wait_seconds',
  dailyCapPerRecipient: 'daily_cap_per_recipient',
};

/** Changes some of the delivery settings (checked by the caller and by the table's constraints). */
export async function updateDeliverySettings(
  db: Queryable,
  orgId: number,
  change: Partial<DeliverySettings>,
): Promise<Org | undefined> {
  const keys = (Object.keys(change) as (keyof DeliverySettings)[]).filter((k) => change[k] !== undefined);
  if (keys.length === 0) return getOrg(db, orgId);
  const sets = keys.map((k, i) => `${SETTING_COLUMNS[k]} = $${i + 2}`).join(', ');
  const { rows } = await db.query<OrgRow>(`UPDATE orgs SET ${sets} WHERE id = $1 RETURNING *`, [
    orgId,
    ...keys.map((k) => change[k]),
  ]);
  return rows[0] ? toOrg(rows[0]) : undefined;
}

/** Creates the organisation with a sandbox gateway per channel, so it can send at once (PR-1). */
/**
 * The daytime window a new organisation starts with: 10:00–23:00 (seed 000), or
 * `VESTNIK_DEFAULT_WINDOW` (`HH:MM-HH:MM`) — the test suite sends around the clock with `00:00-24:00`.
 */
export function defaultWindow(env = process.env): { start: string; end: string } {
  const m = /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec(env.VESTNIK_DEFAULT_WINDOW ?? '');
  return m ? { start: m[1]!, end: m[2]! } : { start: '10:00', end: '23:00' };
}

/**
 * The instance's moderation mode for organisations not told otherwise: `VESTNIK_MODERATION_DEFAULT`,
 * automatic by default. The product's own ways to create one (the CLI, the first start) ask for
 * manual (issue 18); the test suite sets `none` so its organisations send as before.
 */
export function defaultModerationMode(env = process.env): ModerationMode {
  const v = env.VESTNIK_MODERATION_DEFAULT;
  return (MODERATION_MODES as readonly string[]).includes(v ?? '') ? (v as ModerationMode) : 'automatic';
}

/**
 * The mode of an organisation created through the product (`vestnik org create`, the first start):
 * manual — a stranger's first campaign is looked at. An instance whose default is `none` moderates
 * nothing (a trusted single-tenant install; the test suite), its new organisations included.
 */
export function newOrgModerationMode(env = process.env): ModerationMode {
  return defaultModerationMode(env) === 'none' ? 'none' : 'manual';
}

export async function createOrg(
  db: Queryable,
  name: string,
  timeZone = 'Europe/Moscow',
  moderationMode: ModerationMode = defaultModerationMode(),
): Promise<Org> {
  const window = defaultWindow();
  // The secret that signs its public links (documents, unsubscribe): 256 bits from the CSPRNG, as
  // hex, sealed for this organisation (decision 0020) — so its id is taken first.
  const next = await db.query<{ id: number }>("SELECT nextval(pg_get_serial_sequence('orgs', 'id')) AS id");
  const orgId = Number(next.rows[0]!.id);
  const linkSecret = sealStored(crypto.randomBytes(32).toString('hex'), linkSecretContext(orgId));
  const { rows } = await db.query<OrgRow>(
    `INSERT INTO orgs (id, name, time_zone, link_secret, window_start, window_end, moderation_mode)
     OVERRIDING SYSTEM VALUE VALUES ($6, $1, $2, $3, $4, $5, $7) RETURNING *`,
    [name, timeZone, linkSecret, window.start, window.end, orgId, moderationMode],
  );
  const org = toOrg(rows[0]!);
  await db.query('INSERT INTO balances (org_id) VALUES ($1)', [org.id]);
  for (const channel of CHANNELS) {
    const gateway = await nextGatewayIdentity(db);
    await db.query(
      `INSERT INTO gateways (id, org_id, name, kind, channel, settings, callback_secret)
       OVERRIDING SYSTEM VALUE VALUES ($5, $1, $2, 'sandbox', $3, '{}', $4)`,
      [org.id, `sandbox-${channel}`, channel, gateway.callbackSecret, gateway.id],
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
  const { rows } = await db.query<{ link_secret: string }>('SELECT link_secret FROM orgs WHERE id = $1', [
    orgId,
  ]);
  const s = rows[0]?.link_secret;
  // Hex, sealed (decision 0020); a secret that does not open throws: links signed with anything
  // else would not verify.
  return s ? Buffer.from(openStored(s, linkSecretContext(orgId)), 'hex') : undefined;
}

/**
 * The rows whose secrets are not yet sealed with this process's key (services/resealSecrets.ts):
 * gateways' credentials and callback secrets, and organisations' link secrets, in the clear (rows
 * from before migration 0019) or sealed with the development key. Few rows, read once at start.
 */
import type { Queryable } from './db.ts';

export interface GatewaySecretsRow {
  id: number;
  secrets: string | null;
  callbackSecret: string;
}

/** `devPrefix`: `v1.<development key id>.` when a real key is in force, else null (nothing to re-seal). */
export async function gatewaysToSeal(db: Queryable, devPrefix: string | null): Promise<GatewaySecretsRow[]> {
  const { rows } = await db.query<{ id: number; secrets: string | null; callback_secret: string }>(
    `SELECT id, secrets, callback_secret FROM gateways
     WHERE callback_secret NOT LIKE 'v1.%'
        OR ($1::text IS NOT NULL AND (starts_with(callback_secret, $1) OR starts_with(secrets, $1)))
     ORDER BY id FOR UPDATE`,
    [devPrefix],
  );
  return rows.map((r) => ({ id: r.id, secrets: r.secrets, callbackSecret: r.callback_secret }));
}

export async function setGatewaySealed(
  db: Queryable,
  id: number,
  sealed: { secrets: string | null; callbackSecret: string },
): Promise<void> {
  await db.query('UPDATE gateways SET secrets = $2, callback_secret = $3 WHERE id = $1', [
    id,
    sealed.secrets,
    sealed.callbackSecret,
  ]);
}

export async function orgsToSeal(
  db: Queryable,
  devPrefix: string | null,
): Promise<{ id: number; linkSecret: string }[]> {
  const { rows } = await db.query<{ id: number; link_secret: string }>(
    `SELECT id, link_secret FROM orgs
     WHERE link_secret NOT LIKE 'v1.%' OR ($1::text IS NOT NULL AND starts_with(link_secret, $1))
     ORDER BY id FOR UPDATE`,
    [devPrefix],
  );
  return rows.map((r) => ({ id: r.id, linkSecret: r.link_secret }));
}

export async function setLinkSecretSealed(db: Queryable, id: number, sealed: string): Promise<void> {
  await db.query('UPDATE orgs SET link_secret = $2 WHERE id = $1', [id, sealed]);
}

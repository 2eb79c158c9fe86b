/**
 * `vestnik sender sync` and `POST /api/v1/gateways/{id}/senders/sync`: asks a gateway's provider for
 * the account's sender names and brings Vestnik's registry for that gateway (CT-5) in line — a name
 * it does not have is added, a name whose state differs takes the provider's. The provider is the
 * authority here: a name approved by hand but still on moderation at the provider goes back to
 * «requested». Names only Vestnik knows are left alone and reported. A gateway whose provider has no
 * API for its names (no `senderNames`) is refused with a message that says what to do instead.
 */
import type { SecretBox } from '../core/secrets.ts';
import { GatewaySettingsError, type ProviderSenderName } from '../providers/provider.ts';
import type { Db } from '../store/db.ts';
import { findGateway } from '../store/gateways.ts';
import { decideSender, findSender, insertSender, listSenders, type SenderState } from '../store/senders.ts';
import { buildGateway } from './gateways.ts';

export interface SenderChange {
  name: string;
  /** null: the name was not in Vestnik's registry. */
  before: SenderState | null;
  after: SenderState;
  /** The provider's own status of the name. */
  raw: string;
}

export interface SenderSyncReport {
  gateway: { id: number; name: string; kind: string };
  /** Names the provider listed. */
  total: number;
  changes: SenderChange[];
  /** Names in Vestnik's registry for this gateway that the provider did not list. */
  unknownToProvider: string[];
}

export type SenderSyncResult =
  | { ok: true; value: SenderSyncReport }
  | { ok: false; status: 400 | 404 | 502; code: string; message: string };

const REGISTRY_STATE: Record<ProviderSenderName['state'], SenderState> = {
  approved: 'approved',
  pending: 'requested',
  rejected: 'rejected',
};

export async function syncSenders(
  db: Db,
  box: SecretBox,
  publicUrl: string,
  orgId: number,
  ref: string | number,
): Promise<SenderSyncResult> {
  const row = await findGateway(db, orgId, ref);
  if (!row) return { ok: false, status: 404, code: 'not_found', message: `no gateway ${ref}` };
  let gateway: ReturnType<typeof buildGateway>;
  try {
    gateway = buildGateway(row, box, publicUrl);
  } catch (err) {
    const where = err instanceof GatewaySettingsError ? `setting ${err.setting}: ` : '';
    return {
      ok: false,
      status: 400,
      code: 'invalid_input',
      message: `gateway ${row.name}: ${where}${(err as Error).message}`,
    };
  }
  let listed: ProviderSenderName[];
  try {
    if (!gateway.senderNames)
      return {
        ok: false,
        status: 400,
        code: 'not_supported',
        message: `gateway ${row.name} (${row.kind}) cannot list sender names; add them with vestnik sender add`,
      };
    listed = await gateway.senderNames();
  } catch (err) {
    return {
      ok: false,
      status: 502,
      code: 'gateway_error',
      message: `gateway ${row.name} (${row.kind}) did not give its sender names: ${(err as Error).message}`,
    };
  } finally {
    await gateway.close?.();
  }

  const changes = await db.transaction(async (tx) => {
    const out: SenderChange[] = [];
    for (const n of listed) {
      const after = REGISTRY_STATE[n.state];
      let current = await findSender(tx, row.id, n.name);
      const before = current?.state ?? null;
      if (!current) {
        const inserted = await insertSender(tx, orgId, row.id, n.name);
        if (typeof inserted === 'string') continue; // the gateway went away meanwhile
        current = inserted;
      }
      if (current.state !== after) await decideSender(tx, orgId, current.id, after, `${row.kind}: ${n.raw}`);
      if (before !== after) out.push({ name: n.name, before, after, raw: n.raw });
    }
    return out;
  });
  const names = new Set(listed.map((n) => n.name));
  const unknownToProvider = (await listSenders(db, orgId))
    .filter((s) => s.gatewayId === row.id && !names.has(s.name))
    .map((s) => s.name);
  return {
    ok: true,
    value: {
      gateway: { id: row.id, name: row.name, kind: row.kind },
      total: listed.length,
      changes,
      unknownToProvider,
    },
  };
}

/** The report as lines for the command line: what changed, and what the provider did not list. */
export function describeSenderSync(r: SenderSyncReport): string {
  const g = `Gateway «${r.gateway.name}» (${r.gateway.kind})`;
  const lines = [
    `${g}: ${r.total} sender name${r.total === 1 ? '' : 's'} listed, ${r.changes.length} changed`,
    ...r.changes.map((c) => `  ${c.name}: ${c.before ?? 'new'} → ${c.after} (${c.raw})`),
  ];
  if (r.unknownToProvider.length)
    lines.push(`  not listed by the gateway, left as they are: ${r.unknownToProvider.join(', ')}`);
  return lines.join('\n');
}

/**
 * How many binds an SMPP account has across the whole Vestnik instance. SMSCs allow a fixed number
 * of binds per account (often one) and refuse the next, or — worse — take it and drop the older
 * one. Every process that binds (`vestnik serve`, each `vestnik worker`, a `vestnik send` that sends
 * itself) therefore first takes a lease: one of the account's `maxBinds` slots for that kind of bind.
 *
 * - Within a process, a registry (a gateway rebuilt after a settings change waits for the old
 *   instance to let go; `vestnik gateway test` inside the server sees the server's own bind).
 * - Across processes, a PostgreSQL session advisory lock per slot, held on a connection of its own
 *   for as long as the bind is kept (also while it reconnects): a process that dies releases it with
 *   its connection. The holder writes its bind's state into that connection's application_name, so
 *   another process can tell whether the bind is up without binding itself (pg_stat_activity).
 *   PGlite needs none of this: only one process can open the embedded data.
 *
 * The processes of one instance share its DATABASE_URL (config.ts reads the same variable), which
 * is where the cross-process leases are taken unless `setSmppLeaseDatabase` says otherwise.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';

/** What the holder of a bind says about it. */
export interface BindHealth {
  up: boolean;
  /** The last failure's raw code and reason when it is down. */
  error?: { raw: string; reason: string };
  since: Date;
}

export interface Holder {
  /** This process, or another: its pid and where it connects from. */
  where: string;
  health: BindHealth | null;
}

export interface Lease {
  /** Publishes the bind's state to other processes. */
  report(health: BindHealth): void;
  release(): Promise<void>;
}

interface LocalHolder {
  health: () => BindHealth;
}

const local = new Map<string, Set<LocalHolder>>();
const localWaiters = new Map<string, Set<() => void>>();
let databaseUrl: string | null | undefined;

/** Where the cross-process leases live: a PostgreSQL URL, or null for this process alone. */
export function setSmppLeaseDatabase(url: string | null): void {
  databaseUrl = url;
}

const leaseDatabase = () =>
  databaseUrl === undefined ? process.env.DATABASE_URL?.trim() || null : databaseUrl;

/** Two 31-bit keys for pg_advisory_lock: the account, and the slot. */
export function lockKey(account: string): number {
  return createHash('sha256').update(`vestnik smpp ${account}`).digest().readUInt32BE(0) & 0x7fffffff;
}

/** Calls `fn` once when a lease of `account` is released in this process. */
export function onLocalRelease(account: string, fn: () => void): () => void {
  const set = localWaiters.get(account) ?? new Set();
  localWaiters.set(account, set);
  set.add(fn);
  return () => set.delete(fn);
}

/** The holders of `account`'s binds in this process and, with PostgreSQL, in others. */
export async function holders(account: string, except?: unknown): Promise<Holder[]> {
  const mine = [...(local.get(account) ?? [])]
    .filter((h) => h !== except)
    .map((h) => ({ where: `this process (pid ${process.pid})`, health: h.health() }));
  const url = leaseDatabase();
  if (!url) return mine;
  const client = new pg.Client({ connectionString: url, application_name: 'vestnik smpp check' });
  try {
    await client.connect();
    const { rows } = await client.query<{ pid: number; app: string; addr: string | null }>(
      `SELECT a.pid, a.application_name AS app, host(a.client_addr) AS addr
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = $1::bigint::oid`,
      [lockKey(account)],
    );
    const others = rows
      .filter((r) => !ownPids.has(r.pid))
      .map((r) => ({
        where: `another Vestnik process${r.addr ? ` on ${r.addr}` : ''}`,
        health: parse(r.app),
      }));
    return [...mine, ...others];
  } catch {
    return mine;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Backend pids of this process's own lease connections, told apart from other processes'. */
const ownPids = new Set<number>();

/** application_name (63 octets at most): `vestnik smpp up 1765150000` or `vestnik smpp down CODE 1765150000`. */
function label(h: BindHealth): string {
  const at = Math.floor(h.since.getTime() / 1000);
  return h.up ? `vestnik smpp up ${at}` : `vestnik smpp down ${(h.error?.raw ?? '').slice(0, 30)} ${at}`;
}

function parse(app: string): BindHealth | null {
  const m = /^vestnik smpp (up|down)(?: (\S*))? (\d+)$/.exec(app);
  if (!m) return null;
  const since = new Date(Number(m[3]) * 1000);
  return m[1] === 'up' ? { up: true, since } : { up: false, error: { raw: m[2] ?? '', reason: '' }, since };
}

/**
 * Takes one of `max` slots of `account` (its binds of one kind), or returns null when all are held
 * (in this process, or by another one).
 */
export async function acquire(account: string, max: number, health: () => BindHealth): Promise<Lease | null> {
  const set = local.get(account) ?? new Set<LocalHolder>();
  local.set(account, set);
  if (set.size >= max) return null;
  const holder: LocalHolder = { health };
  set.add(holder);
  const releaseLocal = () => {
    set.delete(holder);
    for (const fn of [...(localWaiters.get(account) ?? [])]) fn();
  };
  const url = leaseDatabase();
  if (!url)
    return {
      report() {},
      async release() {
        releaseLocal();
      },
    };
  const client = new pg.Client({ connectionString: url, application_name: label(health()) });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const key = lockKey(account);
    let got = false;
    for (let slot = 0; slot < max && !got; slot++)
      got = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [key, slot]))
        .rows[0]!.ok;
    if (!got) throw new Error('all slots held');
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    ownPids.add(pid);
    let shown = '';
    return {
      report(h) {
        const text = label(h);
        if (text === shown) return;
        shown = text;
        client.query('SELECT set_config($1, $2, false)', ['application_name', text]).catch(() => undefined);
      },
      async release() {
        ownPids.delete(pid);
        await client.end().catch(() => undefined);
        releaseLocal();
      },
    };
  } catch {
    await client.end().catch(() => undefined);
    releaseLocal();
    return null;
  }
}

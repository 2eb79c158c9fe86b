/**
 * The one database interface of Vestnik and its two adapters: a `pg` pool for PostgreSQL servers and
 * PGlite (PostgreSQL in WebAssembly, in-process) for the embedded default. Both run the same SQL and
 * the same migrations; the whole test suite runs on both.
 *
 * Type parsing is pinned the same way on both sides so rows look alike whichever engine produced them:
 * int8 → number (ids and kopecks stay far below 2^53), date → 'YYYY-MM-DD' string (no time-zone
 * shift), timestamptz → Date, json/jsonb → parsed.
 */
import fs from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Subscribes to NOTIFY on a channel; resolves to the unsubscribe function. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * PostgreSQL only: a read-only transaction on a connection of its own that sees what the exported
   * snapshot `id` saw (`pg_export_snapshot()` in another transaction): what was committed then, not
   * the exporter's own uncommitted writes. Reads can so run on a second server process beside that
   * transaction's writes. `close` ends it.
   */
  readAt?(id: string): Promise<SnapshotReader>;
  close(): Promise<void>;
}

export interface SnapshotReader extends Queryable {
  close(): Promise<void>;
}

const INT8 = 20;
const DATE = 1082;

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (v: string) => Number(v);
    if (oid === DATE) return (v: string) => v;
    // biome-ignore lint/suspicious/noExplicitAny: pg's own signature is untyped here
    return pg.types.getTypeParser(oid, format as any);
  },
};

export interface PostgresOptions {
  max?: number;
  /** Schema to place on the search path (tests give each file its own). */
  schema?: string;
  applicationName?: string;
}

export function openPostgres(url: string, options: PostgresOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    types: pgTypes,
    application_name: options.applicationName ?? 'vestnik',
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  const ownClient = () => {
    const client = new pg.Client({
      connectionString: url,
      types: pgTypes,
      application_name: options.applicationName ?? 'vestnik',
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    client.on('error', () => {});
    return client;
  };
  // An idle client that loses its connection (server restart) must not crash the process; the pool
  // drops it and the next query opens a new one.
  pool.on('error', () => {});
  return {
    kind: 'postgres',
    async query<R>(sql: string, params?: readonly unknown[]) {
      const res = await pool.query(sql, params as unknown[]);
      return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      // A checked-out client whose server goes away (a restart) emits 'error'; the pool listens only
      // to idle ones. The query in progress fails by itself, and the client is released as broken.
      let broken = false;
      const onError = () => {
        broken = true;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const tx: Queryable = {
          async query<R>(sql: string, params?: readonly unknown[]) {
            const res = await client.query(sql, params as unknown[]);
            return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
          },
          async exec(sql: string) {
            await client.query(sql);
          },
        };
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw err;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async readAt(id: string) {
      // Its own client, not the pool's: a launch holding one pooled connection must not wait for a
      // second one that other launches hold.
      const client = ownClient();
      await client.connect();
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        await client.query(`SET TRANSACTION SNAPSHOT ${pg.escapeLiteral(id)}`);
      } catch (err) {
        await client.end().catch(() => {});
        throw err;
      }
      return {
        async query<R>(sql: string, params?: readonly unknown[]) {
          const res = await client.query(sql, params as unknown[]);
          return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
        },
        async exec(sql: string) {
          await client.query(sql);
        },
        async close() {
          await client.end().catch(() => {});
        },
      };
    },
    async listen(channel: string, onNotify: (payload: string) => void) {
      const client = ownClient();
      await client.connect();
      client.on('notification', (n) => {
        if (n.channel === channel) onNotify(n.payload ?? '');
      });
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      return async () => {
        await client.end().catch(() => {});
      };
    },
    async close() {
      await pool.end();
    },
  };
}

/** Opens the embedded database; `dataDir` undefined keeps it in memory (tests). */
export async function openPglite(dataDir: string | undefined): Promise<Db> {
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  const parsers = { [INT8]: (v: string) => Number(v), [DATE]: (v: string) => v };
  // Loaded when used: a worker process on PostgreSQL never needs the WebAssembly engine in memory.
  const { PGlite } = await import('@electric-sql/pglite');
  const lite = await PGlite.create(dataDir, { parsers });
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async query<R>(sql: string, params?: readonly unknown[]) {
      const res = await q.query<R>(sql, params as unknown[]);
      return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
  });
  const direct = wrap(lite);
  return {
    kind: 'pglite',
    query: direct.query,
    exec: direct.exec,
    // PGlite is one connection: its transaction() holds a mutex so other queries wait until it ends.
    transaction: (fn) => lite.transaction((tx) => fn(wrap(tx))),
    async listen(channel: string, onNotify: (payload: string) => void) {
      const unsubscribe = await lite.listen(channel, onNotify);
      return async () => {
        await unsubscribe();
      };
    },
    async close() {
      await lite.close();
    },
  };
}

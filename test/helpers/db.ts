/**
 * A fresh, migrated database for one test file, on the engine chosen by VESTNIK_TEST_DB:
 * `pglite` (default) → an in-memory PGlite; `postgres` → a new schema in VESTNIK_TEST_DATABASE_URL
 * (default postgres://postgres@127.0.0.1:5432/test), dropped when the file is done.
 */
import crypto from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';
import { type Db, openPglite, openPostgres } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';

export const TEST_ENGINE = (process.env.VESTNIK_TEST_DB ?? 'pglite') as 'pglite' | 'postgres';
export const TEST_PG_URL = process.env.VESTNIK_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDb {
  db: Db;
  /** For child processes: DATABASE_URL (postgres) and the schema, or undefined on PGlite. */
  databaseUrl: string | undefined;
  schema: string | undefined;
}

export async function createSchema(): Promise<string> {
  const schema = `t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  after(async () => {
    const c = new pg.Client({ connectionString: TEST_PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA ${schema} CASCADE`);
    await c.end();
  });
  return schema;
}

/** The URL a child process needs to land in `schema`. */
export function urlWithSchema(schema: string): string {
  const u = new URL(TEST_PG_URL);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export async function openTestDb(opts: { applicationName?: string } = {}): Promise<TestDb> {
  if (TEST_ENGINE === 'postgres') {
    const schema = await createSchema();
    const db = openPostgres(TEST_PG_URL, { schema, max: 8, ...opts });
    await migrate(db);
    after(() => db.close());
    return { db, databaseUrl: urlWithSchema(schema), schema };
  }
  const db = await openPglite(undefined);
  await migrate(db);
  after(() => db.close());
  return { db, databaseUrl: undefined, schema: undefined };
}

/** Waits until `check` returns a truthy value, polling; fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

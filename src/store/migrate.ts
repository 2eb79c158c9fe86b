/**
 * Numbered `.sql` migrations from `./migrations`, applied in order, all pending ones in one
 * transaction under an advisory lock, so two processes starting at once never apply one twice and a
 * failed migration leaves the schema as it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../paths.ts';
import type { Db } from './db.ts';

const MIGRATIONS_DIR = path.join(ROOT, 'src', 'store', 'migrations');
/** Arbitrary constant shared by every Vestnik process: "vestnik" in ASCII, truncated. */
const MIGRATION_LOCK = 0x7665_7374;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: fs.readFileSync(path.join(dir, file), 'utf8'),
    }));
}

/** Applies what is pending; returns the names applied now. */
export async function migrate(db: Db, migrations = listMigrations()): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(done.rows.map((r) => r.version));
    const names: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      names.push(`${String(m.version).padStart(4, '0')}_${m.name}`);
    }
    return names;
  });
}

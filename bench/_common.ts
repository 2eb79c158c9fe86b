/** Shared by the benchmarks: a fresh database of either engine, and the figure lines. */
import crypto from 'node:crypto';
import pg from 'pg';
import { type Db, openPglite, openPostgres } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';

export const PG_URL = process.env.VESTNIK_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDb {
  db: Db;
  dispose(): Promise<void>;
}

export async function freshDb(engine: 'postgres' | 'pglite', poolSize = 8): Promise<BenchDb> {
  if (engine === 'pglite') {
    const db = await openPglite(undefined);
    await migrate(db);
    return { db, dispose: () => db.close() };
  }
  const schema = `bench_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const db = openPostgres(PG_URL, { schema, max: poolSize });
  await migrate(db);
  return {
    db,
    async dispose() {
      await db.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

export const figures: { figure: string; value: number; unit: string }[] = [];

export function report(figure: string, value: number, unit: string, note = ''): void {
  const shown = value >= 100 ? Math.round(value).toLocaleString('en') : value.toFixed(2);
  console.log(`  ${figure.padEnd(40)} ${shown.padStart(12)} ${unit}${note ? `   ${note}` : ''}`);
  figures.push({ figure, value: Math.round(value * 100) / 100, unit });
}

/** The JSON lines, last. */
export function printFigures(): void {
  for (const f of figures) console.log(JSON.stringify(f));
}

export const engines = (): ('postgres' | 'pglite')[] => {
  const only = process.env.VESTNIK_BENCH_DB;
  return only === 'postgres' || only === 'pglite' ? [only] : ['postgres', 'pglite'];
};

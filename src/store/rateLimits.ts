/**
 * Token buckets in PostgreSQL (SD-7). A bucket refills at `ratePerSecond` up to `burst` tokens;
 * taking is one locked read-modify-write of its row, so concurrent workers in any number of
 * processes share it exactly. `clock_timestamp()`, not `now()`: the refill must see real time even
 * inside a long transaction.
 */
import type { Queryable } from './db.ts';

export interface Take {
  /** Tokens granted now (0 … wanted). */
  granted: number;
  /** Seconds until the next token, when fewer than wanted were granted. */
  nextInSeconds: number;
}

export async function takeTokens(
  db: Queryable,
  key: string,
  wanted: number,
  ratePerSecond: number,
  burst: number,
): Promise<Take> {
  await db.query(
    'INSERT INTO rate_buckets (key, tokens, refilled_at) VALUES ($1, $2, clock_timestamp()) ON CONFLICT (key) DO NOTHING',
    [key, burst],
  );
  const { rows } = await db.query<{ granted: number; remaining: number }>(
    `WITH cur AS (
       SELECT key, least($4::float8, tokens + extract(epoch FROM clock_timestamp() - refilled_at) * $3::float8) AS avail
       FROM rate_buckets WHERE key = $1 FOR UPDATE)
     UPDATE rate_buckets r SET tokens = cur.avail - least(floor(cur.avail), $2), refilled_at = clock_timestamp()
     FROM cur WHERE r.key = cur.key
     RETURNING least(floor(cur.avail), $2)::int AS granted, cur.avail - least(floor(cur.avail), $2) AS remaining`,
    [key, wanted, ratePerSecond, burst],
  );
  const r = rows[0]!;
  return {
    granted: r.granted,
    nextInSeconds: r.granted < wanted ? Math.max(0, (1 - r.remaining) / ratePerSecond) : 0,
  };
}

/**
 * Delivery receipts applied per second through the inbox (issue 19, store/receipts.ts): each report
 * stored, then matched to the one message in its life and applied. Two shapes: batches of 100 (a
 * status poll, a provider's batched callback) and one report per call, four at a time (SMPP's
 * deliver_sm, most HTTP callbacks). The messages are written as submitted by set-based SQL first.
 *
 *   VESTNIK_BENCH_N (default 100,000 on PostgreSQL, a fifth of it on PGlite), VESTNIK_BENCH_DB.
 */
import { listGateways } from '../src/store/gateways.ts';
import { createOrg } from '../src/store/orgs.ts';
import { applyStatusUpdates } from '../src/store/queue.ts';
import { engines, freshDb, printFigures, report } from './_common.ts';

const N = Number(process.env.VESTNIK_BENCH_N ?? 100_000);

for (const engine of engines()) {
  const n = engine === 'postgres' ? N : Math.round(N / 5);
  const { db, dispose } = await freshDb(engine);
  try {
    const org = await createOrg(db, 'Квитанции');
    const gw = (await listGateways(db, org.id)).find((g) => g.channel === 'sms')!;
    await db.query(
      `INSERT INTO messages (org_id, channel, address, body, state, initiator, gateway_id, provider_message_id,
                             submitted_at, status_deadline, segments, price_kopecks)
       SELECT $1, 'sms', '+7912' || lpad(g::text, 7, '0'), 'Собрание в субботу', 'submitted', 'bench', $2,
              'p-' || g, now(), now() + interval '1 day', 1, 30
       FROM generate_series(1, $3) g`,
      [org.id, gw.id, n],
    );
    await db.query('ANALYZE messages');
    const half = Math.floor(n / 2);
    const delivered = (i: number) => ({
      providerId: `p-${i}`,
      state: 'delivered' as const,
      rawStatus: 'DELIVRD',
      destination: `7912${String(i).padStart(7, '0')}`,
    });

    let t = performance.now();
    for (let i = 1; i <= half; i += 100) {
      const batch = [];
      for (let j = i; j < Math.min(i + 100, half + 1); j++) batch.push(delivered(j));
      await applyStatusUpdates(db, gw.id, batch);
    }
    const batchRate = half / ((performance.now() - t) / 1000);
    report(
      `receipts.apply.batch100.${engine}`,
      batchRate,
      'receipts/s',
      `${half.toLocaleString('en')} receipts`,
    );

    const singles = Math.min(n - half, engine === 'postgres' ? 20_000 : 4_000);
    let next = half + 1;
    const last = half + singles;
    t = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next <= last) {
          const i = next++;
          await applyStatusUpdates(db, gw.id, [delivered(i)]);
        }
      }),
    );
    const singleRate = singles / ((performance.now() - t) / 1000);
    report(
      `receipts.apply.single.${engine}`,
      singleRate,
      'receipts/s',
      `${singles.toLocaleString('en')}, 4 at a time`,
    );

    const { rows } = await db.query<{ outcome: string; n: number }>(
      'SELECT outcome, count(*)::int AS n FROM delivery_receipts GROUP BY outcome',
    );
    const applied = rows.find((r) => r.outcome === 'applied')?.n ?? 0;
    if (applied !== half + singles || rows.length !== 1)
      throw new Error(`receipts not all applied: ${JSON.stringify(rows)}`);
  } finally {
    await dispose();
  }
}
printFigures();

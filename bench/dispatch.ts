/**
 * Launch and dispatch through the in-process sandbox gateway, on PostgreSQL and PGlite:
 *  - launch: N contacts with a plot each → rendered, rows written (rows/s);
 *  - drain: launch → every message «submitted» with two workers in this process (messages/s).
 * N = VESTNIK_BENCH_N (default 100,000). The full million-message benchmark against peers belongs
 * to the dispatch issue; this is the foundation's baseline.
 */
import { startDispatcher } from '../src/dispatch/dispatcher.ts';
import { GatewayPool } from '../src/dispatch/gatewayPool.ts';
import { launchCampaign } from '../src/dispatch/launch.ts';
import { insertCampaign } from '../src/store/campaigns.ts';
import type { Db } from '../src/store/db.ts';
import { listGateways, updateGatewaySettings } from '../src/store/gateways.ts';
import { createOrg } from '../src/store/orgs.ts';
import { engines, freshDb, printFigures, report } from './_common.ts';

const N = Number(process.env.VESTNIK_BENCH_N ?? 100_000);
const TEMPLATE =
  'Уважаемый {{ contact.name }}. Общая сумма начислений за ваши участки {{ total }} руб., задолженность {{ debt }} руб.';

async function seed(db: Db, orgId: number): Promise<void> {
  for (let start = 0; start < N; start += 10_000) {
    const n = Math.min(10_000, N - start);
    await db.query(
      `INSERT INTO contacts (org_id, first_name, middle_name, last_name, phone)
       SELECT $1, 'Иван', 'Петрович', 'Сидоров', '+7912' || lpad((g + $2)::text, 7, '0') FROM generate_series(1, $3) g`,
      [orgId, start, n],
    );
  }
  await db.query(
    `INSERT INTO objects (org_id, contact_id, kind, number, charges_kopecks, debt_kopecks)
     SELECT org_id, id, 'plot', id::text, 1234550, (id % 7) * 10000 FROM contacts WHERE org_id = $1`,
    [orgId],
  );
}

for (const engine of engines()) {
  console.log(`${engine}: ${N.toLocaleString('en')} recipients`);
  const { db, dispose } = await freshDb(engine);
  try {
    const org = await createOrg(db, 'Bench');
    await seed(db, org.id);
    const sms = (await listGateways(db, org.id)).find((g) => g.channel === 'sms')!;
    await updateGatewaySettings(db, org.id, sms.id, { deliveryDelayMs: 3_600_000 });
    const campaign = await insertCampaign(
      db,
      org.id,
      { name: 'bench', channel: 'sms', textTemplate: TEMPLATE, audience: { kind: 'all' } },
      'bench',
    );
    let t = performance.now();
    const launched = await launchCampaign(db, org.id, campaign.id, 'bench');
    if (!launched.ok || launched.queued !== N) throw new Error(`launch: ${JSON.stringify(launched)}`);
    const launchS = (performance.now() - t) / 1000;
    report(`launch.${engine}`, N / launchS, 'rows/s', `${launchS.toFixed(1)} s`);

    const gateways = new GatewayPool(db, 'http://127.0.0.1:1');
    t = performance.now();
    const dispatcher = await startDispatcher(db, {
      workers: 2,
      gateways,
      idlePollMs: 20,
      worker: { batchSize: 1000 },
    });
    for (;;) {
      const { rows } = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM messages WHERE state = 'queued'",
      );
      if (rows[0]!.n === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const drainS = (performance.now() - t) / 1000;
    await dispatcher.stop();
    await gateways.close();
    report(`dispatch.sandbox.inprocess.${engine}`, N / drainS, 'msg/s', `${drainS.toFixed(1)} s`);
  } finally {
    await dispose();
  }
}
printFigures();

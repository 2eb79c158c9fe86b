/**
 * Issue 19's race, made to happen on purpose through the real path: a server on a real port, the
 * dispatcher's workers, and a sandbox gateway that posts each delivery report to the server's
 * callback — and waits for its answer — *before* it answers the send (`reportBeforeAnswer`), or
 * right after it (no delay: the report lands while the answer is being written). Every receipt
 * must be applied: N sent → N delivered, none left pending.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildServer } from '../../src/api/server.ts';
import { loadConfig } from '../../src/config.ts';
import { startDispatcher } from '../../src/dispatch/dispatcher.ts';
import { GatewayPool } from '../../src/dispatch/gatewayPool.ts';
import { launchCampaign } from '../../src/dispatch/launch.ts';
import { insertCampaign } from '../../src/store/campaigns.ts';
import { listGateways, updateGatewaySettings } from '../../src/store/gateways.ts';
import { topUp } from '../../src/store/ledger.ts';
import { createOrg } from '../../src/store/orgs.ts';
import { openTestDb, waitFor } from '../helpers/db.ts';
import { freePort } from '../helpers/process.ts';

const N = 150;

for (const [label, settings] of [
  ['the report before the answer', { reportBeforeAnswer: true }],
  ['the report right after the answer', { deliveryDelayMs: 0 }],
] as const) {
  test(`${label}: ${N} sent, ${N} receipts applied, none pending`, async () => {
    const { db } = await openTestDb();
    const port = await freePort();
    const config = loadConfig({ PORT: String(port), VESTNIK_DEMO: '0' });
    const pool = new GatewayPool(db, config.publicUrl);
    const app = await buildServer({ db, config, gateways: pool, version: 'test' });
    await app.listen({ host: '127.0.0.1', port });
    let dispatcher: Awaited<ReturnType<typeof startDispatcher>> | undefined;
    try {
      const org = await createOrg(db, 'Быстрый оператор');
      await db.transaction((tx) => topUp(tx, org.id, N * 30, 't', 't'));
      const sms = (await listGateways(db, org.id)).find((g) => g.channel === 'sms')!;
      await updateGatewaySettings(db, org.id, sms.id, { callbacks: true, ...settings });
      await db.query(
        `INSERT INTO contacts (org_id, first_name, phone)
         SELECT $1, 'К', '+7912' || lpad(g::text, 7, '0') FROM generate_series(1, $2) g`,
        [org.id, N],
      );
      const c = await insertCampaign(
        db,
        org.id,
        { name: 'гонка', channel: 'sms', textTemplate: 'Собрание в субботу', audience: { kind: 'all' } },
        't',
      );
      assert.ok((await launchCampaign(db, org.id, c.id, 't')).ok);
      dispatcher = await startDispatcher(db, {
        workers: 2,
        gateways: pool,
        idlePollMs: 20,
        worker: { batchSize: 25 },
      });
      const counts = await waitFor(
        async () => {
          const { rows } = await db.query<{ state: string; n: number }>(
            'SELECT state, count(*)::int AS n FROM messages WHERE campaign_id = $1 GROUP BY state',
            [c.id],
          );
          const all = Object.fromEntries(rows.map((r) => [r.state, r.n]));
          return all.delivered === N ? all : undefined;
        },
        30_000,
        `all ${N} messages delivered by their receipts`,
      );
      assert.deepEqual(counts, { delivered: N });
      const { rows } = await db.query<{ outcome: string; n: number }>(
        'SELECT outcome, count(*)::int AS n FROM delivery_receipts GROUP BY outcome',
      );
      assert.deepEqual(rows, [{ outcome: 'applied', n: N }], 'every receipt applied once, none pending');
      // Applied by the send's own path, not left to the 10-second sweep: decided within seconds.
      const wait = await db.query<{ ms: number }>(
        'SELECT max(extract(epoch FROM decided_at - received_at) * 1000)::float8 AS ms FROM delivery_receipts',
      );
      console.log(
        `# ${label}: the longest a receipt waited to be applied: ${Math.round(wait.rows[0]!.ms)} ms`,
      );
      assert.ok(wait.rows[0]!.ms < 7000, `a receipt waited ${wait.rows[0]!.ms} ms: parked for the sweep`);
      const charges = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM ledger WHERE kind = 'charge' AND campaign_id = $1",
        [c.id],
      );
      assert.equal(charges.rows[0]!.n, N, 'each message charged once');
    } finally {
      await dispatcher?.stop();
      await app.close();
      await pool.close();
    }
  });
}

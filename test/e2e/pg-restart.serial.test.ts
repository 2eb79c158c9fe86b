/**
 * PostgreSQL restarted mid-campaign (issue: dispatch): a `vestnik worker` process loses every
 * connection, reconnects, and finishes the campaign; nothing is lost or charged twice. Restarts the
 * local server, so it runs alone (scripts/test.js runs *.serial.test.ts files one at a time, last),
 * and only where the server can be restarted from here (`pg_ctlcluster`, as in CI).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { test } from 'node:test';
import { startSandboxProvider } from '../../src/sandbox/provider.ts';
import { getCampaign } from '../../src/store/campaigns.ts';
import { launchThroughProvider } from '../helpers/campaign.ts';
import { openTestDb, TEST_ENGINE } from '../helpers/db.ts';
import { BIN } from '../helpers/process.ts';

const N = 3000;
const canRestart = TEST_ENGINE === 'postgres' && fs.existsSync('/etc/postgresql') && process.getuid?.() === 0;

/** Retries a query while the server is away. */
async function settled<T>(f: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await f();
    } catch (err) {
      if (i > 60) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

test('a worker survives a PostgreSQL restart mid-campaign and finishes it', {
  skip: !canRestart && 'needs a local PostgreSQL that pg_ctlcluster can restart',
  timeout: 180_000,
}, async (t) => {
  const { db, databaseUrl } = await openTestDb();
  const provider = await startSandboxProvider({ latencyMs: 100, deliveryDelayMs: 50 });
  t.after(() => provider.close());
  const seeded = await launchThroughProvider(db, {
    n: N,
    providerUrl: provider.url,
    orgName: 'Перезапуск базы',
  });
  assert.ok(seeded.launch.ok);
  const org = { id: seeded.orgId };
  const c = { id: seeded.campaignId };

  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl!,
    VESTNIK_WORKERS: '2',
    VESTNIK_BATCH_SIZE: '50',
    VESTNIK_LEASE_SECONDS: '5',
    VESTNIK_STATUS_POLL_SECONDS: '1',
  };
  const worker: ChildProcess = spawn(process.execPath, [BIN, 'worker'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  t.after(() => worker.kill('SIGKILL'));
  while (provider.stats().received < 300) await new Promise((r) => setTimeout(r, 100));

  const version = fs.readdirSync('/etc/postgresql')[0]!;
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], {
    stdio: 'ignore',
  });
  const atRestart = provider.stats().received;

  const deadline = Date.now() + 150_000;
  while ((await settled(() => getCampaign(db, org.id, c.id)))!.state !== 'completed') {
    assert.ok(Date.now() < deadline, `not completed: ${provider.stats().received} of ${N} sent`);
    assert.equal(worker.exitCode, null, 'the worker process died');
    await new Promise((r) => setTimeout(r, 300));
  }
  const states = await db.query<{ state: string; n: number }>(
    'SELECT state, count(*)::int AS n FROM messages WHERE campaign_id = $1 GROUP BY state',
    [c.id],
  );
  assert.deepEqual(states.rows, [{ state: 'delivered', n: N }]);
  assert.equal(provider.stats().unique, N);
  const charges = await db.query<{ n: number; d: number }>(
    "SELECT count(*)::int AS n, count(DISTINCT message_id)::int AS d FROM ledger WHERE org_id = $1 AND kind = 'charge'",
    [org.id],
  );
  assert.deepEqual(charges.rows[0], { n: N, d: N });
  console.log(
    `# restart after ${atRestart} of ${N} were sent: all ${N} delivered, ${provider.stats().duplicates} duplicates at the provider, one charge each`,
  );
});

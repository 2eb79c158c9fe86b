/**
 * Workers die; nothing is lost and nothing is charged twice (architecture: at-least-once delivery to
 * the gateway, duplicates bounded by what was in flight; exactly-once effects in the database).
 * A campaign of 10,000 messages, three `vestnik worker` processes against one PostgreSQL, one of them
 * killed with SIGKILL at random moments at least ten times and started again. The emulated provider
 * runs over HTTP and counts every submission by message id.
 *
 * PostgreSQL only: the embedded database belongs to one process by design, so there is no second
 * process to kill beside it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { test } from 'node:test';
import { startSandboxProvider } from '../../src/sandbox/provider.ts';
import { getCampaign } from '../../src/store/campaigns.ts';
import { getBalance } from '../../src/store/ledger.ts';
import { launchThroughProvider } from '../helpers/campaign.ts';
import { openTestDb, TEST_ENGINE } from '../helpers/db.ts';
import { BIN } from '../helpers/process.ts';

const N = 10_000;
const BATCH = 50;
const KILLS = 12;

test(`${N} messages, three worker processes, one killed ${KILLS} times: 0 lost, 0 charged twice`, {
  skip: TEST_ENGINE !== 'postgres' && 'needs PostgreSQL: several processes',
  timeout: 180_000,
}, async (t) => {
  const { db, databaseUrl } = await openTestDb();
  const provider = await startSandboxProvider({ latencyMs: 250, deliveryDelayMs: 100 });
  t.after(() => provider.close());
  const seeded = await launchThroughProvider(db, {
    n: N,
    providerUrl: provider.url,
    orgName: 'Падающие воркеры',
    gatewaySettings: { timeoutMs: 2000 },
  });
  const org = { id: seeded.orgId };
  const campaign = { id: seeded.campaignId };
  const launched = seeded.launch;
  assert.ok(launched.ok && launched.queued === N && launched.costKopecks === N * 30);

  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl!,
    VESTNIK_WORKERS: '1',
    VESTNIK_BATCH_SIZE: String(BATCH),
    // Long enough that a live worker stalled by a loaded machine keeps its batch: only killed
    // workers' batches come back, which is what the duplicate bound counts.
    VESTNIK_LEASE_SECONDS: '10',
    VESTNIK_STATUS_POLL_SECONDS: '1',
  };
  const workers: (ChildProcess | undefined)[] = [];
  /** When each worker said it runs: only a worker that is up and sending is worth killing. */
  const upSince: number[] = [];
  const spawnWorker = (i: number) => {
    const child = spawn(process.execPath, [BIN, 'worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    upSince[i] = Number.POSITIVE_INFINITY;
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('worker running')) upSince[i] = Date.now();
    });
    child.stderr!.on('data', () => {});
    workers[i] = child;
  };
  t.after(() => {
    for (const w of workers) w?.kill('SIGKILL');
  });
  for (let i = 0; i < 3; i++) spawnWorker(i);

  const started = Date.now();
  let kills = 0;
  const submittedAtKill: number[] = [];
  const handed = async () =>
    (
      await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1 AND state <> 'queued'",
        [campaign.id],
      )
    ).rows[0]!.n;
  while (kills < KILLS) {
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
    // A worker up for a while has a batch at the provider most of the time: kill one of those.
    const ready = [0, 1, 2].filter((i) => Date.now() - upSince[i]! > 500);
    if (ready.length === 0) continue;
    const i = ready[Math.floor(Math.random() * ready.length)]!;
    submittedAtKill.push(await handed());
    workers[i]!.kill('SIGKILL');
    kills++;
    spawnWorker(i);
  }
  assert.ok(
    submittedAtKill[0]! > 0 && submittedAtKill.at(-1)! < N,
    'the kills came while the campaign was sending',
  );
  const deadline = Date.now() + 120_000;
  while ((await getCampaign(db, org.id, campaign.id))!.state !== 'completed') {
    if (Date.now() > deadline) {
      const left = await db.query(
        'SELECT state, count(*)::int AS n, min(due_at) AS due FROM messages WHERE campaign_id = $1 GROUP BY state',
        [campaign.id],
      );
      assert.fail(`the campaign did not complete in 120 s: ${JSON.stringify(left.rows)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const seconds = (Date.now() - started) / 1000;

  const states = await db.query<{ state: string; n: number }>(
    'SELECT state, count(*)::int AS n FROM messages WHERE campaign_id = $1 GROUP BY state',
    [campaign.id],
  );
  assert.deepEqual(states.rows, [{ state: 'delivered', n: N }]);
  const stats = provider.stats();
  assert.equal(stats.unique, N, 'every message reached the provider: 0 lost');
  assert.ok(
    stats.duplicates <= kills * BATCH,
    `duplicates ${stats.duplicates} exceed what was in flight (${kills} kills × ${BATCH})`,
  );
  const charges = await db.query<{ n: number; d: number; sum: number }>(
    "SELECT count(*)::int AS n, count(DISTINCT message_id)::int AS d, coalesce(-sum(amount_kopecks), 0)::bigint AS sum FROM ledger WHERE org_id = $1 AND kind = 'charge'",
    [org.id],
  );
  assert.deepEqual(charges.rows[0], { n: N, d: N, sum: N * 30 }, 'one charge per message, none twice');
  assert.deepEqual(await getBalance(db, org.id), {
    balanceKopecks: 0,
    reservedKopecks: 0,
    availableKopecks: 0,
  });
  console.log(
    `# ${N} messages, ${kills} SIGKILLs (at ${submittedAtKill.join(', ')} handed over): lost 0, duplicates at the provider ` +
      `${stats.duplicates} (bound ${kills * BATCH}), double charges 0; completed in ${seconds.toFixed(1)} s`,
  );
});

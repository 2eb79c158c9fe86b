/**
 * A gateway that fails 30 % of the time in every way a real one does — 5xx, throttling, an answer
 * lost after the messages were accepted — and rejects some numbers for good: every message still
 * reaches a final state, a permanent rejection is never retried, and each message is charged once
 * at most. Runs on both databases (workers in this process, the provider over HTTP).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDispatcher } from '../../src/dispatch/dispatcher.ts';
import { GatewayPool } from '../../src/dispatch/gatewayPool.ts';
import { startSandboxProvider } from '../../src/sandbox/provider.ts';
import { getCampaign } from '../../src/store/campaigns.ts';
import { getBalance } from '../../src/store/ledger.ts';
import { launchThroughProvider } from '../helpers/campaign.ts';
import { openTestDb, waitFor } from '../helpers/db.ts';

const N = 2000;

test('30 % of sends fail (5xx, 429, lost answers) and 3 % are rejected: all final, permanent errors tried once', {
  timeout: 120_000,
}, async () => {
  const { db } = await openTestDb();
  const provider = await startSandboxProvider({
    latencyMs: 5,
    deliveryDelayMs: 50,
    failRate: 0.1,
    throttleRate: 0.1,
    lostAnswerRate: 0.1,
    rejectRate: 0.03,
    undeliveredRate: 0.05,
  });
  const seeded = await launchThroughProvider(db, {
    n: N,
    providerUrl: provider.url,
    orgName: 'Ненадёжный шлюз',
    gatewaySettings: { timeoutMs: 1000 },
  });
  assert.ok(seeded.launch.ok);
  const org = { id: seeded.orgId };
  const campaign = { id: seeded.campaignId };

  const gateways = new GatewayPool(db, 'http://127.0.0.1:1');
  const dispatcher = await startDispatcher(db, {
    workers: 2,
    gateways,
    idlePollMs: 20,
    worker: {
      batchSize: 25,
      statusPollSeconds: 0.05,
      retry: { maxAttempts: 30, baseSeconds: 0.02, maxSeconds: 0.2 },
    },
  });
  try {
    await waitFor(
      async () => (await getCampaign(db, org.id, campaign.id))?.state === 'completed',
      90_000,
      'completion',
    );
  } finally {
    await dispatcher.stop();
    await gateways.close();
    await provider.close();
  }

  const rows = await db.query<{
    id: number;
    state: string;
    attempts: number;
    reason: string | null;
    cost_kopecks: number | null;
  }>('SELECT id, state, attempts, reason, cost_kopecks FROM messages WHERE campaign_id = $1', [campaign.id]);
  const counts: Record<string, number> = {};
  for (const r of rows.rows) counts[r.state] = (counts[r.state] ?? 0) + 1;
  assert.equal(rows.rows.length, N);
  assert.deepEqual(
    Object.keys(counts).sort(),
    Object.keys(counts)
      .filter((s) => ['delivered', 'undelivered', 'rejected'].includes(s))
      .sort(),
    JSON.stringify(counts),
  );

  // Once Vestnik is told «rejected for good», it never sends that message again. (A rejection whose
  // answer was lost on the way is unknown to Vestnik, which rightly tries again.)
  const outcomes = provider.outcomesByRef();
  let rejectedOnce = 0;
  for (const r of rows.rows) {
    const told = outcomes.get(String(r.id)) ?? [];
    if (r.state === 'rejected') {
      assert.equal(r.reason, 'invalid number', `message ${r.id}: ${r.reason}`);
      assert.deepEqual(
        told.filter((o) => o === 'rejected'),
        ['rejected'],
        `message ${r.id}: ${told.join(', ')}`,
      );
      assert.equal(
        told.at(-1),
        'rejected',
        `message ${r.id} was sent again after its rejection: ${told.join(', ')}`,
      );
      rejectedOnce++;
    } else {
      assert.ok(
        told.some((o) => o !== 'rejected'),
        `message ${r.id} is ${r.state} but the provider never took it`,
      );
      assert.equal(r.cost_kopecks, 30);
    }
  }
  const charges = await db.query<{ n: number; d: number }>(
    "SELECT count(*)::int AS n, count(DISTINCT message_id)::int AS d FROM ledger WHERE org_id = $1 AND kind = 'charge'",
    [org.id],
  );
  assert.deepEqual(charges.rows[0], { n: N - rejectedOnce, d: N - rejectedOnce });
  assert.deepEqual(await getBalance(db, org.id), {
    balanceKopecks: rejectedOnce * 30,
    reservedKopecks: 0,
    availableKopecks: rejectedOnce * 30,
  });
  const stats = provider.stats();
  const retried = rows.rows.filter((r) => r.attempts > 1).length;
  console.log(
    `# ${N} messages through a flaky provider on ${db.kind}: ${JSON.stringify(counts)}; ${provider.stats().requests} requests, ` +
      `${retried} messages retried, ${stats.duplicates} duplicates (answers lost after acceptance), ${rejectedOnce} rejected once`,
  );
});

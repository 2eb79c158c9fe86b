/**
 * A single message does not wait behind a campaign (SD-6): while 5,000 campaign messages drain
 * through a slow provider, a message sent through the API reaches it within a second or two.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDispatcher } from '../../src/dispatch/dispatcher.ts';
import { startSandboxProvider } from '../../src/sandbox/provider.ts';
import { createTestApi } from '../helpers/api.ts';
import { launchThroughProvider } from '../helpers/campaign.ts';
import { waitFor } from '../helpers/db.ts';

test('a transactional message overtakes a draining campaign', { timeout: 120_000 }, async () => {
  const api = await createTestApi();
  const provider = await startSandboxProvider({ latencyMs: 200, deliveryDelayMs: 50 });
  const seeded = await launchThroughProvider(api.db, {
    n: 5000,
    providerUrl: provider.url,
    orgId: api.org.id,
  });
  assert.ok(seeded.launch.ok);
  const c = { id: seeded.campaignId };
  const d = await startDispatcher(api.db, {
    workers: 2,
    gateways: api.gateways,
    idlePollMs: 20,
    worker: { batchSize: 50 },
  });
  try {
    await waitFor(async () => provider.stats().received >= 200, 30_000, 'the campaign to start');
    const sent = await api.call('POST', '/api/v1/messages', {
      to: '+79990000001',
      text: 'Код подтверждения: 4711',
    });
    assert.equal(sent.status, 201, sent.text);
    const started = Date.now();
    await waitFor(
      async () => (await api.call('GET', `/api/v1/messages/${sent.body.id}`)).body.state !== 'queued',
      20_000,
      'the single message',
    );
    const ms = Date.now() - started;
    const backlog = await api.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1 AND state = 'queued'",
      [c.id],
    );
    console.log(
      `# the single message went in ${ms} ms with ${backlog.rows[0]!.n} campaign messages still waiting (${api.db.kind})`,
    );
    assert.ok(backlog.rows[0]!.n > 1000, 'the campaign was still draining');
    assert.ok(ms < 3000, `the single message waited ${ms} ms behind the campaign`);
  } finally {
    await d.stop();
    await provider.close();
  }
});

/**
 * Fail-over (SD-8): a primary gateway that does not answer at all (its provider refuses
 * connections) opens its circuit breaker after a few failed batches, and the worker sends the
 * messages through the organisation's next gateway for the channel; they are charged once and
 * checked for delivery with the gateway that took them. With no other gateway, they wait without
 * spending their attempts.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { Breakers } from '../../src/dispatch/breaker.ts';
import { DEFAULT_WORKER_OPTIONS, DispatchWorker } from '../../src/dispatch/worker.ts';
import { insertGateway, listGateways } from '../../src/store/gateways.ts';
import { createTestApi } from '../helpers/api.ts';

const api = await createTestApi();

/** A port nothing listens on: connections to it are refused at once. */
async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function setUp(name: string, withFallback: boolean) {
  const org = await api.addOrg(name);
  const dead = await insertGateway(api.db, org.id, {
    name: 'dead',
    kind: 'sandbox-http',
    channel: 'sms',
    priority: -1,
    settings: { url: `http://127.0.0.1:${await deadPort()}`, timeoutMs: 500 },
  });
  if (dead === 'name_taken') throw new Error('name taken');
  const sandbox = (await listGateways(api.db, org.id)).find(
    (g) => g.channel === 'sms' && g.kind === 'sandbox',
  )!;
  if (!withFallback) await api.db.query('UPDATE gateways SET enabled = false WHERE id = $1', [sandbox.id]);
  for (let i = 0; i < 20; i++) {
    const r = await api.call(
      'POST',
      '/api/v1/contacts',
      { firstName: `Номер ${i}`, phone: `+7912555${String(i).padStart(4, '0')}` },
      { key: org.key },
    );
    assert.equal(r.status, 201, r.text);
  }
  const c = await api.call(
    'POST',
    '/api/v1/campaigns',
    {
      name: 'Отказ',
      channel: 'sms',
      textTemplate: 'Проверка {{ contact.first_name }}',
      audience: { kind: 'all' },
    },
    { key: org.key },
  );
  const l = await api.call('POST', `/api/v1/campaigns/${c.body.id}/launch`, undefined, { key: org.key });
  assert.equal(l.status, 200, l.text);
  const breakers = new Breakers({ failures: 2, failingMs: 0, openMs: 60_000, maxOpenMs: 60_000 });
  const worker = new DispatchWorker(api.db, api.gateways, {
    ...DEFAULT_WORKER_OPTIONS,
    id: `failover-${org.id}`,
    breakers,
    retry: { maxAttempts: 5, baseSeconds: 0.05, maxSeconds: 0.1 },
  });
  const rows = async () =>
    (
      await api.db.query<{ state: string; gateway_id: number; attempts: number; reason: string | null }>(
        'SELECT state, gateway_id, attempts, reason FROM messages WHERE campaign_id = $1',
        [c.body.id],
      )
    ).rows;
  return { org, dead: dead.id, sandbox: sandbox.id, breakers, worker, rows, campaignId: c.body.id as number };
}

const rounds = async (worker: DispatchWorker, n: number) => {
  for (let i = 0; i < n; i++) {
    await worker.sendDue();
    await new Promise((r) => setTimeout(r, 150));
  }
};

test('a dead primary gateway: its breaker opens and the messages go through the second gateway', async () => {
  const s = await setUp('Отказ шлюза', true);
  await rounds(s.worker, 5);
  assert.equal(s.breakers.state(s.dead), 'open');
  const rows = await s.rows();
  assert.equal(rows.length, 20);
  for (const r of rows) {
    assert.equal(r.state, 'submitted', r.reason ?? '');
    assert.equal(r.gateway_id, s.sandbox, 'checked for delivery with the gateway that took it');
    assert.ok(r.attempts <= 3, `attempts ${r.attempts}`);
  }
  // Charged once per message, at the price of the launch.
  const { rows: charges } = await api.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ledger WHERE org_id = $1 AND kind = 'charge'`,
    [s.org.id],
  );
  assert.equal(charges[0]!.n, 20);
});

test('a dead gateway and no other for the channel: the messages wait, their attempts unspent', async () => {
  const s = await setUp('Отказ без запасного', false);
  await rounds(s.worker, 5);
  assert.equal(s.breakers.state(s.dead), 'open');
  const rows = await s.rows();
  for (const r of rows) {
    assert.equal(r.state, 'queued');
    assert.equal(r.gateway_id, s.dead);
    assert.ok(r.attempts <= 2, `attempts ${r.attempts}: only the batches before the breaker opened count`);
    assert.match(r.reason ?? '', /no other gateway of the channel is available: waiting/);
  }
});

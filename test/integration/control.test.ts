/** Campaign control (SD-1): pause, resume, close by force; exclude, edit and send single messages. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDispatcher } from '../../src/dispatch/dispatcher.ts';
import { listGateways, updateGatewaySettings } from '../../src/store/gateways.ts';
import { getBalance } from '../../src/store/ledger.ts';
import { createTestApi, type TestApi } from '../helpers/api.ts';
import { waitFor } from '../helpers/db.ts';

async function launched(api: TestApi, n: number): Promise<number> {
  const sms = (await listGateways(api.db, api.org.id)).find((g) => g.channel === 'sms')!;
  await updateGatewaySettings(api.db, api.org.id, sms.id, { deliveryDelayMs: 10 });
  for (let i = 0; i < n; i++)
    await api.call('POST', '/api/v1/contacts', { firstName: `К${i}`, phone: `+7912000${String(1000 + i)}` });
  const c = await api.call('POST', '/api/v1/campaigns', {
    name: 'c',
    channel: 'sms',
    textTemplate: 'Hello {{ contact.first_name }}',
    audience: { kind: 'all' },
  });
  assert.equal((await api.call('POST', `/api/v1/campaigns/${c.body.id}/launch`)).status, 200);
  return c.body.id;
}

const run = (api: TestApi) =>
  startDispatcher(api.db, {
    workers: 2,
    gateways: api.gateways,
    idlePollMs: 20,
    worker: { statusPollSeconds: 0.05 },
  });
const states = async (api: TestApi, id: number) =>
  (await api.call('GET', `/api/v1/campaigns/${id}`)).body.counts;

test('a paused campaign sends nothing until resumed, then completes', async () => {
  const api = await createTestApi();
  const id = await launched(api, 12);
  const paused = await api.call('POST', `/api/v1/campaigns/${id}/pause`);
  assert.equal(paused.status, 200);
  assert.equal(paused.body.state, 'paused');
  const d = await run(api);
  try {
    await new Promise((r) => setTimeout(r, 600));
    assert.deepEqual(await states(api, id), { queued: 12 }, 'nothing goes while paused');
    assert.equal((await api.call('POST', `/api/v1/campaigns/${id}/pause`)).status, 409);
    const resumed = await api.call('POST', `/api/v1/campaigns/${id}/resume`);
    assert.equal(resumed.body.state, 'sending');
    await waitFor(
      async () => (await api.call('GET', `/api/v1/campaigns/${id}`)).body.state === 'completed',
      15_000,
      'completion',
    );
  } finally {
    await d.stop();
  }
  assert.deepEqual(await states(api, id), { delivered: 12 });
  assert.equal((await api.call('POST', `/api/v1/campaigns/${id}/resume`)).body.error.code, 'wrong_state');
});

test('closing by force excludes what has not gone and releases the money', async () => {
  const api = await createTestApi();
  const before = await getBalance(api.db, api.org.id);
  const id = await launched(api, 5);
  assert.equal((await getBalance(api.db, api.org.id)).reservedKopecks, before.reservedKopecks + 5 * 30);
  const closed = await api.call('POST', `/api/v1/campaigns/${id}/close`);
  assert.equal(closed.status, 200);
  assert.equal(closed.body.state, 'completed');
  assert.deepEqual(await states(api, id), { excluded: 5 });
  const msgs = (await api.call('GET', `/api/v1/campaigns/${id}/messages`)).body.items;
  assert.ok(msgs.every((m: any) => m.reason === 'campaign closed by force'));
  assert.deepEqual(await getBalance(api.db, api.org.id), before);
  const row = await api.db.query<{ closed_by_force: boolean }>(
    'SELECT closed_by_force FROM campaigns WHERE id = $1',
    [id],
  );
  assert.equal(row.rows[0]!.closed_by_force, true);
  assert.equal((await api.call('POST', `/api/v1/campaigns/${id}/close`)).status, 409);
});

test('single messages: excluded, corrected, and sent on their own while the campaign is paused', async () => {
  const api = await createTestApi();
  const id = await launched(api, 4);
  await api.call('POST', `/api/v1/campaigns/${id}/pause`);
  const [a, b, c] = (await api.call('GET', `/api/v1/campaigns/${id}/messages`)).body.items;

  const excluded = await api.call(
    'POST',
    `/api/v1/messages/${a.id}/exclude?reason=${encodeURIComponent('клиент просил не писать')}`,
  );
  assert.deepEqual([excluded.body.state, excluded.body.reason], ['excluded', 'клиент просил не писать']);

  const edited = await api.call('PATCH', `/api/v1/messages/${b.id}`, {
    to: '8 (912) 555-66-77',
    text: 'я'.repeat(71),
  });
  assert.equal(edited.status, 200, edited.text);
  assert.deepEqual(
    [edited.body.address, edited.body.segments, edited.body.priceKopecks],
    ['+79125556677', 2, 60],
  );
  const bad = await api.call('PATCH', `/api/v1/messages/${b.id}`, { to: '8 (912) 5' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /to: `8 \(912\) 5` is not a phone number/);

  const d = await run(api);
  try {
    assert.equal((await api.call('POST', `/api/v1/messages/${c.id}/send`)).status, 200);
    await waitFor(
      async () => (await api.call('GET', `/api/v1/messages/${c.id}`)).body.state === 'delivered',
      10_000,
      'the single send',
    );
    assert.deepEqual(await states(api, id), { excluded: 1, queued: 2, delivered: 1 }, 'only that one went');
    const again = await api.call('POST', `/api/v1/messages/${c.id}/exclude`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'busy');
    await api.call('POST', `/api/v1/campaigns/${id}/resume`);
    await waitFor(
      async () => (await api.call('GET', `/api/v1/campaigns/${id}`)).body.state === 'completed',
      15_000,
      'completion',
    );
  } finally {
    await d.stop();
  }
  assert.deepEqual(await states(api, id), { excluded: 1, delivered: 3 });
  const sentB = await api.call('GET', `/api/v1/messages/${b.id}`);
  assert.deepEqual(
    [sentB.body.address, sentB.body.costKopecks],
    ['+79125556677', 60],
    'the corrected message went as corrected',
  );
  assert.equal((await api.call('POST', '/api/v1/messages/999999/send')).status, 404);
});

/** The live report's extra reads (RP-1): progress over time, list totals, recipients with names. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDispatcher } from '../../src/dispatch/dispatcher.ts';
import { listGateways, updateGatewaySettings } from '../../src/store/gateways.ts';
import { createTestApi, type TestApi } from '../helpers/api.ts';
import { waitFor } from '../helpers/db.ts';

async function campaign(api: TestApi, n: number): Promise<number> {
  for (let i = 0; i < n; i++)
    await api.call('POST', '/api/v1/contacts', {
      lastName: i === 0 ? 'Пчёлкина' : 'Иванов',
      firstName: `К${i}`,
      phone: `+7912000${String(1000 + i)}`,
    });
  const c = await api.call('POST', '/api/v1/campaigns', {
    name: 'c',
    channel: 'sms',
    textTemplate: 'Hello {{ contact.first_name }}',
    audience: { kind: 'all' },
  });
  return c.body.id;
}

test('progress: empty before the launch, cumulative counts to the finish after it', async () => {
  const api = await createTestApi();
  const sms = (await listGateways(api.db, api.org.id)).find((g) => g.channel === 'sms')!;
  await updateGatewaySettings(api.db, api.org.id, sms.id, { deliveryDelayMs: 10 });
  const id = await campaign(api, 6);

  const draft = await api.call('GET', `/api/v1/campaigns/${id}/progress`);
  assert.equal(draft.status, 200);
  assert.equal(draft.body.from, null);
  assert.deepEqual(draft.body.buckets, []);

  assert.equal((await api.call('POST', `/api/v1/campaigns/${id}/launch`)).status, 200);
  const d = await startDispatcher(api.db, {
    workers: 2,
    gateways: api.gateways,
    idlePollMs: 20,
    worker: { statusPollSeconds: 0.05 },
  });
  try {
    await waitFor(
      async () => (await api.call('GET', `/api/v1/campaigns/${id}`)).body.state === 'completed',
      15_000,
      'completion',
    );
  } finally {
    await d.stop();
  }
  const p = (await api.call('GET', `/api/v1/campaigns/${id}/progress?buckets=10`)).body;
  assert.equal(p.total, 6);
  assert.ok(p.buckets.length >= 1 && p.buckets.length <= 11, `${p.buckets.length} buckets`);
  const last = p.buckets[p.buckets.length - 1];
  assert.deepEqual(
    { sent: last.sent, delivered: last.delivered, failed: last.failed },
    {
      sent: 6,
      delivered: 6,
      failed: 0,
    },
  );
  for (let i = 1; i < p.buckets.length; i++) {
    assert.ok(p.buckets[i].sent >= p.buckets[i - 1].sent, 'cumulative');
    assert.ok(Date.parse(p.buckets[i].at) > Date.parse(p.buckets[i - 1].at), 'in time order');
  }
  assert.equal(Date.parse(p.buckets[0].at), Date.parse(p.from));

  const totals = await api.call('GET', `/api/v1/campaigns/totals?ids=${id},999999`);
  assert.equal(totals.status, 200);
  assert.deepEqual(totals.body.items, [
    { id, recipients: 6, sent: 6, delivered: 6, failed: 0, priceKopecks: 180, chargedKopecks: 180 },
  ]);
});

test('deliveries: names, search, state filter and paging; other organisations see nothing', async () => {
  const api = await createTestApi();
  const id = await campaign(api, 5);
  assert.equal((await api.call('POST', `/api/v1/campaigns/${id}/launch`)).status, 200);

  const found = await api.call('GET', `/api/v1/campaigns/${id}/deliveries?q=пчёл`);
  assert.equal(found.status, 200);
  assert.equal(found.body.items.length, 1);
  assert.equal(found.body.items[0].contactName, 'Пчёлкина К0');
  assert.equal(found.body.items[0].state, 'queued');
  const byPhone = await api.call('GET', `/api/v1/campaigns/${id}/deliveries?q=${encodeURIComponent('1003')}`);
  assert.deepEqual(
    byPhone.body.items.map((r: { address: string }) => r.address),
    ['+79120001003'],
  );
  assert.equal((await api.call('GET', `/api/v1/campaigns/${id}/deliveries?q=%25`)).body.items.length, 0);
  assert.equal(
    (await api.call('GET', `/api/v1/campaigns/${id}/deliveries?state=delivered`)).body.items.length,
    0,
  );

  const first = (await api.call('GET', `/api/v1/campaigns/${id}/deliveries?limit=3`)).body;
  assert.equal(first.items.length, 3);
  const rest = (await api.call('GET', `/api/v1/campaigns/${id}/deliveries?limit=3&after=${first.nextCursor}`))
    .body;
  assert.equal(rest.items.length, 2);
  assert.equal(rest.nextCursor, null);

  const other = await api.addOrg('other');
  const opts = { key: other.key };
  assert.equal((await api.call('GET', `/api/v1/campaigns/${id}/deliveries`, undefined, opts)).status, 404);
  assert.equal((await api.call('GET', `/api/v1/campaigns/${id}/progress`, undefined, opts)).status, 404);
  assert.deepEqual(
    (await api.call('GET', `/api/v1/campaigns/totals?ids=${id}`, undefined, opts)).body.items,
    [],
  );
  assert.equal((await api.call('GET', '/api/v1/campaigns/totals?ids=1;DROP')).status, 400);
  const huge = await api.call('GET', '/api/v1/campaigns/totals?ids=1,99999999999999999999');
  assert.equal(huge.status, 400, 'an id past bigint is refused, not a database error');
  assert.match(huge.body.error.message, /ids/);
});

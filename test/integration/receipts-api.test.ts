/**
 * The receipts inbox through the API (issue 19): a long message's parts and its receipts; a
 * gateway's kept receipts by outcome; another organisation sees neither.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launchCampaign } from '../../src/dispatch/launch.ts';
import { insertCampaign } from '../../src/store/campaigns.ts';
import { insertContact } from '../../src/store/contacts.ts';
import { listGateways } from '../../src/store/gateways.ts';
import { applyStatusUpdates, claimDue, recordSendResults } from '../../src/store/queue.ts';
import { createTestApi } from '../helpers/api.ts';

const api = await createTestApi();

test("a long message's parts and receipts, a gateway's ambiguous ones, and nothing for another organisation", async () => {
  const { db, org } = api;
  for (const phone of ['+79120000051', '+79120000052'])
    await insertContact(db, org.id, { firstName: 'Ч', phone });
  const c = await insertCampaign(
    db,
    org.id,
    { name: 'части', channel: 'sms', textTemplate: 'Hi', audience: { kind: 'all' } },
    't',
  );
  assert.ok((await launchCampaign(db, org.id, c.id, 't')).ok);
  const gw = (await listGateways(db, org.id)).find((g) => g.channel === 'sms')!;
  const [m1, m2] = await claimDue(db, 'queued', 'w1', 10, 60);
  const sub = (id: number, providerId: string, partIds?: string[]) => ({
    id,
    kind: 'submitted' as const,
    providerId,
    ...(partIds ? { partIds } : {}),
    rawStatus: 'ACCEPTED',
    costKopecks: null,
    nextCheckSeconds: 3600,
    deadlineSeconds: 3600,
  });
  await recordSendResults(db, 'w1', [sub(m1!.id, 'p-1', ['p-1', 'p-2']), sub(m2!.id, 'p-1')]);
  await applyStatusUpdates(db, gw.id, [
    { providerId: 'p-2', state: 'delivered', rawStatus: 'DELIVRD' },
    { providerId: 'p-1', state: 'delivered', rawStatus: 'DELIVRD', destination: '+79120000052' },
    { providerId: 'p-1', state: 'undelivered', rawStatus: 'UNDELIV' },
  ]);
  const r = await api.call('GET', `/api/v1/messages/${m1!.id}/receipts`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(
    r.body.parts.map((p: { part: number; providerId: string; state: string }) => [
      p.part,
      p.providerId,
      p.state,
    ]),
    [
      [1, 'p-1', 'submitted'],
      [2, 'p-2', 'delivered'],
    ],
  );
  assert.deepEqual(
    r.body.receipts.map((x: { providerId: string; part: number }) => [x.providerId, x.part]),
    [['p-2', 2]],
  );
  // The campaign's report shows the long message's parts.
  const rows = await api.call('GET', `/api/v1/campaigns/${c.id}/deliveries`);
  assert.equal(rows.status, 200, rows.text);
  assert.deepEqual(
    rows.body.items.map((x: { id: number; parts: unknown }) => [x.id, x.parts]),
    [
      [m1!.id, { total: 2, delivered: 1 }],
      [m2!.id, null],
    ],
  );
  const kept = await api.call('GET', `/api/v1/gateways/${gw.id}/receipts?outcome=ambiguous`);
  assert.equal(kept.status, 200, kept.text);
  assert.deepEqual(
    kept.body.items.map((x: { providerId: string; rawStatus: string; messageId: null }) => [
      x.providerId,
      x.rawStatus,
      x.messageId,
    ]),
    [['p-1', 'UNDELIV', null]],
  );
  const all = await api.call('GET', `/api/v1/gateways/${gw.id}/receipts?limit=2`);
  assert.equal(all.body.items.length, 2);
  assert.equal(typeof all.body.nextBefore, 'number');
  const rest = await api.call(
    'GET',
    `/api/v1/gateways/${gw.id}/receipts?limit=2&before=${all.body.nextBefore}`,
  );
  assert.equal(rest.body.items.length, 1);
  const bad = await api.call('GET', `/api/v1/gateways/${gw.id}/receipts?outcome=lost`);
  assert.equal(bad.status, 400, bad.text);

  const other = await api.addOrg('Чужая');
  for (const url of [`/api/v1/messages/${m1!.id}/receipts`, `/api/v1/gateways/${gw.id}/receipts`]) {
    const x = await api.call('GET', url, undefined, { key: other.key });
    assert.equal(x.status, 404, `${url}: ${x.text}`);
  }
});

/**
 * A delivery report that overtakes the submit answer (SD-3) is kept and applied when the answer is
 * written — or by the sweep, if it slipped between the two — never lost, never applied backwards.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launchCampaign } from '../../src/dispatch/launch.ts';
import { completeFinishedCampaigns, getCampaign, insertCampaign } from '../../src/store/campaigns.ts';
import { insertContact } from '../../src/store/contacts.ts';
import { applyEarlyReports } from '../../src/store/earlyReports.ts';
import { listGateways } from '../../src/store/gateways.ts';
import { topUp } from '../../src/store/ledger.ts';
import { listCampaignMessages } from '../../src/store/messages.ts';
import { createOrg } from '../../src/store/orgs.ts';
import { applyStatusUpdates, claimDue, recordSendResults } from '../../src/store/queue.ts';
import { openTestDb } from '../helpers/db.ts';

test('a report before the submit answer is applied with the answer, and the campaign completes', async () => {
  const { db } = await openTestDb();
  const org = await createOrg(db, 'Гонка');
  await db.transaction((tx) => topUp(tx, org.id, 1000, 't', 't'));
  for (const phone of ['+79120000001', '+79120000002'])
    await insertContact(db, org.id, { firstName: 'X', phone });
  const c = await insertCampaign(
    db,
    org.id,
    { name: 'race', channel: 'sms', textTemplate: 'Hi', audience: { kind: 'all' } },
    't',
  );
  assert.ok((await launchCampaign(db, org.id, c.id, 't')).ok);
  const gw = (await listGateways(db, org.id)).find((g) => g.channel === 'sms')!;
  const [a, b] = await claimDue(db, 'queued', 'w1', 10, 60);

  // The operator's reports arrive first: for ids no message carries yet.
  const early = await applyStatusUpdates(db, gw.id, [
    { providerId: 'op-1', state: 'delivered', rawStatus: 'DELIVRD' },
    { providerId: 'op-2', state: 'submitted', rawStatus: 'ENROUTE' },
    { providerId: 'op-2', state: 'undelivered', rawStatus: 'UNDELIV' },
  ]);
  assert.deepEqual(early, { changed: 0, campaigns: [] });
  const kept = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM early_reports');
  assert.equal(kept.rows[0]!.n, 2, 'the final reports are kept, the intermediate one is not');

  const submitted = (id: number, providerId: string) => ({
    id,
    kind: 'submitted' as const,
    providerId,
    rawStatus: 'ACCEPTED',
    costKopecks: null,
    nextCheckSeconds: 3600,
    deadlineSeconds: 3600,
  });
  const done = await recordSendResults(db, 'w1', [submitted(a!.id, 'op-1'), submitted(b!.id, 'op-2')]);
  assert.deepEqual(done, [c.id]);
  const msgs = await listCampaignMessages(db, org.id, c.id, { afterId: 0, limit: 10 });
  assert.deepEqual(
    msgs.map((m) => [m.state, m.rawStatus, m.costKopecks]),
    [
      ['delivered', 'DELIVRD', 30],
      ['undelivered', 'UNDELIV', 30],
    ],
  );
  assert.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM early_reports')).rows[0]!.n, 0);
  // Completion is the caller's step after the write (the worker does it); here by hand.
  await completeFinishedCampaigns(db, done);
  assert.equal((await getCampaign(db, org.id, c.id))!.state, 'completed');
});

test('a kept report that slipped past the submit is applied by the sweep, and a stale one never goes backwards', async () => {
  const { db } = await openTestDb();
  const org = await createOrg(db, 'Гонка 2');
  await db.transaction((tx) => topUp(tx, org.id, 1000, 't', 't'));
  await insertContact(db, org.id, { firstName: 'X', phone: '+79120000001' });
  const c = await insertCampaign(
    db,
    org.id,
    { name: 'race', channel: 'sms', textTemplate: 'Hi', audience: { kind: 'all' } },
    't',
  );
  await launchCampaign(db, org.id, c.id, 't');
  const gw = (await listGateways(db, org.id)).find((g) => g.channel === 'sms')!;
  const [m] = await claimDue(db, 'queued', 'w1', 10, 60);
  await recordSendResults(db, 'w1', [
    {
      id: m!.id,
      kind: 'submitted',
      providerId: 'op-9',
      rawStatus: 'ACCEPTED',
      costKopecks: null,
      nextCheckSeconds: 3600,
      deadlineSeconds: 3600,
    },
  ]);
  // As if the report had been kept just after the submit's transaction looked for it.
  await db.query(
    `INSERT INTO early_reports (gateway_id, provider_id, state, raw_status) VALUES ($1, 'op-9', 'delivered', 'DELIVRD')`,
    [gw.id],
  );
  assert.deepEqual(await applyEarlyReports(db, 'all'), [c.id]);
  await db.query(
    `INSERT INTO early_reports (gateway_id, provider_id, state, raw_status) VALUES ($1, 'op-9', 'unknown', 'LATE')`,
    [gw.id],
  );
  assert.deepEqual(await applyEarlyReports(db, 'all'), []);
  const [after] = await listCampaignMessages(db, org.id, c.id, { afterId: 0, limit: 1 });
  assert.deepEqual([after!.state, after!.rawStatus], ['delivered', 'DELIVRD']);
  assert.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM early_reports')).rows[0]!.n, 0);
});

/**
 * The receipts inbox (issue 19, store/receipts.ts): a receipt that overtakes the send's answer is
 * applied whichever of the two commits second; a reused provider id is matched within the message's
 * life and on the destination, never to a guess; each part of a long SMS is tracked.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launchCampaign } from '../../src/dispatch/launch.ts';
import { completeFinishedCampaigns, getCampaign, insertCampaign } from '../../src/store/campaigns.ts';
import { insertContact } from '../../src/store/contacts.ts';
import type { Db } from '../../src/store/db.ts';
import { listGateways } from '../../src/store/gateways.ts';
import { topUp } from '../../src/store/ledger.ts';
import { createOrg } from '../../src/store/orgs.ts';
import {
  applyReceiptsAfterSend,
  applyStatusUpdates,
  claimDue,
  recordSendResults,
  recordSendResultsIn,
  type SendResultRow,
} from '../../src/store/queue.ts';
import { settleReceipts } from '../../src/store/receipts.ts';
import { openTestDb, TEST_ENGINE } from '../helpers/db.ts';

/** An organisation with `phones.length` contacts and a launched SMS campaign to them, claimed. */
async function claimedCampaign(db: Db, name: string, phones: string[]) {
  const org = await createOrg(db, name);
  await db.transaction((tx) => topUp(tx, org.id, 100_000, 't', 't'));
  for (const phone of phones) await insertContact(db, org.id, { firstName: 'X', phone });
  const c = await insertCampaign(
    db,
    org.id,
    { name, channel: 'sms', textTemplate: 'Hi', audience: { kind: 'all' } },
    't',
  );
  assert.ok((await launchCampaign(db, org.id, c.id, 't')).ok);
  const gw = (await listGateways(db, org.id)).find((g) => g.channel === 'sms')!;
  const claimed = await claimDue(db, 'queued', 'w1', 100, 60);
  const byPhone = new Map(claimed.map((m) => [m.address, m]));
  return { org, campaignId: c.id, gatewayId: gw.id, claimed, byPhone };
}

const submitted = (id: number, providerId: string, partIds?: string[]): SendResultRow => ({
  id,
  kind: 'submitted',
  providerId,
  ...(partIds ? { partIds } : {}),
  rawStatus: 'ACCEPTED',
  costKopecks: null,
  nextCheckSeconds: 3600,
  deadlineSeconds: 3600,
});

async function stateOf(db: Db, id: number) {
  const { rows } = await db.query<{ state: string; raw_status: string | null }>(
    'SELECT state, raw_status FROM messages WHERE id = $1',
    [id],
  );
  return [rows[0]!.state, rows[0]!.raw_status];
}

async function outcomes(db: Db): Promise<Record<string, number>> {
  const { rows } = await db.query<{ outcome: string; n: number }>(
    'SELECT outcome, count(*)::int AS n FROM delivery_receipts GROUP BY outcome ORDER BY outcome',
  );
  return Object.fromEntries(rows.map((r) => [r.outcome, r.n]));
}

test('a receipt before the send answer is kept, then applied by the answer; intermediate ones are not kept', async () => {
  const { db } = await openTestDb();
  const k = await claimedCampaign(db, 'Гонка', ['+79120000001', '+79120000002']);
  const [a, b] = k.claimed;
  const early = await applyStatusUpdates(db, k.gatewayId, [
    { providerId: 'op-1', state: 'delivered', rawStatus: 'DELIVRD' },
    { providerId: 'op-2', state: 'submitted', rawStatus: 'ENROUTE' },
    { providerId: 'op-2', state: 'undelivered', rawStatus: 'UNDELIV' },
  ]);
  assert.deepEqual(early, { changed: 0, campaigns: [] });
  assert.deepEqual(await outcomes(db), { pending: 2 });
  const done = await recordSendResults(db, 'w1', [submitted(a!.id, 'op-1'), submitted(b!.id, 'op-2')]);
  assert.deepEqual(done, [k.campaignId]);
  assert.deepEqual(await stateOf(db, a!.id), ['delivered', 'DELIVRD']);
  assert.deepEqual(await stateOf(db, b!.id), ['undelivered', 'UNDELIV']);
  assert.deepEqual(await outcomes(db), { applied: 2 });
  await completeFinishedCampaigns(db, done);
  assert.equal((await getCampaign(db, k.org.id, k.campaignId))!.state, 'completed');
  // The same receipt again changes nothing, and a late lower one never goes backwards.
  const again = await applyStatusUpdates(db, k.gatewayId, [
    { providerId: 'op-1', state: 'delivered', rawStatus: 'DELIVRD' },
    { providerId: 'op-1', state: 'expired', rawStatus: 'LATE' },
  ]);
  assert.equal(again.changed, 0);
  assert.deepEqual(await stateOf(db, a!.id), ['delivered', 'DELIVRD']);
});

test('the race on purpose: the receipt commits while the answer is being written, and is applied after it commits', {
  skip:
    TEST_ENGINE === 'pglite'
      ? 'PGlite has one connection: the two cannot overlap (the HTTP test covers it)'
      : false,
}, async () => {
  const { db } = await openTestDb();
  const phones = Array.from({ length: 40 }, (_, i) => `+791200001${String(i).padStart(2, '0')}`);
  const k = await claimedCampaign(db, 'Гонка на двоих', phones);
  const results = k.claimed.map((m, i) => submitted(m.id, `race-${i}`));
  // The answer's transaction writes the ids; before it commits, every receipt arrives on another
  // connection, is stored (committed) and finds no message carrying its id.
  await db.transaction(async (tx) => {
    await recordSendResultsIn(tx, { leasedTo: 'w1' }, results);
    const r = await applyStatusUpdates(
      db,
      k.gatewayId,
      results.map((x, i) => ({ providerId: `race-${i}`, state: 'delivered', rawStatus: 'DELIVRD' })),
    );
    assert.equal(r.changed, 0, 'the answer is not committed: nothing to apply yet');
  });
  assert.deepEqual(await outcomes(db), { pending: 40 });
  // The worker's step after its commit.
  assert.deepEqual(await applyReceiptsAfterSend(db, results), [k.campaignId]);
  assert.deepEqual(await outcomes(db), { applied: 40 });
  const { rows } = await db.query<{ state: string; n: number }>(
    'SELECT state, count(*)::int AS n FROM messages WHERE campaign_id = $1 GROUP BY state',
    [k.campaignId],
  );
  assert.deepEqual(rows, [{ state: 'delivered', n: 40 }]);
});

test('a reused provider id: the destination decides; without one, a live older message makes it ambiguous', async () => {
  const { db } = await openTestDb();
  const k = await claimedCampaign(db, 'Повтор', ['+79120000011', '+79120000012', '+79120000013']);
  const old = k.byPhone.get('+79120000011')!;
  const fresh = k.byPhone.get('+79120000012')!;
  const third = k.byPhone.get('+79120000013')!;
  await recordSendResults(db, 'w1', [submitted(old.id, 'id-7'), submitted(fresh.id, 'id-7')]);
  // The SMSC's receipt names the number: only that message.
  await applyStatusUpdates(db, k.gatewayId, [
    { providerId: 'id-7', state: 'delivered', rawStatus: 'DELIVRD', destination: '79120000012' },
  ]);
  assert.deepEqual(await stateOf(db, fresh.id), ['delivered', 'DELIVRD']);
  assert.deepEqual(await stateOf(db, old.id), ['submitted', 'ACCEPTED']);
  // No destination, two messages in their life: kept as ambiguous, applied to neither.
  await applyStatusUpdates(db, k.gatewayId, [
    { providerId: 'id-7', state: 'undelivered', rawStatus: 'UNDELIV' },
  ]);
  assert.deepEqual(await stateOf(db, old.id), ['submitted', 'ACCEPTED']);
  assert.deepEqual(await stateOf(db, fresh.id), ['delivered', 'DELIVRD']);
  assert.deepEqual(await outcomes(db), { ambiguous: 1, applied: 1 });
  // A number in another form (national 8…) is the same number.
  await recordSendResults(db, 'w1', [submitted(third.id, 'id-8')]);
  await applyStatusUpdates(db, k.gatewayId, [
    { providerId: 'id-8', state: 'delivered', rawStatus: 'DELIVRD', destination: '89120000013' },
  ]);
  assert.deepEqual(await stateOf(db, third.id), ['delivered', 'DELIVRD']);
  // A destination that is not the message's: kept, applied to nothing.
  await applyStatusUpdates(db, k.gatewayId, [
    { providerId: 'id-7', state: 'undelivered', rawStatus: 'UNDELIV', destination: '+79990000000' },
  ]);
  assert.deepEqual(await stateOf(db, old.id), ['submitted', 'ACCEPTED']);
  assert.equal((await settleReceipts(db, new Date(Date.now() + 6 * 60_000))).length, 0);
  assert.deepEqual(await outcomes(db), { ambiguous: 1, applied: 2, unmatched: 1 });
});

test("a reused id after the older message's life: final long ago, or past its deadline, it is no candidate", async () => {
  const { db } = await openTestDb();
  const k = await claimedCampaign(db, 'Жизнь', ['+79120000021', '+79120000022', '+79120000023']);
  const [a, b, c] = ['+79120000021', '+79120000022', '+79120000023'].map((p) => k.byPhone.get(p)!);
  await recordSendResults(db, 'w1', [submitted(a!.id, 'n-1'), submitted(c!.id, 'n-2')]);
  await applyStatusUpdates(db, k.gatewayId, [
    { providerId: 'n-1', state: 'delivered', rawStatus: 'DELIVRD' },
  ]);
  // Two hours later the SMSC, restarted, hands out n-1 again; c's deadline has passed meanwhile.
  await db.query(
    `UPDATE messages SET submitted_at = submitted_at - interval '2 hours', final_at = final_at - interval '2 hours'
     WHERE id = $1`,
    [a!.id],
  );
  await db.query("UPDATE messages SET status_deadline = now() - interval '1 minute' WHERE id = $1", [c!.id]);
  await recordSendResults(db, 'w1', [submitted(b!.id, 'n-1')]);
  await applyStatusUpdates(db, k.gatewayId, [
    { providerId: 'n-1', state: 'undelivered', rawStatus: 'UNDELIV' },
    { providerId: 'n-2', state: 'delivered', rawStatus: 'DELIVRD' },
  ]);
  assert.deepEqual(await stateOf(db, b!.id), ['undelivered', 'UNDELIV']);
  assert.deepEqual(await stateOf(db, a!.id), ['delivered', 'DELIVRD']);
  assert.deepEqual(await stateOf(db, c!.id), ['submitted', 'ACCEPTED'], 'past its deadline: not its receipt');
  await settleReceipts(db, new Date(Date.now() + 6 * 60_000));
  assert.deepEqual(await outcomes(db), { applied: 2, unmatched: 1 });
});

test('a long SMS: each part is tracked; delivered when every part is, undelivered as soon as one is', async () => {
  const { db } = await openTestDb();
  const k = await claimedCampaign(db, 'Части', ['+79120000031', '+79120000032']);
  const [m1, m2] = ['+79120000031', '+79120000032'].map((p) => k.byPhone.get(p)!);
  // The part receipts come in any order, one even before the answer.
  await applyStatusUpdates(db, k.gatewayId, [
    { providerId: 'a-3', state: 'delivered', rawStatus: 'DELIVRD' },
  ]);
  await recordSendResults(db, 'w1', [
    submitted(m1!.id, 'a-1', ['a-1', 'a-2', 'a-3']),
    submitted(m2!.id, 'b-1', ['b-1', 'b-2']),
  ]);
  await applyStatusUpdates(db, k.gatewayId, [
    { providerId: 'a-1', state: 'delivered', rawStatus: 'DELIVRD' },
  ]);
  assert.deepEqual(await stateOf(db, m1!.id), ['submitted', 'ACCEPTED'], 'two of three parts delivered');
  await applyStatusUpdates(db, k.gatewayId, [
    { providerId: 'a-2', state: 'delivered', rawStatus: 'DELIVRD' },
  ]);
  assert.deepEqual(await stateOf(db, m1!.id), ['delivered', 'part 1/3: DELIVRD']);
  const r = await applyStatusUpdates(db, k.gatewayId, [
    { providerId: 'b-2', state: 'undelivered', rawStatus: 'UNDELIV' },
  ]);
  assert.deepEqual(r.campaigns, [k.campaignId]);
  assert.deepEqual(await stateOf(db, m2!.id), ['undelivered', 'part 2/2: UNDELIV']);
  const parts = await db.query<{ message_id: number; part: number; state: string }>(
    'SELECT message_id::int, part, state FROM message_parts ORDER BY message_id, part',
  );
  assert.deepEqual(
    parts.rows.map((p) => [p.message_id, p.part, p.state]),
    [
      [m1!.id, 1, 'delivered'],
      [m1!.id, 2, 'delivered'],
      [m1!.id, 3, 'delivered'],
      [m2!.id, 1, 'submitted'],
      [m2!.id, 2, 'undelivered'],
    ],
  );
  assert.deepEqual(await outcomes(db), { applied: 4 });
});

test('a receipt for an id no message ever carries stays pending for the send slack, then is unmatched', async () => {
  const { db } = await openTestDb();
  const k = await claimedCampaign(db, 'Чужой', ['+79120000041']);
  await applyStatusUpdates(db, k.gatewayId, [
    { providerId: 'ghost', state: 'delivered', rawStatus: 'DELIVRD' },
  ]);
  await settleReceipts(db);
  assert.deepEqual(await outcomes(db), { pending: 1 }, 'the answer may still come');
  await settleReceipts(db, new Date(Date.now() + 6 * 60_000));
  assert.deepEqual(await outcomes(db), { unmatched: 1 });
  // Decided receipts are forgotten after a week.
  await settleReceipts(db, new Date(Date.now() + 8 * 86_400_000));
  assert.deepEqual(await outcomes(db), {});
});

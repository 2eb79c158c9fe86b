/**
 * When messages go (issue 7), on a controlled clock — never a sleep: the launch is given its instant
 * and the worker its clock, so «03:00 in Moscow» is a value. Runs on PGlite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayPool } from '../../src/dispatch/gatewayPool.ts';
import { launchCampaign } from '../../src/dispatch/launch.ts';
import { DEFAULT_WORKER_OPTIONS, DispatchWorker } from '../../src/dispatch/worker.ts';
import { estimateCampaign } from '../../src/services/estimate.ts';
import { type CampaignInput, insertCampaign } from '../../src/store/campaigns.ts';
import { insertContact } from '../../src/store/contacts.ts';
import type { Db } from '../../src/store/db.ts';
import { listGateways, updateGatewaySettings } from '../../src/store/gateways.ts';
import { topUp } from '../../src/store/ledger.ts';
import { createOrg, type DeliverySettings, updateDeliverySettings } from '../../src/store/orgs.ts';
import { applyStatusUpdates } from '../../src/store/queue.ts';
import { explainMessage } from '../../src/store/timing.ts';
import { openTestDb } from '../helpers/db.ts';

const iso = (d: Date | null) => d?.toISOString().replace('.000Z', 'Z') ?? null;

interface Row {
  id: number;
  contact_id: number;
  channel: string;
  state: string;
  due_at: Date | null;
  due_reason: string | null;
  attempts: number;
  cascade_of: number | null;
}

async function setup(db: Db, delivery: Partial<DeliverySettings> = {}) {
  const org = await createOrg(db, 'Часы');
  await updateDeliverySettings(db, org.id, { windowStart: '10:00', windowEnd: '23:00', ...delivery });
  await db.transaction((tx) => topUp(tx, org.id, 1000_00, 'test', 'test'));
  // Reports come back at once, so a round of status checks could finish what a round sent.
  for (const g of await listGateways(db, org.id))
    await updateGatewaySettings(db, org.id, g.id, { deliveryDelayMs: 0 });
  return org;
}

async function contact(db: Db, orgId: number, c: Parameters<typeof insertContact>[2]): Promise<number> {
  const r = await insertContact(db, orgId, { firstName: 'Иван', ...c });
  assert.ok(typeof r === 'object');
  return r.id;
}

async function campaign(db: Db, orgId: number, c: Partial<CampaignInput> = {}): Promise<number> {
  const made = await insertCampaign(
    db,
    orgId,
    { name: 'Часы', channel: 'sms', textTemplate: 'Отключение воды', audience: { kind: 'all' }, ...c },
    'test',
  );
  return made.id;
}

async function rows(db: Db, campaignId: number): Promise<Row[]> {
  const r = await db.query<Row>(
    `SELECT id, contact_id, channel, state, due_at, due_reason, attempts, cascade_of FROM messages
     WHERE campaign_id = $1 ORDER BY contact_id, channel`,
    [campaignId],
  );
  return r.rows;
}

/** A worker on the test's clock. */
function worker(db: Db, clock: { now: Date }) {
  return new DispatchWorker(db, new GatewayPool(db, 'http://127.0.0.1:1'), {
    ...DEFAULT_WORKER_OPTIONS,
    id: 'clockwork',
    clock: () => clock.now,
  });
}

test('the daytime window is the recipient’s: own zone, the landline’s region, else the organisation’s', async () => {
  const { db } = await openTestDb();
  const org = await setup(db);
  const vladivostok = await contact(db, org.id, { phone: '+79120000001', timeZone: 'Asia/Vladivostok' });
  const kaliningrad = await contact(db, org.id, { phone: '+79120000002', timeZone: 'Europe/Kaliningrad' });
  const yekaterinburg = await contact(db, org.id, { phone: '+73431234567' });
  const moscow = await contact(db, org.id, { phone: '+79120000004' });
  const id = await campaign(db, org.id);
  // 05:00Z: 15:00 in Vladivostok, 10:00 in Yekaterinburg, 08:00 in Moscow, 07:00 in Kaliningrad.
  const clock = { now: new Date('2026-06-15T05:00:00Z') };
  const launched = await launchCampaign(db, org.id, id, 'test', undefined, { now: clock.now });
  assert.ok(launched.ok);
  const due = new Map((await rows(db, id)).map((r) => [r.contact_id, r]));
  assert.equal(iso(due.get(vladivostok)!.due_at), '2026-06-15T05:00:00Z');
  assert.equal(iso(due.get(yekaterinburg)!.due_at), '2026-06-15T05:00:00Z');
  assert.equal(iso(due.get(moscow)!.due_at), '2026-06-15T07:00:00Z');
  assert.equal(iso(due.get(kaliningrad)!.due_at), '2026-06-15T08:00:00Z');
  assert.equal(due.get(moscow)!.due_reason, 'window: 10:00–23:00 in Europe/Moscow');

  const w = worker(db, clock);
  assert.equal(await w.sendDue(), 2);
  clock.now = new Date('2026-06-15T06:59:59Z');
  assert.equal(await w.sendDue(), 0);
  clock.now = new Date('2026-06-15T07:00:00Z');
  assert.equal(await w.sendDue(), 1);
  clock.now = new Date('2026-06-15T08:00:00Z');
  assert.equal(await w.sendDue(), 1);
  assert.ok((await rows(db, id)).every((r) => r.state === 'submitted' && r.attempts === 1));

  // A queue that runs late: due at 22:50 Moscow, reached by a worker at 23:05 — it waits for 10:00.
  const late = await campaign(db, org.id, { audience: { kind: 'contacts', contactIds: [moscow] } });
  assert.ok(
    (await launchCampaign(db, org.id, late, 'test', undefined, { now: new Date('2026-06-15T19:50:00Z') })).ok,
  );
  clock.now = new Date('2026-06-15T20:05:00Z');
  assert.equal(await w.sendDue(), 1);
  const [parked] = await rows(db, late);
  assert.equal(parked!.state, 'queued');
  assert.equal(iso(parked!.due_at), '2026-06-16T07:00:00Z');
  assert.equal(parked!.attempts, 0, 'a message the window holds back spends no attempt');
  const why = await explainMessage(db, org.id, parked!.id);
  assert.equal(why?.explanation, 'window: 10:00–23:00 in Europe/Moscow');
});

test('urgent mode: SMS at once at the fixed rate, at 03:00, no window and no cascade', async () => {
  const { db } = await openTestDb();
  const org = await setup(db, { urgentPerMinute: 20 });
  for (let i = 0; i < 4; i++)
    await contact(db, org.id, { phone: `+7912000010${i}`, telegramChatId: `${100 + i}` });
  const id = await campaign(db, org.id, { mode: 'urgent' });
  const clock = { now: new Date('2026-06-15T00:00:00Z') }; // 03:00 Moscow
  assert.ok((await launchCampaign(db, org.id, id, 'test', undefined, { now: clock.now })).ok);
  const r = await rows(db, id);
  assert.deepEqual(
    r.map((m) => [m.channel, iso(m.due_at)]),
    [
      ['sms', '2026-06-15T00:00:00Z'],
      ['sms', '2026-06-15T00:00:03Z'],
      ['sms', '2026-06-15T00:00:06Z'],
      ['sms', '2026-06-15T00:00:09Z'],
    ],
  );
  const w = worker(db, clock);
  assert.equal(await w.sendDue(), 1);
  clock.now = new Date('2026-06-15T00:00:09Z');
  assert.equal(await w.sendDue(), 3);
});

test('economy mode: a daily capacity per gateway, the plan before sending, the rest moves to the next days', async () => {
  const { db } = await openTestDb();
  const org = await setup(db, { economyDailyCapacity: 3 });
  for (let i = 0; i < 7; i++) await contact(db, org.id, { phone: `+7912000020${i}` });
  const now = new Date('2026-06-15T17:00:00Z'); // 20:00 Moscow
  const first = await campaign(db, org.id, { mode: 'economy' });
  // The operator sees the schedule with the cost before launching (CH-3).
  const est = await estimateCampaign(db, org.id, first, 0, undefined, now);
  assert.ok(est.ok);
  assert.equal(est.estimate.costKopecks, 7 * 30);
  assert.deepEqual(
    est.estimate.plan?.map((d) => [d.date, d.count]),
    [
      ['2026-06-15', 3],
      ['2026-06-16', 3],
      ['2026-06-17', 1],
    ],
  );
  const r1 = await launchCampaign(db, org.id, first, 'test', undefined, { now });
  assert.ok(r1.ok);
  assert.deepEqual(
    r1.plan?.map((d) => [d.date, d.count]),
    [
      ['2026-06-15', 3],
      ['2026-06-16', 3],
      ['2026-06-17', 1],
    ],
  );
  const due = (await rows(db, first)).map((m) => iso(m.due_at));
  assert.deepEqual(due.slice(0, 4), [
    '2026-06-15T17:00:00Z',
    '2026-06-15T18:00:00Z',
    '2026-06-15T19:00:00Z',
    '2026-06-16T07:00:00Z',
  ]);
  // A second economy campaign shares the capacity: only 2 places are left on the 17th.
  const second = await campaign(db, org.id, {
    mode: 'economy',
    audience: { kind: 'contacts', contactIds: [] },
  });
  await db.query('UPDATE campaigns SET audience = $2 WHERE id = $1', [
    second,
    JSON.stringify({ kind: 'all' }),
  ]);
  const r2 = await launchCampaign(db, org.id, second, 'test', undefined, { now });
  assert.ok(r2.ok);
  assert.deepEqual(
    r2.plan?.map((d) => [d.date, d.count]),
    [
      ['2026-06-17', 2],
      ['2026-06-18', 3],
      ['2026-06-19', 2],
    ],
  );
  const [m] = await rows(db, second);
  assert.match(m!.due_reason ?? '', /^economy: slot of 2026-06-17/);
});

test('the cascade: messenger first, SMS only if the messenger did not deliver it — never both', async () => {
  const { db } = await openTestDb();
  const org = await setup(db, { windowStart: '00:00', windowEnd: '24:00', messengerWaitSeconds: 90 });
  const both = await contact(db, org.id, { phone: '+79120000301', telegramChatId: '301' });
  const smsOnly = await contact(db, org.id, { phone: '+79120000302' });
  const id = await campaign(db, org.id, { texts: { sms: 'Кратко', messenger: 'Подробно и длинно' } });
  const est = await estimateCampaign(db, org.id, id);
  assert.ok(est.ok);
  assert.deepEqual(est.estimate.cascade, { messages: 1, costKopecks: 0 });
  const clock = { now: new Date('2026-06-15T09:00:00Z') };
  const launched = await launchCampaign(db, org.id, id, 'test', undefined, { now: clock.now });
  assert.ok(launched.ok && launched.queued === 3);
  let r = await rows(db, id);
  const messenger = r.find((m) => m.channel === 'messenger')!;
  const fallback = r.find((m) => m.contact_id === both && m.channel === 'sms')!;
  assert.equal(fallback.cascade_of, messenger.id);
  assert.equal(iso(fallback.due_at), '2026-06-15T09:01:30Z');
  assert.equal(iso(r.find((m) => m.contact_id === smsOnly)!.due_at), '2026-06-15T09:00:00Z');

  const w = worker(db, clock);
  assert.equal(await w.sendDue(), 2, 'the messenger message and the SMS of the recipient without one');
  clock.now = new Date('2026-06-15T09:01:30Z');
  assert.equal(await w.checkDue(), 2, 'the delivery reports of both');
  assert.equal(await w.sendDue(), 1);
  r = await rows(db, id);
  assert.equal(r.find((m) => m.id === fallback.id)!.state, 'excluded');
  const charged = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ledger WHERE kind = 'charge' AND message_id = ANY($1::bigint[])`,
    [r.map((m) => m.id)],
  );
  assert.equal(charged.rows[0]!.n, 2, 'charged for the two messages really sent');
  const why = await explainMessage(db, org.id, fallback.id);
  assert.equal(why?.cascade?.role, 'sms_fallback');
  assert.match(why?.explanation ?? '', /messenger delivered it/);
});

test('the cascade: a messenger that fails lets the SMS go after the wait, and the messenger stops', async () => {
  const { db } = await openTestDb();
  const org = await setup(db, { windowStart: '00:00', windowEnd: '24:00', messengerWaitSeconds: 90 });
  const gw = (await listGateways(db, org.id)).find((g) => g.channel === 'messenger')!;
  await updateGatewaySettings(db, org.id, gw.id, { failRate: 1 });
  await contact(db, org.id, { phone: '+79120000401', telegramChatId: '401' });
  const id = await campaign(db, org.id);
  const clock = { now: new Date('2026-06-15T09:00:00Z') };
  assert.ok((await launchCampaign(db, org.id, id, 'test', undefined, { now: clock.now })).ok);
  const w = worker(db, clock);
  assert.equal(await w.sendDue(), 1); // the messenger's first try fails, a retry is due later
  // At 90 s both the messenger's retry and the SMS are due: one batch, one switch.
  await db.query(
    "UPDATE messages SET due_at = '2026-06-15T09:01:30Z' WHERE campaign_id = $1 AND channel = 'messenger'",
    [id],
  );
  clock.now = new Date('2026-06-15T09:01:30Z');
  await w.sendDue();
  const r = await rows(db, id);
  assert.deepEqual(
    r.map((m) => [m.channel, m.state]),
    [
      ['messenger', 'excluded'],
      ['sms', 'submitted'],
    ],
  );
});

test('the cascade race: a messenger message being sent while the SMS comes due — exactly one is sent', async () => {
  const { db } = await openTestDb();
  const org = await setup(db, { windowStart: '00:00', windowEnd: '24:00', messengerWaitSeconds: 90 });
  await contact(db, org.id, { phone: '+79120000501', telegramChatId: '501' });
  const id = await campaign(db, org.id);
  const t0 = new Date('2026-06-15T09:00:00Z');
  assert.ok((await launchCampaign(db, org.id, id, 'test', undefined, { now: t0 })).ok);
  const [first, sms] = await rows(db, id);
  const clock = { now: new Date('2026-06-15T09:01:30Z') };
  const w = worker(db, clock);
  if (db.kind === 'postgres') {
    // Another worker holds the messenger row in its transaction, mid-send; its acceptance lands
    // while the SMS is being decided.
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => {
      locked = r;
    });
    const other = db.transaction(async (tx) => {
      await tx.query('SELECT id FROM messages WHERE id = $1 FOR UPDATE', [first!.id]);
      locked();
      await held;
      await tx.query("UPDATE messages SET state = 'submitted', provider_message_id = 'm-1' WHERE id = $1", [
        first!.id,
      ]);
    });
    await isLocked;
    // The SMS sees its messenger message being sent: it waits instead of deciding.
    assert.equal(await w.sendDue(), 1);
    let r = await rows(db, id);
    assert.equal(r.find((m) => m.id === sms!.id)!.state, 'queued');
    assert.match(r.find((m) => m.id === sms!.id)!.due_reason ?? '', /being sent/);
    release();
    await other;
    clock.now = new Date('2026-06-15T09:01:36Z');
    await w.sendDue();
    r = await rows(db, id);
    // Accepted, not yet delivered: the SMS waits for the report instead of going.
    assert.deepEqual(
      r.map((m) => m.state),
      ['submitted', 'queued'],
    );
    assert.match(r[1]!.due_reason ?? '', /the SMS goes only if it reports it not delivered/);
  } else {
    // PGlite's claim is a lease: another worker has leased the messenger message until 09:02:30.
    await db.query(
      "UPDATE messages SET lease_owner = 'other', due_at = '2026-06-15T09:02:30Z' WHERE id = $1",
      [first!.id],
    );
    assert.equal(await w.sendDue(), 1);
    assert.equal((await rows(db, id)).find((m) => m.id === sms!.id)!.state, 'queued');
    // Its send is accepted; the SMS, asked again, is not sent.
    await db.query("UPDATE messages SET state = 'submitted', lease_owner = NULL WHERE id = $1", [first!.id]);
    clock.now = new Date('2026-06-15T09:01:36Z');
    await w.sendDue();
    assert.deepEqual(
      (await rows(db, id)).map((m) => m.state),
      ['submitted', 'queued'],
    );
  }
  // The messenger's report: delivered. The SMS, asked again, is called off — one of the two went.
  await db.query("UPDATE messages SET state = 'delivered' WHERE id = $1", [first!.id]);
  clock.now = new Date('2026-06-15T09:02:10Z');
  await w.sendDue();
  assert.deepEqual(
    (await rows(db, id)).map((m) => m.state),
    ['delivered', 'excluded'],
  );
  const charges = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ledger WHERE kind = 'charge' AND message_id = ANY($1::bigint[])`,
    [[first!.id, sms!.id]],
  );
  assert.equal(charges.rows[0]!.n, 0, 'this test accepted the messenger by hand: nothing was charged');
});

test('debt collection: 2 a day per debtor, never at night, in the debtor’s local time', async () => {
  const { db } = await openTestDb();
  const org = await setup(db, { windowStart: '00:00', windowEnd: '24:00' });
  const debtor = await contact(db, org.id, { phone: '+79120000601' });
  const clock = { now: new Date('2026-06-15T09:00:00Z') }; // Monday 12:00 Moscow
  const w = worker(db, clock);
  const ids: number[] = [];
  for (let k = 0; k < 3; k++) {
    const id = await campaign(db, org.id, { collection: true, category: 'service' });
    assert.ok((await launchCampaign(db, org.id, id, 'test', undefined, { now: clock.now })).ok);
    ids.push(id);
  }
  await w.sendDue();
  const states = [];
  for (const id of ids) states.push((await rows(db, id))[0]!);
  assert.deepEqual(
    states.map((m) => m.state),
    ['submitted', 'submitted', 'queued'],
  );
  assert.equal(iso(states[2]!.due_at), '2026-06-16T05:00:00Z'); // Tuesday 08:00 Moscow
  assert.match(states[2]!.due_reason ?? '', /cap: 2 a day/);

  // A collection message launched on Friday at 23:00 Moscow waits for Saturday 09:00 (a day off).
  const night = await campaign(db, org.id, {
    collection: true,
    audience: { kind: 'contacts', contactIds: [debtor] },
  });
  clock.now = new Date('2026-06-19T20:00:00Z');
  assert.ok((await launchCampaign(db, org.id, night, 'test', undefined, { now: clock.now })).ok);
  await w.sendDue();
  const [m] = await rows(db, night);
  assert.equal(iso(m!.due_at), '2026-06-20T06:00:00Z');
});

test('the cascade: the SMS waits for the messenger’s report — «delivered» calls it off, «not delivered» sends it', async () => {
  const { db } = await openTestDb();
  const org = await setup(db, { windowStart: '00:00', windowEnd: '24:00', messengerWaitSeconds: 90 });
  const gw = (await listGateways(db, org.id)).find((g) => g.channel === 'messenger')!;
  const reached = await contact(db, org.id, { phone: '+79120000701', telegramChatId: '701' });
  await contact(db, org.id, { phone: '+79120000702', telegramChatId: '702' });
  const id = await campaign(db, org.id);
  const clock = { now: new Date('2026-06-15T09:00:00Z') };
  assert.ok((await launchCampaign(db, org.id, id, 'test', undefined, { now: clock.now })).ok);
  const w = worker(db, clock);
  assert.equal(await w.sendDue(), 2);
  // No report yet when the SMS come due: they wait, and ask again every 30 s.
  clock.now = new Date('2026-06-15T09:01:30Z');
  assert.equal(await w.sendDue(), 2);
  let r = await rows(db, id);
  assert.deepEqual(
    r.map((m) => m.state),
    ['submitted', 'queued', 'submitted', 'queued'],
  );
  assert.equal(iso(r[1]!.due_at), '2026-06-15T09:02:00Z');
  assert.equal(r[1]!.attempts, 0, 'waiting spends no attempt');
  // The reports arrive: one delivered, one not delivered (no messenger app on that phone).
  const ids = await db.query<{ contact_id: number; provider_message_id: string }>(
    "SELECT contact_id, provider_message_id FROM messages WHERE campaign_id = $1 AND channel = 'messenger'",
    [id],
  );
  const pid = (c: number) => ids.rows.find((x) => x.contact_id === c)!.provider_message_id;
  const other = ids.rows.find((x) => x.contact_id !== reached)!;
  await applyStatusUpdates(
    db,
    gw.id,
    [
      { providerId: pid(reached), state: 'delivered', rawStatus: 'DELIVERED' },
      { providerId: other.provider_message_id, state: 'undelivered', rawStatus: 'NO_APP' },
    ],
    clock.now,
  );
  clock.now = new Date('2026-06-15T09:02:00Z');
  assert.equal(await w.sendDue(), 2);
  r = await rows(db, id);
  assert.deepEqual(
    r.map((m) => [m.channel, m.state]),
    [
      ['messenger', 'delivered'],
      ['sms', 'excluded'],
      ['messenger', 'undelivered'],
      ['sms', 'submitted'],
    ],
  );
  const charges = await db.query<{ message_id: number }>(
    `SELECT message_id FROM ledger WHERE kind = 'charge' AND message_id = ANY($1::bigint[])`,
    [r.map((m) => m.id)],
  );
  // Three messages really went (two by messenger, one SMS): three charges, none twice.
  assert.equal(charges.rows.length, 3);
  assert.equal(new Set(charges.rows.map((c) => c.message_id)).size, 3);
});

test('the organisation’s general cap: at most N messages per recipient and local day, the rest the next morning', async () => {
  const { db } = await openTestDb();
  const org = await setup(db, { dailyCapPerRecipient: 1 });
  const far = await contact(db, org.id, { phone: '+79120000801', timeZone: 'Asia/Novosibirsk' });
  const clock = { now: new Date('2026-06-15T09:00:00Z') }; // 16:00 in Novosibirsk
  const w = worker(db, clock);
  const ids: number[] = [];
  for (let k = 0; k < 2; k++) {
    const id = await campaign(db, org.id, { audience: { kind: 'contacts', contactIds: [far] } });
    assert.ok((await launchCampaign(db, org.id, id, 'test', undefined, { now: clock.now })).ok);
    ids.push(id);
  }
  assert.equal(await w.sendDue(), 2);
  const [first] = await rows(db, ids[0]!);
  const [second] = await rows(db, ids[1]!);
  assert.equal(first!.state, 'submitted');
  assert.equal(second!.state, 'queued');
  assert.equal(iso(second!.due_at), '2026-06-16T03:00:00Z'); // 10:00 in Novosibirsk
  assert.match(second!.due_reason ?? '', /cap: 1 a day reached/);
  // A single message through the API is transactional: neither capped nor held by the window.
  clock.now = new Date('2026-06-15T09:30:00Z');
  assert.equal(await w.sendDue(), 0);
});

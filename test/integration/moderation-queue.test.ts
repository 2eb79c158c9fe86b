/**
 * Moderation in the sending path (issue 18 items 1, 4, 5): a campaign or single message that needs a
 * look waits parked with its cost reserved; approve lets it go (through the dispatcher, the daytime
 * window still applying); reject releases the reservation and says why; staff and an organisation's
 * own moderators see what is theirs. Both databases.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDispatcher } from '../../src/dispatch/dispatcher.ts';
import { GatewayPool } from '../../src/dispatch/gatewayPool.ts';
import { launchCampaign } from '../../src/dispatch/launch.ts';
import { runScheduler } from '../../src/dispatch/scheduler.ts';
import { DEFAULT_WORKER_OPTIONS, DispatchWorker } from '../../src/dispatch/worker.ts';
import { createUser } from '../../src/services/accounts.ts';
import { decide } from '../../src/services/moderation.ts';
import { insertCampaign } from '../../src/store/campaigns.ts';
import { insertContact } from '../../src/store/contacts.ts';
import { listGateways, updateGatewaySettings } from '../../src/store/gateways.ts';
import { getBalance, topUp } from '../../src/store/ledger.ts';
import { setOrgModeration, setStaff, sweepOverdue } from '../../src/store/moderation.ts';
import { createOrg, type ModerationMode, updateDeliverySettings } from '../../src/store/orgs.ts';
import { createTestApi, type TestApi, type TestOrg } from '../helpers/api.ts';
import { openTestDb, waitFor } from '../helpers/db.ts';

type Caller = { key: string | null; headers?: Record<string, string> };

async function orgIn(api: TestApi, name: string, mode: ModerationMode): Promise<TestOrg> {
  const org = await api.addOrg(name);
  await setOrgModeration(api.db, org.id, { mode });
  const sms = (await listGateways(api.db, org.id)).find((g) => g.channel === 'sms')!;
  await updateGatewaySettings(api.db, org.id, sms.id, { deliveryDelayMs: 10 });
  return org;
}

/** A person signed in (a session, not a key): staff is a property of users. */
async function person(
  api: TestApi,
  orgId: number,
  email: string,
  role: 'owner' | 'moderator',
  staff = false,
) {
  const u = await createUser(api.db, { orgId, email, role, password: 'секрет-пароль' });
  assert.ok(u.ok);
  if (staff) await setStaff(api.db, email, true);
  const s = await api.signIn(email, 'секрет-пароль');
  return { key: null, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } } satisfies Caller;
}

async function campaignOf(api: TestApi, org: TestOrg, text: string, recipients = 3): Promise<number> {
  for (let i = 0; i < recipients; i++)
    await api.call(
      'POST',
      '/api/v1/contacts',
      { firstName: `К${i}`, phone: `+7913${org.id}${String(100000 + i)}`.slice(0, 12) },
      { key: org.key },
    );
  const c = await api.call(
    'POST',
    '/api/v1/campaigns',
    { name: text, channel: 'sms', textTemplate: text, audience: { kind: 'all' } },
    { key: org.key },
  );
  assert.equal(c.status, 201, c.text);
  return c.body.id;
}

const launch = async (api: TestApi, org: TestOrg, id: number) => {
  const r = await api.call('POST', `/api/v1/campaigns/${id}/launch`, undefined, { key: org.key });
  assert.equal(r.status, 200, r.text);
  return (await api.call('GET', `/api/v1/campaigns/${id}`, undefined, { key: org.key })).body;
};

const dispatch = (api: TestApi) =>
  startDispatcher(api.db, {
    workers: 1,
    gateways: api.gateways,
    idlePollMs: 20,
    worker: { statusPollSeconds: 0.05 },
  });

test('a manual organisation’s first campaign waits, and goes out through the dispatcher once approved', async () => {
  const api = await createTestApi();
  const org = await orgIn(api, 'Новая', 'manual');
  const staff = await person(api, api.org.id, 'staff@vestnik.test', 'owner', true);
  const id = await campaignOf(api, org, 'Общее собрание в субботу в 12:00');
  const before = await getBalance(api.db, org.id);
  const waiting = await launch(api, org, id);
  assert.equal(waiting.state, 'moderation');
  assert.equal(waiting.moderation.state, 'waiting');
  assert.deepEqual(waiting.counts, { queued: 3 });
  assert.equal(
    (await getBalance(api.db, org.id)).reservedKopecks,
    before.reservedKopecks + waiting.reservedKopecks,
  );
  assert.ok(waiting.reservedKopecks > 0, 'its cost is reserved');

  const d = await dispatch(api);
  try {
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(
      (await api.call('GET', `/api/v1/campaigns/${id}`, undefined, { key: org.key })).body.counts,
      {
        queued: 3,
      },
    );
    const queue = await api.call('GET', '/api/v1/moderation/queue', undefined, staff);
    assert.equal(queue.status, 200, queue.text);
    const item = queue.body.items.find((i: any) => i.kind === 'campaign' && i.id === id);
    assert.ok(item, 'staff see it');
    assert.deepEqual(item.org, { id: org.id, name: 'Новая' });
    assert.equal(item.audienceSize, 3);
    assert.deepEqual(item.matches, [], 'manual: it waits with no stop-word');
    assert.equal(item.texts.texts.sms, 'Общее собрание в субботу в 12:00');
    assert.equal(item.preview.body, 'Общее собрание в субботу в 12:00');
    assert.ok(queue.body.oldestSeconds >= 0);
    assert.equal(queue.body.slaMinutes, 5);

    const ok = await api.call('POST', `/api/v1/moderation/queue/campaigns/${id}/approve`, {}, staff);
    assert.equal(ok.status, 200, ok.text);
    await waitFor(
      async () =>
        (await api.call('GET', `/api/v1/campaigns/${id}`, undefined, { key: org.key })).body.state ===
        'completed',
      15_000,
      'the approved campaign completes',
    );
  } finally {
    await d.stop();
  }
  const done = (await api.call('GET', `/api/v1/campaigns/${id}`, undefined, { key: org.key })).body;
  assert.deepEqual(done.counts, { delivered: 3 });
  assert.equal(done.moderation.state, 'approved');
  assert.match(done.moderation.decidedBy, /^user:\d+$/);
  const audit = await api.db.query<{ action: string; texts: any }>(
    "SELECT action, texts FROM moderation_audit WHERE kind = 'campaign' AND ref_id = $1",
    [id],
  );
  assert.deepEqual(
    audit.rows.map((r) => [r.action, r.texts.texts.sms]),
    [['approve', 'Общее собрание в субботу в 12:00']],
  );
  assert.equal((await api.call('GET', '/api/v1/moderation/queue', undefined, staff)).body.items.length, 0);
});

test('automatic: «Акция! Скидка 20%» waits, «Общее собрание в субботу» goes straight out; a rejection refunds', async () => {
  const api = await createTestApi();
  const org = await orgIn(api, 'СНТ', 'automatic');
  const staff = await person(api, api.org.id, 'staff2@vestnik.test', 'owner', true);
  const before = await getBalance(api.db, org.id);
  const promo = await campaignOf(api, org, 'Акция! Скидка 20%');
  const meeting = await campaignOf(api, org, 'Общее собрание в субботу', 0);
  assert.equal((await launch(api, org, meeting)).state, 'sending');
  const held = await launch(api, org, promo);
  assert.equal(held.state, 'moderation');
  const item = (await api.call('GET', '/api/v1/moderation/queue', undefined, staff)).body.items[0];
  assert.deepEqual(
    item.matches.map((m: any) => [m.word, m.found, m.field, m.start]),
    [
      ['акция', 'Акция', 'sms', 0],
      ['скидка', 'Скидка', 'sms', 7],
    ],
  );
  const reserved = (await getBalance(api.db, org.id)).reservedKopecks;
  const noReason = await api.call(
    'POST',
    `/api/v1/moderation/queue/campaigns/${promo}/reject`,
    { reason: ' ' },
    staff,
  );
  assert.equal(noReason.status, 400);
  assert.equal(noReason.body.error.code, 'reason_required');
  const r = await api.call(
    'POST',
    `/api/v1/moderation/queue/campaigns/${promo}/reject`,
    { reason: 'реклама без согласия получателей' },
    staff,
  );
  assert.equal(r.status, 200, r.text);
  const after = (await api.call('GET', `/api/v1/campaigns/${promo}`, undefined, { key: org.key })).body;
  assert.equal(after.state, 'cancelled');
  assert.equal(after.moderation.state, 'rejected');
  assert.equal(after.moderation.reason, 'реклама без согласия получателей');
  assert.equal(after.reservedKopecks, 0);
  assert.deepEqual(after.counts, { excluded: 3 });
  assert.equal((await getBalance(api.db, org.id)).reservedKopecks, reserved - held.reservedKopecks);
  const lines = await api.db.query<{ kind: string; amount_kopecks: number; reserved_delta_kopecks: number }>(
    'SELECT kind, amount_kopecks, reserved_delta_kopecks FROM ledger WHERE campaign_id = $1 ORDER BY id',
    [promo],
  );
  assert.deepEqual(
    lines.rows.map((l) => [l.kind, Number(l.amount_kopecks), Number(l.reserved_delta_kopecks)]),
    [
      ['reserve', 0, held.reservedKopecks],
      ['release', 0, -held.reservedKopecks],
    ],
  );
  assert.equal((await getBalance(api.db, org.id)).balanceKopecks, before.balanceKopecks, 'nothing charged');
  const again = await api.call('POST', `/api/v1/moderation/queue/campaigns/${promo}/approve`, {}, staff);
  assert.equal(again.status, 404, 'decided once');

  // The initiator may withdraw one that waits: cancelled, released, out of the queue.
  const sale = await campaignOf(api, org, 'Распродажа до воскресенья', 0);
  assert.equal((await launch(api, org, sale)).state, 'moderation');
  const cancelled = await api.call('POST', `/api/v1/campaigns/${sale}/cancel`, undefined, { key: org.key });
  assert.equal(cancelled.status, 200, cancelled.text);
  assert.equal((await getBalance(api.db, org.id)).reservedKopecks, reserved - held.reservedKopecks);
  assert.equal((await api.call('GET', '/api/v1/moderation/queue', undefined, staff)).body.items.length, 0);
});

test('a single send with «казино» waits; approved it is sent, rejected its hold is released', async () => {
  const api = await createTestApi();
  const org = await orgIn(api, 'Клуб', 'automatic');
  const staff = await person(api, api.org.id, 'staff3@vestnik.test', 'owner', true);
  const plain = await api.call(
    'POST',
    '/api/v1/messages',
    { to: '+79120000001', text: 'Собрание в 12' },
    org,
  );
  assert.equal(plain.status, 201, plain.text);
  assert.equal(plain.body.reason, null);
  const held = await api.call(
    'POST',
    '/api/v1/messages',
    { to: '+79120000002', text: 'Новое казино рядом' },
    org,
  );
  assert.equal(held.status, 201, held.text);
  assert.equal(held.body.reason, 'waiting for moderation');
  const other = await api.call(
    'POST',
    '/api/v1/messages',
    { to: '+79120000003', text: 'Лучшее казино' },
    org,
  );
  const balance = await getBalance(api.db, org.id);
  const d = await dispatch(api);
  try {
    const get = async (id: number) => (await api.call('GET', `/api/v1/messages/${id}`, undefined, org)).body;
    await waitFor(async () => (await get(plain.body.id)).state === 'delivered', 10_000, 'the plain one goes');
    assert.equal((await get(held.body.id)).state, 'queued', 'the held one waits');
    const queue = (await api.call('GET', '/api/v1/moderation/queue', undefined, staff)).body;
    assert.deepEqual(
      queue.items.map((i: any) => [i.kind, i.id, i.matches[0].word]),
      [
        ['message', held.body.id, 'казино'],
        ['message', other.body.id, 'казино'],
      ],
    );
    assert.equal(
      (await api.call('POST', `/api/v1/moderation/queue/messages/${held.body.id}/approve`, {}, staff)).status,
      200,
    );
    const rej = await api.call(
      'POST',
      `/api/v1/moderation/queue/messages/${other.body.id}/reject`,
      { reason: 'азартные игры' },
      staff,
    );
    assert.equal(rej.status, 200, rej.text);
    await waitFor(
      async () => (await get(held.body.id)).state === 'delivered',
      10_000,
      'the approved one goes',
    );
    const rejected = await get(other.body.id);
    assert.equal(rejected.state, 'rejected');
    assert.equal(rejected.reason, 'rejected by moderation: азартные игры');
  } finally {
    await d.stop();
  }
  const now = await getBalance(api.db, org.id);
  assert.equal(now.reservedKopecks, 0, 'the rejected hold released, the sent ones charged');
  assert.equal(now.balanceKopecks, balance.balanceKopecks - 2 * held.body.priceKopecks);
});

test('roles: an admin cannot change its own mode, staff can; staff see all, a moderator its own', async () => {
  const api = await createTestApi();
  const a = await orgIn(api, 'А', 'manual');
  const b = await orgIn(api, 'Б', 'manual');
  const staff = await person(api, api.org.id, 'staff4@vestnik.test', 'owner', true);
  const modA = await person(api, a.id, 'mod@a.test', 'moderator');
  const ownerA = await person(api, a.id, 'owner@a.test', 'owner');

  for (const caller of [a, ownerA]) {
    const own = await api.call('PUT', '/api/v1/moderation/mode', { orgId: a.id, mode: 'none' }, caller);
    assert.equal(own.status, 403);
    assert.equal(own.body.error.code, 'staff_only');
  }
  const set = await api.call('PUT', '/api/v1/moderation/mode', { orgId: a.id, mode: 'automatic' }, staff);
  assert.deepEqual(set.body, { orgId: a.id, mode: 'automatic', selfModeration: false });
  await api.call('PUT', '/api/v1/moderation/mode', { orgId: a.id, mode: 'manual' }, staff);
  assert.equal((await api.call('GET', '/api/v1/moderation/mode', undefined, a)).body.mode, 'manual');

  const ca = await campaignOf(api, a, 'Вода будет отключена', 1);
  const cb = await campaignOf(api, b, 'Свет будет отключён', 1);
  assert.equal((await launch(api, a, ca)).state, 'moderation');
  assert.equal((await launch(api, b, cb)).state, 'moderation');

  const all = (await api.call('GET', '/api/v1/moderation/queue', undefined, staff)).body;
  assert.deepEqual(all.items.map((i: any) => i.org.id).sort(), [a.id, b.id].sort());
  const refused = await api.call('GET', '/api/v1/moderation/queue', undefined, modA);
  assert.equal(refused.status, 403, 'the organisation is moderated by staff');
  assert.equal(refused.body.error.code, 'not_moderator');

  await api.call('PUT', '/api/v1/moderation/mode', { orgId: a.id, selfModeration: true }, staff);
  const own = (await api.call('GET', '/api/v1/moderation/queue', undefined, modA)).body;
  assert.deepEqual(
    own.items.map((i: any) => [i.org.id, i.id]),
    [[a.id, ca]],
  );
  const foreign = await api.call('POST', `/api/v1/moderation/queue/campaigns/${cb}/approve`, {}, modA);
  assert.equal(foreign.status, 404, 'another organisation’s item is not theirs');
  assert.equal(
    (await api.call('POST', `/api/v1/moderation/queue/campaigns/${ca}/approve`, {}, modA)).status,
    200,
  );
  // A key is never staff, whatever its role.
  assert.equal((await api.call('GET', '/api/v1/moderation/queue', undefined, b)).status, 403);
});

test('approved at 23:40 local time a message still waits for the morning; the SLA marks it overdue once', async () => {
  const { db } = await openTestDb();
  const org = await createOrg(db, 'Ночь', 'Europe/Moscow', 'manual');
  await updateDeliverySettings(db, org.id, { windowStart: '10:00', windowEnd: '23:00' });
  await db.transaction((tx) => topUp(tx, org.id, 1000_00, 'test', 'test'));
  for (const g of await listGateways(db, org.id))
    await updateGatewaySettings(db, org.id, g.id, { deliveryDelayMs: 0 });
  await insertContact(db, org.id, { firstName: 'Иван', phone: '+79120000004' });
  const made = await insertCampaign(
    db,
    org.id,
    { name: 'н', channel: 'sms', textTemplate: 'Отключение воды', audience: { kind: 'all' } },
    'test',
  );
  // Launched at 19:00 Moscow, a year ahead of the real clock so the rows' times are in its past.
  const launched = await launchCampaign(db, org.id, made.id, 'test', undefined, {
    now: new Date('2027-06-15T16:00:00Z'),
  });
  assert.ok(launched.ok && launched.moderation);
  const clock = { now: new Date('2027-06-15T16:10:00Z') };
  assert.equal(await sweepOverdue(db, new Date(), 5), 0, 'within the SLA (counted from the queueing)');
  assert.equal(await sweepOverdue(db, new Date(Date.now() + 6 * 60_000), 5), 1);
  assert.equal(await sweepOverdue(db, new Date(Date.now() + 7 * 60_000), 5), 0, 'told once');
  const c = await db.query<{ moderation: any }>('SELECT moderation FROM campaigns WHERE id = $1', [made.id]);
  assert.equal(c.rows[0]!.moderation.overdue, true);

  const w = new DispatchWorker(db, new GatewayPool(db, 'http://127.0.0.1:1'), {
    ...DEFAULT_WORKER_OPTIONS,
    id: 'clockwork',
    clock: () => clock.now,
  });
  assert.equal(await w.sendDue(), 0, 'parked while waiting');
  clock.now = new Date('2027-06-15T20:40:00Z'); // 23:40 in Moscow
  assert.equal(await decide(db, 'campaign', made.id, { action: 'approve' }, 'staff', null, clock.now), 'ok');
  await w.sendDue();
  const row = async () =>
    (
      await db.query<{ state: string; due_at: Date }>(
        'SELECT state, due_at FROM messages WHERE campaign_id = $1',
        [made.id],
      )
    ).rows[0]!;
  assert.equal((await row()).state, 'queued', 'the window holds it at night');
  assert.equal((await row()).due_at.toISOString(), '2027-06-16T07:00:00.000Z');
  clock.now = new Date('2027-06-16T07:00:00Z');
  assert.equal(await w.sendDue(), 1);
  assert.equal((await row()).state, 'submitted');
});

test('a recurring campaign approved once keeps its approval until its text changes', async () => {
  const { db } = await openTestDb();
  const org = await createOrg(db, 'Вывоз', 'Europe/Moscow', 'manual');
  await db.transaction((tx) => topUp(tx, org.id, 1000_00, 'test', 'test'));
  await insertContact(db, org.id, { firstName: 'Иван', phone: '+79120000005' });
  const parent = await insertCampaign(
    db,
    org.id,
    {
      name: 'Мусор',
      channel: 'sms',
      textTemplate: 'Вывоз мусора завтра',
      audience: { kind: 'all' },
      recurrence: { every: 'day', at: '09:30' },
    },
    'test',
  );
  const armed = await launchCampaign(db, org.id, parent.id, 'test', undefined, {
    now: new Date('2026-06-15T05:00:00Z'),
  });
  assert.ok(armed.ok && armed.scheduledFor);
  const state = async (id: number) =>
    (await db.query<{ state: string }>('SELECT state FROM campaigns WHERE id = $1', [id])).rows[0]!.state;
  const [first] = await runScheduler(db, new Date('2026-06-15T06:30:00Z'));
  assert.equal(await state(first!), 'moderation', 'the first run waits');
  assert.equal(await decide(db, 'campaign', first!, { action: 'approve' }, 'staff', null), 'ok');
  assert.equal(await state(first!), 'sending');
  const [second] = await runScheduler(db, new Date('2026-06-16T06:30:00Z'));
  assert.equal(await state(second!), 'sending', 'the same text goes straight out');
  // The parent's text changes (back to draft, edited, armed again — here in one statement).
  await db.query(`UPDATE campaigns SET texts = '{"sms": "Вывоз мусора послезавтра"}' WHERE id = $1`, [
    parent.id,
  ]);
  const [third] = await runScheduler(db, new Date('2026-06-17T06:30:00Z'));
  assert.equal(await state(third!), 'moderation', 'a changed text needs a new approval');
});

/**
 * Money (BL-1 … BL-4): launches and single sends racing for one balance never overdraw it; every
 * accepted message is charged exactly once; what is not spent is released; the ledger always sums
 * to the balance; the estimate is what the launch reserves; the period report adds up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDispatcher } from '../../src/dispatch/dispatcher.ts';
import type { Db } from '../../src/store/db.ts';
import { listGateways, updateGatewaySettings } from '../../src/store/gateways.ts';
import { getBalance } from '../../src/store/ledger.ts';
import { createTestApi, type TestApi } from '../helpers/api.ts';
import { waitFor } from '../helpers/db.ts';

async function ledgerAgrees(db: Db, orgId: number) {
  const { rows } = await db.query<{ a: number; r: number }>(
    'SELECT coalesce(sum(amount_kopecks), 0)::bigint AS a, coalesce(sum(reserved_delta_kopecks), 0)::bigint AS r FROM ledger WHERE org_id = $1',
    [orgId],
  );
  const b = await getBalance(db, orgId);
  assert.deepEqual(
    { balance: b.balanceKopecks, reserved: b.reservedKopecks },
    { balance: rows[0]!.a, reserved: rows[0]!.r },
    'the ledger sums to the balance',
  );
  assert.ok(b.availableKopecks >= 0 && b.balanceKopecks >= 0);
  return b;
}

async function smsGateway(api: TestApi, settings: Record<string, unknown>) {
  const g = (await listGateways(api.db, api.org.id)).find((x) => x.channel === 'sms')!;
  await updateGatewaySettings(api.db, api.org.id, g.id, settings);
  return g;
}

async function contacts(api: TestApi, n: number, key?: string): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await api.call(
      'POST',
      '/api/v1/contacts',
      {
        firstName: `Клиент${i}`,
        phone: `+7912${String(1000000 + ids.length + Math.floor(Math.random() * 8000000)).slice(0, 7)}`,
      },
      { key },
    );
    assert.equal(r.status, 201, r.text);
    ids.push(r.body.id);
  }
  return ids;
}

async function drain(api: TestApi, campaignIds: number[]) {
  const d = await startDispatcher(api.db, {
    workers: 2,
    gateways: api.gateways,
    idlePollMs: 30,
    worker: { statusPollSeconds: 0.05 },
  });
  try {
    for (const id of campaignIds) {
      await waitFor(
        async () => (await api.call('GET', `/api/v1/campaigns/${id}`)).body.state !== 'sending',
        30_000,
        `campaign ${id}`,
      );
    }
  } finally {
    await d.stop();
  }
}

test('100 campaigns launched at once against a balance for 37: exactly 37 start, none overdraws', async () => {
  const api = await createTestApi();
  const org = await api.addOrg('Конкуренты', 37 * 300 + 150);
  const ids = await contacts(api, 10, org.key);
  const campaigns: number[] = [];
  for (let i = 0; i < 100; i++) {
    // Latin text of one segment: 10 recipients × 30 kopecks = 3 roubles a campaign.
    const c = await api.call(
      'POST',
      '/api/v1/campaigns',
      {
        name: `c${i}`,
        channel: 'sms',
        textTemplate: 'Meeting at 11:00',
        audience: { kind: 'contacts', contactIds: ids },
      },
      { key: org.key },
    );
    campaigns.push(c.body.id);
  }
  const started = Date.now();
  const results = await Promise.all(
    campaigns.map((id) => api.call('POST', `/api/v1/campaigns/${id}/launch`, undefined, { key: org.key })),
  );
  const ok = results.filter((r) => r.status === 200);
  const refused = results.filter((r) => r.status === 402);
  assert.equal(
    ok.length,
    37,
    results
      .filter((r) => r.status !== 200 && r.status !== 402)
      .map((r) => r.text)
      .join('\n'),
  );
  assert.equal(refused.length, 63);
  assert.equal(refused[0]!.body.error.code, 'insufficient_balance');
  assert.match(
    refused[0]!.body.error.message,
    /the campaign costs 3,00\u00a0₽ but the available balance is [0-9,]+\u00a0₽/,
  );
  assert.equal(refused.at(-1)!.body.error.details.costKopecks, 300);
  const b = await ledgerAgrees(api.db, org.id);
  assert.deepEqual(b, { balanceKopecks: 37 * 300 + 150, reservedKopecks: 37 * 300, availableKopecks: 150 });
  const written = await api.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM messages WHERE org_id = $1',
    [org.id],
  );
  assert.equal(written.rows[0]!.n, 370, 'a refused launch writes no messages');
  const drafts = await api.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM campaigns WHERE org_id = $1 AND state = 'draft'",
    [org.id],
  );
  assert.equal(drafts.rows[0]!.n, 63, 'a refused campaign stays a draft');
  console.log(
    `# 100 concurrent launches on ${api.db.kind}: 37 started, 63 refused, in ${Date.now() - started} ms; balance ${JSON.stringify(b)}`,
  );

  const g = (await listGateways(api.db, org.id)).find((x) => x.channel === 'sms')!;
  await updateGatewaySettings(api.db, org.id, g.id, { deliveryDelayMs: 10 });
  await drain(
    api,
    ok.map((_, i) => campaigns[results.indexOf(ok[i]!)]!),
  );
  const after = await ledgerAgrees(api.db, org.id);
  assert.deepEqual(after, { balanceKopecks: 150, reservedKopecks: 0, availableKopecks: 150 });
  const charges = await api.db.query<{ n: number; d: number }>(
    "SELECT count(*)::int AS n, count(DISTINCT message_id)::int AS d FROM ledger WHERE org_id = $1 AND kind = 'charge'",
    [org.id],
  );
  assert.deepEqual(charges.rows[0], { n: 370, d: 370 }, 'one charge per message');
});

test('single sends racing for a balance for 50: exactly 50 are accepted', async () => {
  const api = await createTestApi();
  const org = await api.addOrg('Одиночки', 50 * 30);
  const results = await Promise.all(
    Array.from({ length: 120 }, (_, i) =>
      api.call(
        'POST',
        '/api/v1/messages',
        { to: `+7912${String(3000000 + i)}`, text: 'Код: 1234' },
        { key: org.key },
      ),
    ),
  );
  assert.equal(results.filter((r) => r.status === 201).length, 50);
  const refused = results.filter((r) => r.status === 402);
  assert.equal(refused.length, 70);
  assert.match(
    refused[0]!.body.error.message,
    /the message costs 0,30\u00a0₽ but the available balance is 0,00\u00a0₽/,
  );
  assert.deepEqual(await ledgerAgrees(api.db, org.id), {
    balanceKopecks: 1500,
    reservedKopecks: 1500,
    availableKopecks: 0,
  });
  const n = await api.db.query<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE org_id = $1', [
    org.id,
  ]);
  assert.equal(n.rows[0]!.n, 50);
});

test('the estimate is what the launch reserves, per recipient after substitution', async () => {
  const api = await createTestApi();
  await api.call('POST', '/api/v1/contacts', { firstName: 'Ян', phone: '+79120000001' });
  await api.call('POST', '/api/v1/contacts', {
    firstName: 'Константин',
    middleName: 'Константинович',
    phone: '+79120000002',
  });
  await api.call('POST', '/api/v1/contacts', { firstName: 'Алия', phone: '+77010000003' }); // Kazakhstan
  await api.call('POST', '/api/v1/contacts', { firstName: 'Без номера' });
  assert.equal(
    (await api.call('PUT', '/api/v1/tariffs', { channel: 'sms', country: 'KZ', priceKopecks: 95 })).status,
    200,
  );
  // 53 characters plus the name: one UCS-2 segment for Ян (55), two for Константин Константинович (78).
  const text = 'Уважаемый {{ contact.name }}, ваши документы готовы к выдаче! Ждём вас.';
  const c = await api.call('POST', '/api/v1/campaigns', {
    name: 'Документы',
    channel: 'sms',
    textTemplate: text,
    audience: { kind: 'all' },
  });
  const e = await api.call('GET', `/api/v1/campaigns/${c.body.id}/estimate`);
  assert.equal(e.status, 200, e.text);
  assert.deepEqual(
    e.body.recipients.map((r: any) => [r.address, r.encoding, r.segments, r.priceKopecks, r.state]),
    [
      ['+79120000001', 'UCS-2', 1, 30, 'queued'],
      ['+79120000002', 'UCS-2', 2, 60, 'queued'],
      ['+77010000003', 'UCS-2', 1, 95, 'queued'],
      ['', null, 0, 0, 'excluded'],
    ],
  );
  assert.deepEqual(e.body.segments, { total: 4, min: 1, max: 2, average: 1.33 });
  assert.equal(e.body.costKopecks, 185);
  assert.equal(e.body.cost, '1,85\u00a0₽');
  assert.deepEqual(e.body.excludedByReason, { no_address: 1 });
  const launch = await api.call('POST', `/api/v1/campaigns/${c.body.id}/launch`);
  assert.equal(launch.body.costKopecks, 185);
  const msgs = await api.call('GET', `/api/v1/campaigns/${c.body.id}/messages`);
  assert.deepEqual(
    msgs.body.items.map((m: any) => [m.segments, m.priceKopecks]),
    [
      [1, 30],
      [2, 60],
      [1, 95],
      [0, 0],
    ],
  );
  assert.equal((await ledgerAgrees(api.db, api.org.id)).reservedKopecks, 185);
});

test('transliteration turns two UCS-2 segments into one GSM-7 segment, and the estimate shows it', async () => {
  const api = await createTestApi();
  await api.call('POST', '/api/v1/contacts', { firstName: 'Иван', phone: '+79120000001' });
  const text = 'Общее собрание членов СНТ «Берёзка» состоится 12 июня в 11:00 у правления.';
  const plain = await api.call('POST', '/api/v1/campaigns', {
    name: 'a',
    channel: 'sms',
    textTemplate: text,
    audience: { kind: 'all' },
  });
  const translit = await api.call('POST', '/api/v1/campaigns', {
    name: 'b',
    channel: 'sms',
    textTemplate: text,
    audience: { kind: 'all' },
    transliterate: true,
  });
  const a = (await api.call('GET', `/api/v1/campaigns/${plain.body.id}/estimate`)).body;
  const b = (await api.call('GET', `/api/v1/campaigns/${translit.body.id}/estimate`)).body;
  assert.deepEqual([a.recipients[0].encoding, a.recipients[0].segments, a.costKopecks], ['UCS-2', 2, 60]);
  assert.deepEqual([b.recipients[0].encoding, b.recipients[0].segments, b.costKopecks], ['GSM-7', 1, 30]);
  assert.match(b.recipients[0].text, /^Obshchee sobraniye chlenov SNT "Beryozka"/);
});

test('a gateway that reports its own cost is charged that, and the rest of the reservation is released', async () => {
  const api = await createTestApi();
  const start = (await getBalance(api.db, api.org.id)).balanceKopecks;
  await smsGateway(api, { deliveryDelayMs: 10, costKopecks: 25 });
  await contacts(api, 5);
  const c = await api.call('POST', '/api/v1/campaigns', {
    name: 'x',
    channel: 'sms',
    textTemplate: 'Hello',
    audience: { kind: 'all' },
  });
  assert.equal((await api.call('POST', `/api/v1/campaigns/${c.body.id}/launch`)).body.costKopecks, 150);
  await drain(api, [c.body.id]);
  assert.deepEqual(await ledgerAgrees(api.db, api.org.id), {
    balanceKopecks: start - 125,
    reservedKopecks: 0,
    availableKopecks: start - 125,
  });
  const msgs = (await api.call('GET', `/api/v1/campaigns/${c.body.id}/messages`)).body.items;
  assert.deepEqual(
    msgs.map((m: any) => [m.priceKopecks, m.costKopecks]),
    Array(5).fill([30, 25]),
  );
  assert.equal((await api.call('GET', `/api/v1/campaigns/${c.body.id}`)).body.reservedKopecks, 0);
});

test('a cost beyond the reservation and the balance is charged only as far as the money goes', async () => {
  const api = await createTestApi();
  const org = await api.addOrg('Дорогой шлюз', 100);
  const g = (await listGateways(api.db, org.id)).find((x) => x.channel === 'sms')!;
  await updateGatewaySettings(api.db, org.id, g.id, { deliveryDelayMs: 10, costKopecks: 1000 });
  await contacts(api, 2, org.key);
  const c = await api.call(
    'POST',
    '/api/v1/campaigns',
    { name: 'x', channel: 'sms', textTemplate: 'Hi', audience: { kind: 'all' } },
    { key: org.key },
  );
  assert.equal(
    (await api.call('POST', `/api/v1/campaigns/${c.body.id}/launch`, undefined, { key: org.key })).status,
    200,
  );
  await drain(api, [c.body.id]);
  assert.deepEqual(await ledgerAgrees(api.db, org.id), {
    balanceKopecks: 0,
    reservedKopecks: 0,
    availableKopecks: 0,
  });
  const charges = (await api.call('GET', '/api/v1/ledger?kind=charge', undefined, { key: org.key })).body
    .items;
  assert.equal(
    charges.reduce((s: number, e: any) => s - e.amountKopecks, 0),
    100,
  );
  assert.ok(charges.some((e: any) => /shortfall \d+ kopecks/.test(e.comment)));
});

test('nothing is charged for what the gateway rejected, and a cancelled campaign releases its money', async () => {
  const api = await createTestApi();
  const start = (await getBalance(api.db, api.org.id)).balanceKopecks;
  await smsGateway(api, { rejectRate: 1 });
  await contacts(api, 4);
  const rejected = await api.call('POST', '/api/v1/campaigns', {
    name: 'r',
    channel: 'sms',
    textTemplate: 'Hi',
    audience: { kind: 'all' },
  });
  await api.call('POST', `/api/v1/campaigns/${rejected.body.id}/launch`);
  await drain(api, [rejected.body.id]);
  assert.deepEqual((await api.call('GET', `/api/v1/campaigns/${rejected.body.id}`)).body.counts, {
    rejected: 4,
  });
  assert.deepEqual(await ledgerAgrees(api.db, api.org.id), {
    balanceKopecks: start,
    reservedKopecks: 0,
    availableKopecks: start,
  });

  const cancelled = await api.call('POST', '/api/v1/campaigns', {
    name: 'c',
    channel: 'sms',
    textTemplate: 'Hi',
    audience: { kind: 'all' },
  });
  await api.call('POST', `/api/v1/campaigns/${cancelled.body.id}/launch`);
  assert.equal((await getBalance(api.db, api.org.id)).reservedKopecks, 120);
  assert.equal((await api.call('POST', `/api/v1/campaigns/${cancelled.body.id}/cancel`)).status, 200);
  assert.deepEqual(await ledgerAgrees(api.db, api.org.id), {
    balanceKopecks: start,
    reservedKopecks: 0,
    availableKopecks: start,
  });
  const releases = (await api.call('GET', '/api/v1/ledger?kind=release')).body.items;
  assert.deepEqual(
    releases.map((e: any) => [e.campaignId, e.reservedDeltaKopecks]),
    [
      [cancelled.body.id, -120],
      [rejected.body.id, -120],
    ],
  );
});

test('a single message the gateway rejects releases its own reservation', async () => {
  const api = await createTestApi();
  const start = (await getBalance(api.db, api.org.id)).balanceKopecks;
  await smsGateway(api, { rejectRate: 1 });
  const r = await api.call('POST', '/api/v1/messages', { to: '+79120000009', text: 'x' });
  assert.equal(r.status, 201);
  const d = await startDispatcher(api.db, { workers: 1, gateways: api.gateways, idlePollMs: 20 });
  try {
    await waitFor(
      async () => (await api.call('GET', `/api/v1/messages/${r.body.id}`)).body.state === 'rejected',
      10_000,
      'rejection',
    );
  } finally {
    await d.stop();
  }
  assert.deepEqual(await ledgerAgrees(api.db, api.org.id), {
    balanceKopecks: start,
    reservedKopecks: 0,
    availableKopecks: start,
  });
});

test('sender names: refused with the reason, launched only when approved, passed on every message', async () => {
  const api = await createTestApi();
  const g = (await listGateways(api.db, api.org.id)).find((x) => x.channel === 'sms')!;
  const bad = [
    ['ERP.travel.ru.x', /has 15 characters; an SMS sender has at most 11/],
    ['Вестник', /has `В`; use Latin letters, digits and \. - _ only/],
    ['12.34', /needs at least one Latin letter/],
    ['+7 912 34', /looks like a phone number but is not a valid one/],
  ] as const;
  for (const [name, message] of bad) {
    const r = await api.call('POST', '/api/v1/senders', { gatewayId: g.id, name });
    assert.equal(r.status, 400, name);
    assert.match(r.body.error.message, message);
  }
  const phone = await api.call('POST', '/api/v1/senders', { gatewayId: g.id, name: '8 (912) 345-67-89' });
  assert.equal(phone.body.name, '+79123456789');
  const s = await api.call('POST', '/api/v1/senders', { gatewayId: g.id, name: 'ERP.travel' });
  assert.equal(s.status, 201);
  assert.equal(s.body.state, 'requested');
  assert.equal(
    (await api.call('POST', '/api/v1/senders', { gatewayId: g.id, name: 'ERP.travel' })).status,
    409,
  );
  const email = (await listGateways(api.db, api.org.id)).find((x) => x.channel === 'email')!;
  const display = await api.call('POST', '/api/v1/senders', {
    gatewayId: email.id,
    name: 'ТСЖ <Дом> "Уют"\u202e: @оплата',
  });
  assert.equal(display.body.name, 'ТСЖ Дом Уют оплата');

  await contacts(api, 2);
  const c = await api.call('POST', '/api/v1/campaigns', {
    name: 'x',
    channel: 'sms',
    textTemplate: 'Hi',
    audience: { kind: 'all' },
    sender: 'ERP.travel',
  });
  const early = await api.call('POST', `/api/v1/campaigns/${c.body.id}/launch`);
  assert.equal(early.status, 409);
  assert.equal(early.body.error.code, 'sender_not_approved');
  assert.match(early.body.error.message, /sender name ERP\.travel is requested with gateway sandbox-sms/);
  assert.equal(
    (await api.call('PATCH', `/api/v1/senders/${s.body.id}`, { state: 'approved' })).body.state,
    'approved',
  );
  assert.equal((await api.call('POST', `/api/v1/campaigns/${c.body.id}/launch`)).status, 200);
  const msgs = (await api.call('GET', `/api/v1/campaigns/${c.body.id}/messages`)).body.items;
  assert.deepEqual(
    msgs.map((m: any) => m.sender),
    ['ERP.travel', 'ERP.travel'],
  );
});

test('the period report is seed 001’s table, as JSON and as CSV', async () => {
  const api = await createTestApi();
  const org = await api.addOrg('Турагентство', 0);
  assert.equal(
    (
      await api.call(
        'POST',
        '/api/v1/balance/topups',
        { amountKopecks: 50000, comment: 'счёт 1' },
        { key: org.key },
      )
    ).status,
    200,
  );
  const g = (await listGateways(api.db, org.id)).find((x) => x.channel === 'sms')!;
  await updateGatewaySettings(api.db, org.id, g.id, { deliveryDelayMs: 10 });
  const sent = await api.call(
    'POST',
    '/api/v1/messages',
    { to: '+79120000001', text: 'Документы готовы' },
    { key: org.key },
  );
  const d = await startDispatcher(api.db, { workers: 1, gateways: api.gateways, idlePollMs: 20 });
  try {
    await waitFor(
      async () =>
        (await api.call('GET', `/api/v1/messages/${sent.body.id}`, undefined, { key: org.key })).body
          .costKopecks === 30,
      10_000,
      'charge',
    );
  } finally {
    await d.stop();
  }
  const today = new Date().toISOString().slice(0, 10);
  const r = await api.call('GET', `/api/v1/balance/report?from=${today}&to=${today}`, undefined, {
    key: org.key,
  });
  assert.deepEqual(
    [
      r.body.openingKopecks,
      r.body.boughtKopecks,
      r.body.spentKopecks,
      r.body.closingKopecks,
      r.body.messagesSent,
    ],
    [0, 50000, 30, 49970, 1],
  );
  const csv = await api.call(
    'GET',
    `/api/v1/balance/report?from=${today}&to=${today}&format=csv`,
    undefined,
    { key: org.key },
  );
  assert.match(String(csv.headers['content-type']), /^text\/csv/);
  assert.equal(csv.text.split('\r\n')[1], '0,00;500,00;0,30;499,70;1');
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const next = await api.call('GET', `/api/v1/balance/report?from=${tomorrow}&to=${tomorrow}`, undefined, {
    key: org.key,
  });
  assert.deepEqual(
    [next.body.openingKopecks, next.body.spentKopecks, next.body.closingKopecks],
    [49970, 0, 49970],
  );
  const viewer = await api.call('POST', '/api/v1/keys', { name: 'v', role: 'operator' }, { key: org.key });
  const topup = await api.call(
    'POST',
    '/api/v1/balance/topups',
    { amountKopecks: 100 },
    { key: viewer.body.secret },
  );
  assert.equal(topup.status, 403, 'an operator cannot top up');
});

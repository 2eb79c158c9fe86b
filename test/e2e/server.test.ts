/**
 * End to end, as a user runs it: `vestnik serve` on a free port and the embedded database (or a
 * PostgreSQL schema), first start with the demo association, a key from `vestnik key create`,
 * contacts and a campaign through the HTTP API, the sandbox gateway, and the campaign's completion.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TEST_ENGINE } from '../helpers/db.ts';
import { runVestnik, startServer, vestnikEnv } from '../helpers/process.ts';

const TEMPLATE =
  'Уважаемый {{ contact.name }}. Общая сумма начислений за ваши участки {{ total }} руб., ' +
  'просроченная задолженность: {{ debt }} руб.';

test('a fresh server sends a campaign to the demo association and its new contacts until it completes', async (t) => {
  const env = await vestnikEnv({
    VESTNIK_ADMIN_EMAIL: 'owner@snt.example',
    VESTNIK_ADMIN_PASSWORD: 'пароль-владельца-1',
    VESTNIK_WORKERS: '2',
  });
  const server = await startServer(env);
  const out = server.output();
  assert.match(
    out,
    /Created organisation «СНТ «Берёзка» \(демо\)» \(id 1\) and its owner owner@snt\.example/,
  );
  assert.match(out, /Demo data: \d+ owners of 300 plots/);
  assert.match(out, /Documentation: http:\/\/127\.0\.0\.1:\d+\/api\/docs/);
  assert.doesNotMatch(out, /password \(shown once/, 'a given password is never printed');

  const health = await fetch(`${server.url}/healthz`).then((r) => r.json());
  assert.deepEqual(health, { status: 'ok', database: TEST_ENGINE, version: '0.1.0' });

  // With the embedded database the command goes through the running server; with PostgreSQL, direct.
  const created = await runVestnik(['key', 'create', '--name', 'e2e', '--json'], env);
  assert.equal(created.code, 0, created.stderr);
  const key = JSON.parse(created.stdout).key as string;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  const added = [
    { lastName: 'Новый', firstName: 'Пётр', middleName: 'Ильич', phone: '8 (912) 345-67-89' },
    { lastName: 'Безтелефонова', firstName: 'Анна', email: 'anna@example.ru' },
  ];
  for (const c of added) assert.equal((await api('POST', '/api/v1/contacts', c)).status, 201);
  const bad = await api('POST', '/api/v1/contacts', { firstName: 'Ошибка', phone: '8 (912) 34' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.details[0].field, 'phone');

  let total = 0;
  let withPhone = 0;
  for (let after = 0; ; ) {
    const page = await api('GET', `/api/v1/contacts?after=${after}&limit=1000`);
    total += page.body.items.length;
    withPhone += page.body.items.filter((c: { phone: string | null }) => c.phone).length;
    if (!page.body.nextCursor) break;
    after = page.body.nextCursor;
  }
  assert.equal(withPhone, total - 1);

  const campaign = await api('POST', '/api/v1/campaigns', {
    name: 'Квитанции за сезон',
    channel: 'sms',
    textTemplate: TEMPLATE,
    audience: { kind: 'all' },
  });
  assert.equal(campaign.status, 201);
  const estimate = await api('GET', `/api/v1/campaigns/${campaign.body.id}/estimate?detail=3`);
  assert.equal(estimate.status, 200);
  assert.equal(estimate.body.messages, withPhone);
  assert.deepEqual(estimate.body.excludedByReason, { no_address: 1 });
  assert.equal(
    estimate.body.balance.availableKopecks,
    1000_00,
    'the demo association starts with 1 000 roubles',
  );
  assert.equal(
    estimate.body.costKopecks,
    estimate.body.segments.total * 30,
    '0.30 roubles per segment by default',
  );
  assert.ok(estimate.body.fits);
  const launch = await api('POST', `/api/v1/campaigns/${campaign.body.id}/launch`);
  assert.deepEqual(launch.body, {
    queued: withPhone,
    excluded: 1,
    costKopecks: estimate.body.costKopecks,
    completed: false,
  });

  const started = Date.now();
  let report: any;
  for (;;) {
    report = (await api('GET', `/api/v1/campaigns/${campaign.body.id}`)).body;
    if (report.state === 'completed') break;
    assert.ok(Date.now() - started < 60_000, `not completed in 60 s: ${JSON.stringify(report.counts)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.deepEqual(report.counts, { delivered: withPhone, excluded: 1 });

  const states: Record<string, number> = {};
  let petr: any;
  for (let after = 0; ; ) {
    const page = await api('GET', `/api/v1/campaigns/${campaign.body.id}/messages?after=${after}&limit=1000`);
    for (const m of page.body.items) {
      states[m.state] = (states[m.state] ?? 0) + 1;
      if (m.state === 'delivered') {
        assert.match(m.providerMessageId, /^sbx-/);
        assert.equal(m.rawStatus, 'DELIVERED');
        assert.match(
          m.body,
          /^Уважаемый \S+ \S+\. Общая сумма начислений за ваши участки \d+\.\d\d руб\., просроченная задолженность: \d+\.\d\d руб\.$/,
        );
      }
      if (m.address === '+79123456789') petr = m;
    }
    if (!page.body.nextCursor) break;
    after = page.body.nextCursor;
  }
  assert.deepEqual(states, report.counts, 'the counters agree with the rows');
  assert.equal(
    petr.body,
    'Уважаемый Пётр Ильич. Общая сумма начислений за ваши участки 0.00 руб., просроченная задолженность: 0.00 руб.',
  );

  // Money: every delivered message charged its price once, the reservation released, the report adds up.
  const balance = (await api('GET', '/api/v1/balance')).body;
  assert.deepEqual(
    { balance: balance.balanceKopecks, reserved: balance.reservedKopecks },
    { balance: 1000_00 - estimate.body.costKopecks, reserved: 0 },
  );
  const today = new Date().toISOString().slice(0, 10);
  const period = (await api('GET', `/api/v1/balance/report?from=${today}&to=${today}`)).body;
  assert.deepEqual(
    [
      period.openingKopecks,
      period.boughtKopecks,
      period.spentKopecks,
      period.closingKopecks,
      period.messagesSent,
    ],
    [0, 1000_00, estimate.body.costKopecks, 1000_00 - estimate.body.costKopecks, withPhone],
  );

  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'owner@snt.example', password: 'пароль-владельца-1' }),
  });
  assert.equal(login.status, 200);
  assert.match(login.headers.get('set-cookie') ?? '', /vestnik_session=.*HttpOnly/i);

  t.diagnostic(
    `e2e on ${TEST_ENGINE}: ${total} contacts, campaign ${campaign.body.id} queued ${launch.body.queued}, ` +
      `excluded ${launch.body.excluded}, cost ${estimate.body.cost}; completed in ${((Date.now() - started) / 1000).toFixed(1)} s with ${JSON.stringify(report.counts)}`,
  );
  assert.equal(await server.stop(), 0, `the server stops cleanly on SIGTERM:\n${server.output()}`);

  // A second start on the same data creates nothing new and keeps everything.
  const again = await startServer(env);
  assert.doesNotMatch(again.output(), /Created organisation/);
  const kept = await fetch(`${again.url}/api/v1/campaigns/${campaign.body.id}`, {
    headers: { authorization: `Bearer ${key}` },
  }).then((r) => r.json());
  assert.equal((kept as { state: string }).state, 'completed');
  assert.equal(await again.stop(), 0);
});

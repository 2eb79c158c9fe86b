/**
 * The SMSC.ru gateway against a local HTTP server speaking SMSC's HTTP API: the exact request it
 * sends (script, form fields, credentials in the body), every kind of answer mapped to an outcome
 * (accepted with cost, each documented error code, throttling, 5xx, a timeout after sending,
 * malformed JSON), status polling, balance, cost query and settings validation.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { OutgoingMessage } from '../../src/providers/provider.ts';
import { GatewaySettingsError } from '../../src/providers/provider.ts';
import { createSmscGateway } from '../../src/providers/smsc.ts';
import { type FakeProvider, startFakeProvider } from '../helpers/fakeHttp.ts';

let fake: FakeProvider;
before(async () => {
  fake = await startFakeProvider({ status: 200, body: '{"id":1,"cnt":1}' });
});
after(() => fake.close());

const gateway = (settings: Record<string, unknown> = {}) =>
  createSmscGateway({
    gatewayId: 1,
    channel: 'sms',
    settings: { url: fake.url, login: 'garden', password: 's3cret', timeoutMs: 300, ...settings },
    callbackUrl: 'http://127.0.0.1:1/unused',
    callbackSecret: 'x',
  });

const msg = (id: number, body = 'Собрание в субботу в 10:00'): OutgoingMessage => ({
  id,
  channel: 'sms',
  address: '+79123456789',
  subject: null,
  body,
  sender: null,
});

function reset() {
  fake.requests.length = 0;
  fake.replies.length = 0;
}

test('send: the exact request — send.php, form body with credentials, fmt=3, utf-8, Vestnik id', async () => {
  reset();
  fake.replies.push({ status: 200, body: '{"id":41,"cnt":2,"cost":"3.30","balance":"96.70"}' });
  const g = gateway({ sender: 'SNT-Roshcha' });
  const [out] = await g.send([msg(41)]);
  assert.deepEqual(out, {
    id: 41,
    kind: 'accepted',
    providerId: '41:79123456789',
    rawStatus: 'ACCEPTED',
    costKopecks: 330,
  });
  const r = fake.requests[0]!;
  assert.equal(r.method, 'POST');
  assert.equal(r.path, '/sys/send.php');
  assert.equal(r.query.size, 0, 'nothing in the URL: the password must not land in access logs');
  assert.equal(r.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.deepEqual(Object.fromEntries(r.form), {
    login: 'garden',
    psw: 's3cret',
    phones: '79123456789',
    mes: 'Собрание в субботу в 10:00',
    cost: '3',
    sender: 'SNT-Roshcha',
    id: '41',
    fmt: '3',
    charset: 'utf-8',
  });
  await g.close?.();
});

test('send: apiKey instead of login and password; the message sender wins over the default', async () => {
  reset();
  const g = gateway({ login: undefined, password: undefined, apiKey: 'KEY1', sender: 'Default' });
  await g.send([{ ...msg(7), sender: 'Own' }]);
  const f = fake.requests[0]!.form;
  assert.equal(f.get('apikey'), 'KEY1');
  assert.equal(f.get('login'), null);
  assert.equal(f.get('psw'), null);
  assert.equal(f.get('sender'), 'Own');
});

test('send: each documented error code maps to its outcome and keeps the raw code', async () => {
  const cases: [number, string][] = [
    [1, 'permanent'],
    [2, 'permanent'],
    [3, 'retryable'],
    [4, 'rate_limited'],
    [5, 'permanent'],
    [6, 'permanent'],
    [7, 'permanent'],
    [8, 'permanent'],
    [9, 'rate_limited'],
  ];
  const g = gateway();
  for (const [code, kind] of cases) {
    reset();
    fake.replies.push({ status: 200, body: JSON.stringify({ error: `описание ${code}`, error_code: code }) });
    const [out] = await g.send([msg(100 + code)]);
    assert.equal(out!.kind, kind, `error ${code}`);
    assert.equal((out as { rawStatus: string }).rawStatus, `ERROR ${code}`);
    assert.match((out as { reason: string }).reason, new RegExp(`SMSC error ${code}: описание ${code}`));
    if (code === 2) assert.match((out as { reason: string }).reason, /login and password/);
    if (kind === 'rate_limited') assert.equal((out as { retryAfterMs: number }).retryAfterMs, 60_000);
  }
});

test('send: 429, 5xx, other HTTP errors, malformed JSON and an answer without an id', async () => {
  const g = gateway();
  const cases: [number, string, string, string][] = [
    [429, 'Too Many Requests', 'rate_limited', '429'],
    [502, 'Bad Gateway', 'retryable', '502'],
    [404, 'Not Found', 'permanent', '404'],
    [200, '<html>oops', 'retryable', 'BAD_JSON'],
    [200, '{"cnt":1}', 'retryable', 'BAD_ANSWER'],
  ];
  for (const [status, body, kind, raw] of cases) {
    reset();
    fake.replies.push({ status, body });
    const [out] = await g.send([msg(5)]);
    assert.equal(out!.kind, kind, `${status} ${body}`);
    assert.equal((out as { rawStatus: string }).rawStatus, raw);
  }
});

test('send: no answer in time is retryable and says the provider may have accepted it', async () => {
  reset();
  fake.replies.push('silence');
  const g = gateway({ timeoutMs: 100 });
  const started = performance.now();
  const [out] = await g.send([msg(9)]);
  assert.ok(performance.now() - started < 2000);
  assert.equal(out!.kind, 'retryable');
  assert.equal((out as { rawStatus: string }).rawStatus, 'TIMEOUT');
  assert.match((out as { reason: string }).reason, /may have accepted/);
  assert.equal(fake.requests[0]!.form.get('id'), '9', 'the resend carries the same id for SMSC to see');
});

test('send: an unreachable host names the URL', async () => {
  const g = createSmscGateway({
    gatewayId: 1,
    channel: 'sms',
    settings: { url: 'http://127.0.0.1:1', login: 'a', password: 'b' },
    callbackUrl: '',
    callbackSecret: '',
  });
  const [out] = await g.send([msg(1)]);
  assert.equal(out!.kind, 'retryable');
  assert.match(
    (out as { reason: string }).reason,
    /http:\/\/127\.0\.0\.1:1\/sys\/send\.php: connection refused/,
  );
});

test('status: one request for many, pairs of id and phone, codes mapped to states', async () => {
  reset();
  fake.replies.push({
    status: 200,
    body: JSON.stringify([
      { id: 41, phone: '79123456789', status: 1, last_timestamp: 1, err: 0 },
      { id: 42, phone: '79120000000', status: 20, err: 5 },
      { id: 43, phone: '79120000001', status: -1, err: 0 },
      { id: 44, phone: '79120000002', status: -3, err: 0 },
      { id: 45, phone: '79120000003', status: 3, err: 0 },
      { id: 46, phone: '79120000004', status: 22, err: 0 },
    ]),
  });
  const ids = [
    '41:79123456789',
    '42:79120000000',
    '43:79120000001',
    '44:79120000002',
    '45:79120000003',
    '46:79120000004',
  ];
  const reports = await gateway().status!(ids);
  const r = fake.requests[0]!;
  assert.equal(r.path, '/sys/status.php');
  assert.equal(r.form.get('id'), '41,42,43,44,45,46,');
  assert.equal(
    r.form.get('phone'),
    '79123456789,79120000000,79120000001,79120000002,79120000003,79120000004,',
  );
  assert.equal(r.form.get('fmt'), '3');
  assert.deepEqual(reports, [
    { providerId: ids[0], state: 'delivered', rawStatus: '1' },
    { providerId: ids[1], state: 'undelivered', rawStatus: '20/err 5' },
    { providerId: ids[2], state: 'submitted', rawStatus: '-1' },
    { providerId: ids[3], state: 'unknown', rawStatus: '-3' },
    { providerId: ids[4], state: 'expired', rawStatus: '3' },
    { providerId: ids[5], state: 'rejected', rawStatus: '22' },
  ]);
});

test('status: a message asked about within statusIntervalSeconds is not asked again (SMSC error 9)', async () => {
  reset();
  const g = gateway({ statusIntervalSeconds: 0.2 });
  fake.fallback = (r) => {
    const ids = r.form.get('id')!.split(',').filter(Boolean);
    const phones = r.form.get('phone')!.split(',').filter(Boolean);
    return {
      status: 200,
      body: JSON.stringify(ids.map((id, k) => ({ id: Number(id), phone: phones[k], status: 0, err: 0 }))),
    };
  };
  try {
    assert.equal((await g.status!(['1:79120000001', '2:79120000002'])).length, 2);
    assert.deepEqual(await g.status!(['1:79120000001', '2:79120000002']), [], 'too soon: nothing asked');
    assert.equal(fake.requests.length, 1);
    const third = await g.status!(['1:79120000001', '3:79120000003']);
    assert.deepEqual(
      third.map((r) => r.providerId),
      ['3:79120000003'],
      'only the new one',
    );
    assert.equal(fake.requests[1]!.form.get('id'), '3,');
    await new Promise((r) => setTimeout(r, 250));
    assert.equal((await g.status!(['1:79120000001'])).length, 1, 'after the interval it is asked again');
  } finally {
    fake.fallback = { status: 200, body: '{"id":1,"cnt":1}' };
  }
});

test('status: an error answer throws (the worker asks again later)', async () => {
  reset();
  fake.replies.push({ status: 200, body: '{"error":"too many","error_code":9}' });
  await assert.rejects(gateway().status!(['1:79123456789']), /SMSC error 9/);
});

test('balance and cost', async () => {
  reset();
  fake.replies.push({ status: 200, body: '{"balance":"1234.56","currency":"RUR"}' });
  fake.replies.push({ status: 200, body: '{"cost":"6.60","cnt":2}' });
  const g = gateway();
  assert.deepEqual(await g.balance!(), { kopecks: 123_456 });
  assert.deepEqual(await g.cost(msg(1, 'x'.repeat(200))), { kopecks: 660, parts: 2 });
  assert.equal(fake.requests[0]!.path, '/sys/balance.php');
  assert.equal(fake.requests[1]!.form.get('cost'), '1');
  reset();
  fake.replies.push({ status: 200, body: '{"error":"authorise error","error_code":2}' });
  await assert.rejects(g.balance!(), /SMSC error 2: authorise error/);
});

test('settings: each problem names its setting', () => {
  assert.throws(
    () =>
      createSmscGateway({
        gatewayId: 1,
        channel: 'email',
        settings: {},
        callbackUrl: '',
        callbackSecret: '',
      }),
    (e: unknown) => e instanceof GatewaySettingsError && e.setting === 'channel',
  );
  const bad: [Record<string, unknown>, string][] = [
    [{ url: fake.url, password: 'x' }, 'login'],
    [{ url: fake.url, login: 'x' }, 'password'],
    [{ url: 'ftp://x', login: 'a', password: 'b' }, 'url'],
    [{ login: 'a', password: 'b', timeoutMs: -1 }, 'timeoutMs'],
    [{ login: 'a', password: 'b', sender: 5 }, 'sender'],
  ];
  for (const [settings, setting] of bad) {
    assert.throws(
      () =>
        createSmscGateway({ gatewayId: 1, channel: 'sms', settings, callbackUrl: '', callbackSecret: '' }),
      (e: unknown) => e instanceof GatewaySettingsError && e.setting === setting,
      setting,
    );
  }
});

/**
 * The SMS Aero gateway against a local HTTP server speaking its API v2: the exact requests (path,
 * JSON body, Basic authorization), batches of one text sent with `numbers`, every kind of answer
 * mapped (accepted, rejected, validation error, bad credentials, no money, 429, 5xx, timeout,
 * malformed JSON), a refused batch split into single sends, status polling and balance.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { GatewaySettingsError, type OutgoingMessage } from '../../src/providers/provider.ts';
import { createSmsAeroGateway } from '../../src/providers/smsaero.ts';
import { type FakeProvider, type Recorded, type Reply, startFakeProvider } from '../helpers/fakeHttp.ts';

let fake: FakeProvider;
let nextId = 1000;
/** Answers sms/send as SMS Aero does: one record for `number`, a list for `numbers`. */
function accept(r: Recorded): Reply {
  const b = JSON.parse(r.body) as { number?: string; numbers?: string[]; text: string; sign: string };
  const rec = (n: string) => ({
    id: nextId++,
    from: b.sign,
    number: n,
    text: b.text,
    status: 0,
    extendStatus: 'queue',
    cost: 4.49,
  });
  const data = b.numbers ? b.numbers.map(rec) : rec(b.number!);
  return { status: 200, body: JSON.stringify({ success: true, data, message: null }) };
}
before(async () => {
  fake = await startFakeProvider(accept);
});
after(() => fake.close());

const gateway = (settings: Record<string, unknown> = {}) =>
  createSmsAeroGateway({
    gatewayId: 1,
    channel: 'sms',
    settings: {
      url: `${fake.url}/v2`,
      email: 'chair@garden.ru',
      apiKey: 'AK-123',
      timeoutMs: 300,
      ...settings,
    },
    callbackUrl: '',
    callbackSecret: '',
  });

const msg = (
  id: number,
  address: string,
  body = 'Взносы до 1 июня',
  sender: string | null = null,
): OutgoingMessage => ({
  id,
  channel: 'sms',
  address,
  subject: null,
  body,
  sender,
});

function reset() {
  fake.requests.length = 0;
  fake.replies.length = 0;
}

test('send: one message — POST /v2/sms/send, JSON, Basic email:apiKey, default signature', async () => {
  reset();
  const [out] = await gateway().send([msg(1, '+79123456789')]);
  const r = fake.requests[0]!;
  assert.equal(r.method, 'POST');
  assert.equal(r.path, '/v2/sms/send');
  assert.equal(r.headers.authorization, `Basic ${Buffer.from('chair@garden.ru:AK-123').toString('base64')}`);
  assert.equal(r.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(r.body), { number: '79123456789', sign: 'SMS Aero', text: 'Взносы до 1 июня' });
  assert.equal(out!.kind, 'accepted');
  assert.equal((out as { rawStatus: string }).rawStatus, '0:queue');
  assert.equal((out as { costKopecks: number }).costKopecks, 449);
});

test('send: the same text in one request with numbers, other texts and a repeated number apart', async () => {
  reset();
  const batch = [
    msg(1, '+79120000001'),
    msg(2, '+79120000002'),
    msg(3, '+79120000003', 'Другой текст'),
    msg(4, '+79120000001'), // same number and text again: its own request, not a duplicate entry
    msg(5, '+79120000005', 'Взносы до 1 июня', 'GARDEN'),
  ];
  const outs = await gateway({ sender: 'SNT' }).send(batch);
  const bodies = fake.requests.map((r) => JSON.parse(r.body));
  assert.equal(fake.requests.length, 4);
  assert.deepEqual(
    bodies.find((b) => b.numbers),
    { numbers: ['79120000001', '79120000002'], sign: 'SNT', text: 'Взносы до 1 июня' },
  );
  assert.ok(bodies.some((b) => b.number === '79120000005' && b.sign === 'GARDEN'));
  assert.deepEqual(
    outs.map((o) => [o.id, o.kind]),
    [
      [1, 'accepted'],
      [2, 'accepted'],
      [3, 'accepted'],
      [5, 'accepted'],
      [4, 'accepted'],
    ],
  );
  const ids = outs.map((o) => (o as { providerId: string }).providerId);
  assert.equal(new Set(ids).size, 5, 'each message its own SMS Aero id');
});

test('send: a batch refused with a validation error is sent again one by one', async () => {
  reset();
  fake.replies.push({
    status: 400,
    body: JSON.stringify({
      success: false,
      data: { numbers: ['invalid number 7000'] },
      message: 'Validation error.',
    }),
  });
  fake.fallback = (r) => {
    const b = JSON.parse(r.body) as { number: string };
    return b.number === '7000'
      ? {
          status: 400,
          body: JSON.stringify({
            success: false,
            data: { number: ['invalid'] },
            message: 'Validation error.',
          }),
        }
      : accept(r);
  };
  const outs = await gateway().send([msg(1, '+79120000001'), msg(2, '7000')]);
  fake.fallback = accept;
  assert.equal(fake.requests.length, 3);
  assert.equal(outs.find((o) => o.id === 1)!.kind, 'accepted');
  const bad = outs.find((o) => o.id === 2) as { kind: string; rawStatus: string; reason: string };
  assert.equal(bad.kind, 'permanent');
  assert.equal(bad.rawStatus, '400');
  assert.match(bad.reason, /Validation error\. \{"number":\["invalid"\]\}/);
});

test('send: every kind of answer mapped', async () => {
  const cases: [Reply, string, string, RegExp][] = [
    [
      { status: 401, body: '{"success":false,"data":null,"message":"Unauthorized"}' },
      'permanent',
      '401',
      /email and apiKey/,
    ],
    [
      { status: 200, body: '{"success":false,"data":null,"message":"Not enough money"}' },
      'retryable',
      'NO_MONEY',
      /top up/,
    ],
    [{ status: 429, body: 'Too Many Requests' }, 'rate_limited', '429', /slow down/],
    [{ status: 503, body: 'Service Unavailable' }, 'retryable', '503', /HTTP 503/],
    [{ status: 200, body: '{"success":tru' }, 'retryable', 'BAD_JSON', /malformed JSON/],
    [
      {
        status: 200,
        body: '{"success":true,"data":{"id":9,"number":"79123456789","status":6,"extendStatus":"reject"}}',
      },
      'permanent',
      '6:reject',
      /rejected/,
    ],
    [{ status: 200, body: '{"success":true,"data":null}' }, 'retryable', 'BAD_ANSWER', /no record/],
  ];
  for (const [reply, kind, raw, reason] of cases) {
    reset();
    fake.replies.push(reply);
    const [out] = await gateway().send([msg(1, '+79123456789')]);
    assert.equal(out!.kind, kind, raw);
    assert.equal((out as { rawStatus: string }).rawStatus, raw);
    assert.match((out as { reason: string }).reason, reason);
  }
});

test('send: a timeout after sending is retryable and says it may have been accepted', async () => {
  reset();
  fake.replies.push('silence');
  const [out] = await gateway({ timeoutMs: 100 }).send([msg(1, '+79123456789')]);
  assert.equal(out!.kind, 'retryable');
  assert.equal((out as { rawStatus: string }).rawStatus, 'TIMEOUT');
  assert.match(
    (out as { reason: string }).reason,
    /\/v2\/sms\/send: no answer in 100 ms; the provider may have accepted/,
  );
});

test('status: one sms/status per message, codes mapped, the raw status kept', async () => {
  reset();
  const statuses: Record<number, [number, string]> = {
    11: [1, 'delivery'],
    12: [2, 'no delivery'],
    13: [4, 'wait status'],
    14: [6, 'reject'],
    15: [8, 'moderation'],
  };
  fake.fallback = (r) => {
    const { id } = JSON.parse(r.body) as { id: number };
    const [status, extendStatus] = statuses[id]!;
    return { status: 200, body: JSON.stringify({ success: true, data: { id, status, extendStatus } }) };
  };
  const reports = await gateway().status!(['11', '12', '13', '14', '15']);
  fake.fallback = accept;
  assert.ok(fake.requests.every((r) => r.path === '/v2/sms/status'));
  assert.deepEqual(reports, [
    { providerId: '11', state: 'delivered', rawStatus: '1:delivery' },
    { providerId: '12', state: 'undelivered', rawStatus: '2:no delivery' },
    { providerId: '13', state: 'submitted', rawStatus: '4:wait status' },
    { providerId: '14', state: 'rejected', rawStatus: '6:reject' },
    { providerId: '15', state: 'submitted', rawStatus: '8:moderation' },
  ]);
});

test('status: a failed request leaves only its message for the next poll; all failed is an error', async () => {
  reset();
  fake.fallback = (r) => {
    const { id } = JSON.parse(r.body) as { id: number };
    return id === 22
      ? { status: 502, body: 'Bad Gateway' }
      : {
          status: 200,
          body: JSON.stringify({ success: true, data: { id, status: 1, extendStatus: 'delivery' } }),
        };
  };
  try {
    assert.deepEqual(await gateway().status!(['21', '22']), [
      { providerId: '21', state: 'delivered', rawStatus: '1:delivery' },
    ]);
    await assert.rejects(gateway().status!(['22']), /\/v2\/sms\/status: HTTP 502/);
    const g = gateway({ statusIntervalSeconds: 60 });
    fake.requests.length = 0;
    await g.status!(['21']);
    assert.deepEqual(await g.status!(['21']), [], 'asked a moment ago: not again');
    assert.equal(fake.requests.length, 1);
  } finally {
    fake.fallback = accept;
  }
});

test('balance; bad credentials say which settings', async () => {
  reset();
  fake.replies.push({ status: 200, body: '{"success":true,"data":{"balance":389.46},"message":null}' });
  fake.replies.push({ status: 401, body: '{"success":false,"data":null,"message":"Unauthorized"}' });
  const g = gateway();
  assert.deepEqual(await g.balance!(), { kopecks: 38_946 });
  assert.equal(fake.requests[0]!.path, '/v2/balance');
  await assert.rejects(g.balance!(), /check email and apiKey/);
});

test('settings: each problem names its setting', () => {
  assert.throws(
    () =>
      createSmsAeroGateway({
        gatewayId: 1,
        channel: 'email',
        settings: {},
        callbackUrl: '',
        callbackSecret: '',
      }),
    (e: unknown) => e instanceof GatewaySettingsError && e.setting === 'channel',
  );
  for (const [settings, setting] of [
    [{ apiKey: 'k' }, 'email'],
    [{ email: 'e' }, 'apiKey'],
    [{ email: 'e', apiKey: 'k', url: 'gate.smsaero.ru' }, 'url'],
    [{ email: 'e', apiKey: 'k', timeoutMs: 0 }, 'timeoutMs'],
  ] as [Record<string, unknown>, string][]) {
    assert.throws(
      () =>
        createSmsAeroGateway({ gatewayId: 1, channel: 'sms', settings, callbackUrl: '', callbackSecret: '' }),
      (e: unknown) => e instanceof GatewaySettingsError && e.setting === setting,
      setting,
    );
  }
});

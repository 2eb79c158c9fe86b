/**
 * The sandbox gateway (PR-1): settings validation, send outcomes, delivery reports by polling and by
 * signed callbacks. Every wait is short and bounded.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Channel } from '../../src/core/states.ts';
import { type Gateway, GatewaySettingsError, type OutgoingMessage } from '../../src/providers/provider.ts';
import { createSandboxGateway, sandboxSettings, signSandboxBody } from '../../src/providers/sandbox.ts';

const DEFAULTS = {
  deliveryDelayMs: 1000,
  latencyMs: 0,
  rejectRate: 0,
  undeliveredRate: 0,
  failRate: 0,
  callbacks: false,
  reportBeforeAnswer: false,
  statusDeadlineSeconds: 3600,
  costKopecks: -1,
};

const SECRET = 'test-callback-secret';
/** Gateway ids far from any a test database would hand out; each test takes its own. */
let nextGatewayId = 900_000 + Math.floor(Math.random() * 10_000) * 10;

function gateway(
  settings: Record<string, unknown>,
  opts: { gatewayId?: number; channel?: Channel; callbackUrl?: string } = {},
): Gateway {
  return createSandboxGateway({
    gatewayId: opts.gatewayId ?? nextGatewayId++,
    channel: opts.channel ?? 'sms',
    settings,
    callbackUrl: opts.callbackUrl ?? 'http://127.0.0.1:1/unused',
    callbackSecret: SECRET,
  });
}

function messages(n: number, firstId = 1): OutgoingMessage[] {
  return Array.from({ length: n }, (_, i) => ({
    id: firstId + i,
    channel: 'sms' as const,
    address: `+7912345${String(6000 + i)}`,
    subject: null,
    sender: null,
    body: `Сообщение ${i}`,
  }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 5 ms until it is true; fails after `ms`. */
async function until(check: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

function assertSettingsError(raw: Record<string, unknown>, setting: string, message: RegExp): void {
  assert.throws(
    () => sandboxSettings(raw),
    (err: unknown) => {
      assert.ok(err instanceof GatewaySettingsError, `a GatewaySettingsError for ${JSON.stringify(raw)}`);
      assert.equal(err.setting, setting);
      assert.equal(err.name, 'GatewaySettingsError');
      assert.match(err.message, message);
      return true;
    },
  );
}

// ---------------------------------------------------------------------------------------------------
// Settings

test('sandboxSettings: defaults, and values given override them', () => {
  assert.deepEqual(sandboxSettings({}), DEFAULTS);
  assert.deepEqual(
    sandboxSettings({
      deliveryDelayMs: 20,
      rejectRate: 0,
      undeliveredRate: 1,
      failRate: 0.25,
      callbacks: true,
    }),
    { ...DEFAULTS, deliveryDelayMs: 20, undeliveredRate: 1, failRate: 0.25, callbacks: true },
  );
  assert.deepEqual(sandboxSettings({ latencyMs: 0, statusDeadlineSeconds: 0, deliveryDelayMs: 0 }), {
    ...DEFAULTS,
    statusDeadlineSeconds: 0,
    deliveryDelayMs: 0,
  });
});

test('sandboxSettings: an unknown setting is refused by name', () => {
  assertSettingsError({ deliveryDelay: 5 }, 'deliveryDelay', /unknown sandbox setting `deliveryDelay`/);
  assertSettingsError({ login: 'x' }, 'login', /unknown sandbox setting/);
  // Names that exist on every object's prototype are unknown settings too.
  for (const key of ['toString', 'constructor', 'hasOwnProperty', 'valueOf', '__proto__']) {
    assertSettingsError(JSON.parse(`{"${key}": 1}`), key, /unknown sandbox setting/);
  }
});

test('sandboxSettings: rates outside 0..1 are refused, naming the rate', () => {
  for (const key of ['rejectRate', 'undeliveredRate', 'failRate']) {
    for (const value of [-0.01, 1.01, 2, -1, Number.NaN, Number.POSITIVE_INFINITY, '0.5', null, true]) {
      assertSettingsError({ [key]: value }, key, new RegExp(`^${key} must be a number from 0 to 1$`));
    }
    assert.equal(sandboxSettings({ [key]: 0 })[key as 'failRate'], 0);
    assert.equal(sandboxSettings({ [key]: 1 })[key as 'failRate'], 1);
  }
});

test('sandboxSettings: delays must be finite numbers ≥ 0, callbacks a boolean', () => {
  for (const key of ['deliveryDelayMs', 'latencyMs', 'statusDeadlineSeconds']) {
    for (const value of [-1, Number.NaN, Number.POSITIVE_INFINITY, '20', null, {}]) {
      assertSettingsError({ [key]: value }, key, new RegExp(`^${key} must be a number ≥ 0$`));
    }
  }
  for (const value of ['true', 1, 0, null]) {
    assertSettingsError({ callbacks: value }, 'callbacks', /^callbacks must be true or false$/);
  }
});

test('property: any setting name outside the known seven is refused by name', () => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 30 }).filter((k) => !Object.hasOwn(DEFAULTS, k)),
      fc.anything(),
      (key, value) => {
        assertSettingsError({ [key]: value }, key, /unknown sandbox setting/);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: rates inside [0, 1] are kept as given, outside refused', () => {
  fc.assert(
    fc.property(fc.constantFrom('rejectRate', 'undeliveredRate', 'failRate'), fc.double(), (key, value) => {
      if (value >= 0 && value <= 1) assert.equal(sandboxSettings({ [key]: value })[key as 'failRate'], value);
      else assertSettingsError({ [key]: value }, key, /from 0 to 1/);
    }),
    { numRuns: 500 },
  );
});

test('a gateway with bad settings is not created', () => {
  assert.throws(() => gateway({ rejectRate: 3 }), GatewaySettingsError);
});

// ---------------------------------------------------------------------------------------------------
// Capabilities

test('capabilities: polling by default; with callbacks, no polling', () => {
  const polled = gateway({}, { channel: 'email' });
  assert.equal(polled.kind, 'sandbox');
  assert.equal(polled.channel, 'email');
  assert.deepEqual(polled.capabilities, {
    batchSize: 100,
    callbacks: false,
    polling: true,
    statusDeadlineSeconds: 3600,
  });
  const called = gateway({ callbacks: true, statusDeadlineSeconds: 60 }, { channel: 'messenger' });
  assert.equal(called.channel, 'messenger');
  assert.deepEqual(called.capabilities, {
    batchSize: 100,
    callbacks: true,
    polling: false,
    statusDeadlineSeconds: 60,
  });
});

// ---------------------------------------------------------------------------------------------------
// Sending

test('send: by default every message is accepted with its own provider id, in order', async () => {
  const g = gateway({ deliveryDelayMs: 20 });
  const out = await g.send(messages(5, 101));
  assert.deepEqual(
    out.map((o) => [o.id, o.kind, o.rawStatus]),
    [101, 102, 103, 104, 105].map((id) => [id, 'accepted', 'ACCEPTED']),
  );
  const ids = out.map((o) => (o.kind === 'accepted' ? o.providerId : ''));
  for (const id of ids)
    assert.match(id, /^sbx-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(new Set(ids).size, 5);
  assert.deepEqual(await g.send([]), []);
  await g.close?.();
});

test('send: rejectRate 1 rejects every message permanently', async () => {
  const g = gateway({ rejectRate: 1 });
  assert.deepEqual(
    await g.send(messages(3, 7)),
    [7, 8, 9].map((id) => ({ id, kind: 'permanent', rawStatus: 'REJECTED', reason: 'sandbox: rejected' })),
  );
});

test('send: failRate 1 fails every message with a retryable error', async () => {
  const g = gateway({ failRate: 1 });
  assert.deepEqual(
    await g.send(messages(3, 7)),
    [7, 8, 9].map((id) => ({
      id,
      kind: 'retryable',
      rawStatus: '503',
      reason: 'sandbox: temporary failure',
    })),
  );
});

test('send: latencyMs makes the call take that long', async () => {
  const g = gateway({ latencyMs: 40 });
  const started = performance.now();
  const out = await g.send(messages(1));
  assert.ok(performance.now() - started >= 35, 'waited about latencyMs');
  assert.equal(out[0]?.kind, 'accepted');
});

// ---------------------------------------------------------------------------------------------------
// Status by polling

test('status: submitted until deliveryDelayMs has passed, then delivered', async () => {
  // 80 ms: long enough that the first poll, right after the send, cannot be late even on a busy machine.
  const g = gateway({ deliveryDelayMs: 80 });
  const out = await g.send(messages(2));
  const ids = out.map((o) => (o.kind === 'accepted' ? o.providerId : assert.fail('not accepted')));
  assert.deepEqual(
    await g.status!(ids),
    ids.map((providerId) => ({ providerId, state: 'submitted', rawStatus: 'SUBMITTED' })),
  );
  await until(async () => (await g.status!(ids)).every((r) => r.state !== 'submitted'), 2_000, 'delivery');
  assert.deepEqual(
    await g.status!(ids),
    ids.map((providerId) => ({ providerId, state: 'delivered', rawStatus: 'DELIVERED' })),
  );
});

test('status: undeliveredRate 1 reports every accepted message undelivered after the delay', async () => {
  const g = gateway({ deliveryDelayMs: 80, undeliveredRate: 1 });
  const out = await g.send(messages(3));
  assert.ok(out.every((o) => o.kind === 'accepted'));
  const ids = out.map((o) => (o.kind === 'accepted' ? o.providerId : ''));
  assert.deepEqual(
    (await g.status!(ids)).map((r) => r.state),
    ['submitted', 'submitted', 'submitted'],
  );
  await until(async () => (await g.status!(ids)).every((r) => r.state !== 'submitted'), 2_000, 'reports');
  assert.deepEqual(
    await g.status!(ids),
    ids.map((providerId) => ({ providerId, state: 'undelivered', rawStatus: 'UNDELIVERED' })),
  );
});

test('status: ids the provider never issued are unknown, in a mixed batch in order', async () => {
  const g = gateway({ deliveryDelayMs: 0 });
  const out = await g.send(messages(1));
  const known = out[0]?.kind === 'accepted' ? out[0].providerId : assert.fail('not accepted');
  assert.deepEqual(await g.status!(['sbx-nope', known, '']), [
    { providerId: 'sbx-nope', state: 'unknown', rawStatus: 'NOT_FOUND' },
    { providerId: known, state: 'delivered', rawStatus: 'DELIVERED' },
    { providerId: '', state: 'unknown', rawStatus: 'NOT_FOUND' },
  ]);
  assert.deepEqual(await g.status!([]), []);
});

test('status: the provider remembers per gateway id, across gateway objects (as after a reload)', async () => {
  const gatewayId = nextGatewayId++;
  const first = gateway({ deliveryDelayMs: 0 }, { gatewayId });
  const out = await first.send(messages(1));
  const id = out[0]?.kind === 'accepted' ? out[0].providerId : assert.fail('not accepted');
  await first.close?.();
  const again = gateway({ deliveryDelayMs: 0 }, { gatewayId });
  assert.deepEqual(await again.status!([id]), [
    { providerId: id, state: 'delivered', rawStatus: 'DELIVERED' },
  ]);
  const other = gateway({ deliveryDelayMs: 0 });
  assert.deepEqual(await other.status!([id]), [{ providerId: id, state: 'unknown', rawStatus: 'NOT_FOUND' }]);
});

// ---------------------------------------------------------------------------------------------------
// Callbacks

function callbackRequest(rawBody: string, signature?: string | string[]) {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    body = undefined;
  }
  return {
    headers: signature === undefined ? {} : { 'x-sandbox-signature': signature },
    query: {},
    body,
    rawBody,
  };
}

test('parseCallback: a correctly signed report is accepted', () => {
  const g = gateway({ callbacks: true });
  for (const status of ['delivered', 'undelivered'] as const) {
    const raw = JSON.stringify({ id: 'sbx-1', status, at: '2025-01-01T00:00:00.000Z' });
    assert.deepEqual(g.parseCallback!(callbackRequest(raw, signSandboxBody(SECRET, raw))), {
      ok: true,
      reports: [{ providerId: 'sbx-1', state: status, rawStatus: status.toUpperCase() }],
    });
  }
});

test('parseCallback: a tampered body, a missing or foreign signature are rejected', () => {
  const g = gateway({ callbacks: true });
  const raw = JSON.stringify({ id: 'sbx-1', status: 'delivered' });
  const good = signSandboxBody(SECRET, raw);
  const bad = { ok: false, reason: 'bad or missing signature' };
  const tampered = JSON.stringify({ id: 'sbx-1', status: 'undelivered' });
  assert.deepEqual(g.parseCallback!(callbackRequest(tampered, good)), bad);
  assert.deepEqual(g.parseCallback!(callbackRequest(`${raw} `, good)), bad);
  assert.deepEqual(g.parseCallback!(callbackRequest(raw)), bad);
  assert.deepEqual(g.parseCallback!(callbackRequest(raw, '')), bad);
  assert.deepEqual(g.parseCallback!(callbackRequest(raw, signSandboxBody('another-secret', raw))), bad);
  assert.deepEqual(g.parseCallback!(callbackRequest(raw, [good])), bad);
  assert.deepEqual(g.parseCallback!(callbackRequest(raw, good.slice(0, -1))), bad);
  assert.deepEqual(g.parseCallback!(callbackRequest(raw, `${good}0`)), bad);
  // Same number of characters, more bytes: must be a rejection, not an exception (a 500).
  assert.deepEqual(g.parseCallback!(callbackRequest(raw, 'é'.repeat(good.length))), bad);
  assert.deepEqual(g.parseCallback!(callbackRequest(raw, `${good.slice(0, -1)}ё`)), bad);
});

test('parseCallback: a signed body of the wrong shape is rejected', () => {
  const g = gateway({ callbacks: true });
  for (const raw of [
    JSON.stringify({ id: 'sbx-1', status: 'submitted' }),
    JSON.stringify({ id: 'sbx-1', status: 'DELIVERED' }),
    JSON.stringify({ id: 42, status: 'delivered' }),
    JSON.stringify({ status: 'delivered' }),
    'null',
    '[]',
    'not json',
  ]) {
    const r = g.parseCallback!(callbackRequest(raw, signSandboxBody(SECRET, raw)));
    assert.deepEqual(
      r,
      { ok: false, reason: 'body must be {"id": string, "status": "delivered" | "undelivered"}' },
      raw,
    );
  }
});

test('property: parseCallback never throws on any signature header and accepts only the right one', () => {
  const g = gateway({ callbacks: true });
  const raw = JSON.stringify({ id: 'sbx-2', status: 'delivered' });
  const good = signSandboxBody(SECRET, raw);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.string({ unit: 'binary', minLength: good.length, maxLength: good.length }),
        fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }),
      ),
      (signature) => {
        const r = g.parseCallback!(callbackRequest(raw, signature));
        assert.equal(r.ok, signature === good);
      },
    ),
    { numRuns: 300 },
  );
});

interface Received {
  headers: http.IncomingHttpHeaders;
  rawBody: string;
}

async function callbackServer(): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1/gateways/1/callback`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test('callbacks: after the delay the provider posts a signed report its own parseCallback accepts', async () => {
  const server = await callbackServer();
  try {
    const g = gateway(
      { callbacks: true, deliveryDelayMs: 20, undeliveredRate: 1 },
      { callbackUrl: server.url },
    );
    const out = await g.send(messages(1));
    const id = out[0]?.kind === 'accepted' ? out[0].providerId : assert.fail('not accepted');
    await until(() => server.received.length === 1, 3_000, 'the callback');
    const got = server.received[0]!;
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['x-sandbox-signature'], signSandboxBody(SECRET, got.rawBody));
    const parsed = g.parseCallback!({
      headers: got.headers,
      query: {},
      body: JSON.parse(got.rawBody),
      rawBody: got.rawBody,
    });
    assert.deepEqual(parsed, {
      ok: true,
      reports: [{ providerId: id, state: 'undelivered', rawStatus: 'UNDELIVERED' }],
    });
    await g.close?.();
  } finally {
    await server.close();
  }
});

test('callbacks: close() cancels reports not yet sent', async () => {
  const server = await callbackServer();
  try {
    const g = gateway({ callbacks: true, deliveryDelayMs: 40 }, { callbackUrl: server.url });
    const out = await g.send(messages(3));
    assert.ok(out.every((o) => o.kind === 'accepted'));
    await g.close?.();
    await sleep(150);
    assert.equal(server.received.length, 0);
  } finally {
    await server.close();
  }
});

test('callbacks: an unreachable callback URL does not break sending or polling', async () => {
  const g = gateway({ callbacks: true, deliveryDelayMs: 10 }, { callbackUrl: 'http://127.0.0.1:1/nowhere' });
  const out = await g.send(messages(1));
  const id = out[0]?.kind === 'accepted' ? out[0].providerId : assert.fail('not accepted');
  await sleep(60);
  assert.deepEqual(await g.status!([id]), [{ providerId: id, state: 'delivered', rawStatus: 'DELIVERED' }]);
  await g.close?.();
});

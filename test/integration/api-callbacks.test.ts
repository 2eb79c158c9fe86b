/**
 * Delivery reports by callback (SD-3): a gateway's provider posts signed reports to
 * /api/v1/callbacks/:gatewayId, with no API key. Reports are checked over the exact bytes sent,
 * applied monotonically and idempotently, and only to that gateway's messages. The last test runs
 * the real path: a server on a real port to which the sandbox posts its reports by itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildServer } from '../../src/api/server.ts';
import { loadConfig } from '../../src/config.ts';
import { startDispatcher } from '../../src/dispatch/dispatcher.ts';
import { GatewayPool } from '../../src/dispatch/gatewayPool.ts';
import { signSandboxBody } from '../../src/providers/sandbox.ts';
import { type GatewayRow, listGateways, updateGatewaySettings } from '../../src/store/gateways.ts';
import { createTestApi } from '../helpers/api.ts';
import { waitFor } from '../helpers/db.ts';
import { freePort } from '../helpers/process.ts';

const api = await createTestApi();

interface Msg {
  id: number;
  state: string;
  providerMessageId: string | null;
  rawStatus: string | null;
  finalAt: string | null;
  gatewayId: number;
}

async function newOrg(name: string) {
  const org = await api.addOrg(name);
  const call = (method: string, url: string, body?: unknown) => api.call(method, url, body, { key: org.key });
  const sms = (await listGateways(api.db, org.id)).find((g) => g.channel === 'sms')!;
  const message = async (id: number): Promise<Msg> => {
    const r = await call('GET', `/api/v1/messages/${id}`);
    assert.equal(r.status, 200, r.text);
    return r.body;
  };
  return { ...org, call, sms, message };
}

/** POSTs `raw` (a JSON text) as a provider would, signed with `signature` unless it is undefined. */
function postCallback(gatewayId: number | string, raw: string, signature: string | undefined) {
  return api.call('POST', `/api/v1/callbacks/${gatewayId}`, raw, {
    key: null,
    headers: {
      'content-type': 'application/json',
      ...(signature === undefined ? {} : { 'x-sandbox-signature': signature }),
    },
  });
}

/** A report for `providerId`, signed with the gateway's own callback secret. */
function report(gateway: GatewayRow, providerId: string, status: string) {
  const raw = JSON.stringify({ id: providerId, status });
  return postCallback(gateway.id, raw, signSandboxBody(gateway.callbackSecret, raw));
}

/**
 * Sends `count` single messages through a dispatcher on a sandbox that reports by callback only and
 * not for 5 s (so not during the test), and returns them once each is submitted.
 */
async function submittedMessages(org: Awaited<ReturnType<typeof newOrg>>, count: number): Promise<Msg[]> {
  await updateGatewaySettings(api.db, org.id, org.sms.id, { callbacks: true, deliveryDelayMs: 5000 });
  const dispatcher = await startDispatcher(api.db, {
    workers: 2,
    gateways: api.gateways,
    idlePollMs: 50,
    worker: { statusPollSeconds: 0.05 },
  });
  try {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const r = await org.call('POST', '/api/v1/messages', {
        to: `+7912003${String(1000 + i)}`,
        text: `№${i}`,
      });
      assert.equal(r.status, 201, r.text);
      ids.push(r.body.id);
    }
    return await waitFor(
      async () => {
        const ms = await Promise.all(ids.map((id) => org.message(id)));
        return ms.every((m) => m.state === 'submitted') ? ms : undefined;
      },
      20_000,
      'the messages to be submitted',
    );
  } finally {
    await dispatcher.stop();
  }
}

test('a signed report marks the message delivered, once; a later «undelivered» does not undo it', async () => {
  const org = await newOrg('ООО «Отчёты»');
  const [m, other] = await submittedMessages(org, 2);
  assert.ok(m && other);
  assert.match(m.providerMessageId ?? '', /^sbx-/);
  assert.equal(m.gatewayId, org.sms.id);
  assert.equal(m.finalAt, null);

  const first = await report(org.sms, m.providerMessageId!, 'delivered');
  assert.equal(first.status, 200, first.text);
  assert.deepEqual(first.body, { accepted: 1, changed: 1 });
  const delivered = await org.message(m.id);
  assert.equal(delivered.state, 'delivered');
  assert.equal(delivered.rawStatus, 'DELIVERED');
  assert.notEqual(delivered.finalAt, null);

  const again = await report(org.sms, m.providerMessageId!, 'delivered');
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(again.body, { accepted: 1, changed: 0 });
  const late = await report(org.sms, m.providerMessageId!, 'undelivered');
  assert.equal(late.status, 200, late.text);
  assert.deepEqual(late.body, { accepted: 1, changed: 0 });
  assert.deepEqual(await org.message(m.id), delivered, 'nothing changed, not even the raw status');

  // The other message was untouched throughout, and can be reported undelivered on its own.
  assert.equal((await org.message(other.id)).state, 'submitted');
  const undelivered = await report(org.sms, other.providerMessageId!, 'undelivered');
  assert.deepEqual(undelivered.body, { accepted: 1, changed: 1 });
  const o = await org.message(other.id);
  assert.deepEqual([o.state, o.rawStatus], ['undelivered', 'UNDELIVERED']);

  // A report for an id the gateway never gave is accepted and changes nothing.
  assert.deepEqual((await report(org.sms, 'sbx-00000000-0000-0000-0000-000000000000', 'delivered')).body, {
    accepted: 1,
    changed: 0,
  });
});

test('a report with a bad or missing signature is refused with 401 and changes nothing', async () => {
  const org = await newOrg('ООО «Подписи»');
  const [m] = await submittedMessages(org, 1);
  const raw = JSON.stringify({ id: m!.providerMessageId, status: 'delivered' });
  const good = signSandboxBody(org.sms.callbackSecret, raw);
  const flipped = `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`;
  const neighbour = await newOrg('ООО «Соседний шлюз»');

  const attempts: [string, string | undefined, string][] = [
    ['missing', undefined, raw],
    ['empty', '', raw],
    ['one character changed', flipped, raw],
    ['too short', good.slice(0, 32), raw],
    ['upper case', good.toUpperCase(), raw],
    ["another gateway's secret", signSandboxBody(neighbour.sms.callbackSecret, raw), raw],
    // Signed over other bytes than those sent: the same JSON, re-spaced.
    ['other bytes', good, JSON.stringify(JSON.parse(raw), null, 2)],
  ];
  for (const [what, signature, body] of attempts) {
    const r = await postCallback(org.sms.id, body, signature);
    assert.equal(r.status, 401, `${what}: ${r.text}`);
    assert.deepEqual(r.body, { error: { code: 'bad_callback', message: 'bad or missing signature' } }, what);
  }
  const still = await org.message(m!.id);
  assert.equal(still.state, 'submitted');
  assert.equal(still.finalAt, null);

  // Signed, but not a report: refused as well.
  const notReport = JSON.stringify({ id: m!.providerMessageId, status: 'read' });
  const r = await postCallback(org.sms.id, notReport, signSandboxBody(org.sms.callbackSecret, notReport));
  assert.equal(r.status, 401, r.text);
  assert.equal(r.body.error.code, 'bad_callback');
  assert.match(r.body.error.message, /"status": "delivered" \| "undelivered"/);
  assert.equal((await org.message(m!.id)).state, 'submitted');

  // The right signature over the exact bytes, however they are spaced, is accepted.
  const spaced = `{ "status" : "delivered",\n  "id": ${JSON.stringify(m!.providerMessageId)} }`;
  const ok = await postCallback(org.sms.id, spaced, signSandboxBody(org.sms.callbackSecret, spaced));
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.body, { accepted: 1, changed: 1 });
  assert.equal((await org.message(m!.id)).state, 'delivered');
});

test('an unknown gateway is 404; the callback needs no key; a report reaches only its own gateway', async () => {
  const org = await newOrg('ООО «Шлюзы»');
  const raw = JSON.stringify({ id: 'sbx-x', status: 'delivered' });
  const unknown = await postCallback(999_999_999, raw, signSandboxBody('whatever', raw));
  assert.equal(unknown.status, 404, unknown.text);
  assert.deepEqual(unknown.body, { error: { code: 'not_found', message: 'no such gateway' } });
  const notAnId = await postCallback('abc', raw, 'x');
  assert.equal(notAnId.status, 400);
  assert.equal(notAnId.body.error.details[0].field, 'params.id');

  const [m] = await submittedMessages(org, 1);
  // Another organisation's gateway, with its own valid signature, cannot touch this message.
  const other = await newOrg('ООО «Чужой шлюз»');
  const foreign = await report(other.sms, m!.providerMessageId!, 'delivered');
  assert.equal(foreign.status, 200, foreign.text);
  assert.deepEqual(foreign.body, { accepted: 1, changed: 0 });
  // Nor can this organisation's e-mail gateway.
  const email = (await listGateways(api.db, org.id)).find((g) => g.channel === 'email')!;
  assert.deepEqual((await report(email, m!.providerMessageId!, 'delivered')).body, {
    accepted: 1,
    changed: 0,
  });
  assert.equal((await org.message(m!.id)).state, 'submitted');

  // No Authorization header at all, and none is needed; a stray one is not looked at.
  const body = JSON.stringify({ id: m!.providerMessageId, status: 'delivered' });
  const r = await api.call('POST', `/api/v1/callbacks/${org.sms.id}`, body, {
    key: 'vk_not-a-real-key',
    headers: {
      'content-type': 'application/json',
      'x-sandbox-signature': signSandboxBody(org.sms.callbackSecret, body),
    },
  });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { accepted: 1, changed: 1 });
  assert.equal((await org.message(m!.id)).state, 'delivered');
});

test('a campaign completes when the last of its messages is reported by callback', async () => {
  const org = await newOrg('СНТ «Отчёты по рассылке»');
  await updateGatewaySettings(api.db, org.id, org.sms.id, { callbacks: true, deliveryDelayMs: 5000 });
  for (let i = 0; i < 3; i++) {
    const c = await org.call('POST', '/api/v1/contacts', {
      firstName: `Ч${i}`,
      phone: `+7912004${1000 + i}`,
    });
    assert.equal(c.status, 201, c.text);
  }
  const c = await org.call('POST', '/api/v1/campaigns', {
    name: 'Собрание',
    channel: 'sms',
    textTemplate: 'Собрание в субботу',
    audience: { kind: 'all' },
  });
  assert.equal((await org.call('POST', `/api/v1/campaigns/${c.body.id}/launch`)).body.queued, 3);
  const dispatcher = await startDispatcher(api.db, {
    workers: 1,
    gateways: api.gateways,
    idlePollMs: 50,
    worker: { statusPollSeconds: 0.05 },
  });
  let messages: Msg[];
  try {
    messages = await waitFor(
      async () => {
        const r = await org.call('GET', `/api/v1/campaigns/${c.body.id}/messages`);
        return r.body.items.every((m: Msg) => m.state === 'submitted') ? (r.body.items as Msg[]) : undefined;
      },
      20_000,
      'all three submitted',
    );
  } finally {
    await dispatcher.stop();
  }
  assert.equal(messages.length, 3);
  for (const m of messages.slice(0, 2)) {
    assert.deepEqual((await report(org.sms, m.providerMessageId!, 'delivered')).body, {
      accepted: 1,
      changed: 1,
    });
  }
  const midway = await org.call('GET', `/api/v1/campaigns/${c.body.id}`);
  assert.equal(midway.body.state, 'sending');
  assert.deepEqual(midway.body.counts, { delivered: 2, submitted: 1 });
  assert.deepEqual((await report(org.sms, messages[2]!.providerMessageId!, 'undelivered')).body, {
    accepted: 1,
    changed: 1,
  });
  const done = await org.call('GET', `/api/v1/campaigns/${c.body.id}`);
  assert.equal(done.body.state, 'completed');
  assert.notEqual(done.body.finishedAt, null);
  assert.deepEqual(done.body.counts, { delivered: 2, undelivered: 1 });
});

test('the real path: the sandbox posts its signed reports to the listening server, and the campaign completes', async () => {
  const port = await freePort();
  const config = loadConfig({ PORT: String(port), VESTNIK_DEMO: '0' });
  assert.equal(config.publicUrl, `http://127.0.0.1:${port}`);
  const pool = new GatewayPool(api.db, config.publicUrl);
  const app = await buildServer({ db: api.db, config, gateways: pool, version: 'test' });
  // What the provider's callbacks got back, as it would see it.
  const answers: { status: number; body: string }[] = [];
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.url.startsWith('/api/v1/callbacks/'))
      answers.push({ status: reply.statusCode, body: String(payload) });
    return payload;
  });
  await app.listen({ host: '127.0.0.1', port });
  const org = await newOrg('СНТ «Настоящие колбэки»');
  let dispatcher: Awaited<ReturnType<typeof startDispatcher>> | undefined;
  try {
    const gateways = await org.call('GET', '/api/v1/gateways');
    assert.equal(gateways.status, 200);
    await updateGatewaySettings(api.db, org.id, org.sms.id, { callbacks: true, deliveryDelayMs: 50 });
    const contacts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await org.call('POST', '/api/v1/contacts', {
        firstName: `Р${i}`,
        phone: `+7912005${1000 + i}`,
      });
      contacts.push(c.body.id);
    }
    const c = await org.call('POST', '/api/v1/campaigns', {
      name: 'Отключение воды',
      channel: 'sms',
      textTemplate: '{{ contact.first_name }}, завтра отключат воду',
      audience: { kind: 'contacts', contactIds: contacts },
    });
    assert.equal(c.status, 201, c.text);
    const launch = await org.call('POST', `/api/v1/campaigns/${c.body.id}/launch`);
    assert.equal(launch.status, 200, launch.text);
    assert.deepEqual([launch.body.queued, launch.body.excluded, launch.body.completed], [5, 0, false]);
    dispatcher = await startDispatcher(api.db, {
      workers: 2,
      gateways: pool,
      idlePollMs: 50,
      worker: { statusPollSeconds: 0.05 },
    });
    const done = await waitFor(
      async () => {
        const r = await org.call('GET', `/api/v1/campaigns/${c.body.id}`);
        return r.body.state === 'completed' ? r.body : undefined;
      },
      20_000,
      'the campaign to complete by callbacks',
    );
    assert.deepEqual(done.counts, { delivered: 5 });
    const rows = (await org.call('GET', `/api/v1/campaigns/${c.body.id}/messages`)).body.items as Msg[];
    for (const m of rows) {
      assert.equal(m.state, 'delivered');
      assert.equal(m.rawStatus, 'DELIVERED');
      assert.match(m.providerMessageId ?? '', /^sbx-/);
    }
    // Every delivery was applied by a callback: polling is off when the gateway calls back.
    const mine = answers.filter((a) => a.status === 200);
    assert.equal(mine.length, answers.length, JSON.stringify(answers));
    const changed = mine.reduce((n, a) => n + (JSON.parse(a.body) as { changed: number }).changed, 0);
    assert.equal(changed, 5, JSON.stringify(answers));
  } finally {
    await dispatcher?.stop();
    await app.close();
    await pool.close();
  }
});

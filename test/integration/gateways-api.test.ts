/**
 * Real gateways configured through the API and the command line, end to end: credentials stored
 * sealed and never returned, settings checked by the gateway (the setting named), edits, the
 * configuration check, and a message sent through SMS Aero's and Kannel's local test servers by a
 * running dispatcher — SMS Aero's report polled, Kannel's delivered by GET to the callback URL.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, test } from 'node:test';
import { bufferIO } from '../../src/cli/io.ts';
import { runProgram } from '../../src/cli/program.ts';
import { gatewaySecretContext, SecretBox } from '../../src/core/secrets.ts';
import { startDispatcher } from '../../src/dispatch/dispatcher.ts';
import { GatewayPool } from '../../src/dispatch/gatewayPool.ts';
import { createApiKey } from '../../src/services/accounts.ts';
import { addGateway, editGateway, testGateway } from '../../src/services/gateways.ts';
import { countMessagesByState, getCampaign } from '../../src/store/campaigns.ts';
import { insertContact } from '../../src/store/contacts.ts';
import { findGateway, listGateways } from '../../src/store/gateways.ts';
import { createTestApi } from '../helpers/api.ts';
import { waitFor } from '../helpers/db.ts';
import { type FakeProvider, type Recorded, type Reply, startFakeProvider } from '../helpers/fakeHttp.ts';

const api = await createTestApi();
let nextAeroId = 7000;
const aeroStates = new Map<number, number>();
/** SMS Aero: accepts every send (status 0, queued); reports status 1 (delivered) when asked. */
const aero: FakeProvider = await startFakeProvider((r: Recorded): Reply => {
  if (r.headers.authorization !== `Basic ${Buffer.from('chair@garden.ru:AK-2').toString('base64')}`)
    return { status: 401, body: '{"success":false,"data":null,"message":"Unauthorized"}' };
  if (r.path === '/v2/balance') return { status: 200, body: '{"success":true,"data":{"balance":150.5}}' };
  if (r.path === '/v2/sms/status') {
    const { id } = JSON.parse(r.body) as { id: number };
    return {
      status: 200,
      body: JSON.stringify({
        success: true,
        data: { id, status: aeroStates.get(id) ?? 1, extendStatus: 'delivery' },
      }),
    };
  }
  const b = JSON.parse(r.body) as { number: string; text: string };
  const id = nextAeroId++;
  return {
    status: 200,
    body: JSON.stringify({
      success: true,
      data: { id, number: b.number, text: b.text, status: 0, extendStatus: 'queue', cost: 0.3 },
    }),
  };
});
const kannel: FakeProvider = await startFakeProvider({ status: 202, body: '0: Accepted for delivery' });
/** SMSC: accepts every send under the id it was given; reports every asked message delivered. */
const smsc: FakeProvider = await startFakeProvider((r: Recorded): Reply => {
  if (r.form.get('login') !== 'garden' || r.form.get('psw') !== 'pw-2')
    return { status: 200, body: '{"error":"authorise error","error_code":2}' };
  if (r.path === '/sys/balance.php') return { status: 200, body: '{"balance":"512.00"}' };
  if (r.path === '/sys/send.php')
    return { status: 200, body: JSON.stringify({ id: Number(r.form.get('id')), cnt: 1, cost: '1.65' }) };
  const ids = r.form.get('id')!.split(',').filter(Boolean);
  const phones = r.form.get('phone')!.split(',').filter(Boolean);
  return {
    status: 200,
    body: JSON.stringify(ids.map((id, k) => ({ id: Number(id), phone: phones[k], status: 1, err: 0 }))),
  };
});
after(async () => {
  await aero.close();
  await kannel.close();
  await smsc.close();
});

async function newOrg(name: string) {
  const org = await api.addOrg(name);
  const call = (method: string, url: string, body?: unknown) => api.call(method, url, body, { key: org.key });
  // The sandbox SMS gateway every organisation starts with is switched off, so ours is the primary.
  const sandbox = (await listGateways(api.db, org.id)).find((g) => g.channel === 'sms')!;
  const off = await call('PATCH', `/api/v1/gateways/${sandbox.id}`, { enabled: false });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.body.enabled, false);
  return { ...org, call };
}

async function deliver(
  org: { call: (m: string, u: string, b?: unknown) => Promise<{ status: number; body: any; text: string }> },
  to: string,
  text: string,
) {
  const sent = await org.call('POST', '/api/v1/messages', { to, text });
  assert.equal(sent.status, 201, sent.text);
  return sent.body.id as number;
}

test('API: add a gateway — credentials sealed and never returned, the setting at fault named, names unique', async () => {
  const org = await newOrg('СНТ «Роща»');
  const bad = await org.call('POST', '/api/v1/gateways', {
    name: 'aero',
    kind: 'smsaero',
    settings: { apiKey: 'x' },
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.details[0].field, 'settings.email');
  const unknown = await org.call('POST', '/api/v1/gateways', { name: 'x', kind: 'pigeon', settings: {} });
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.error.message, /unknown gateway kind pigeon/);

  const r = await org.call('POST', '/api/v1/gateways', {
    name: 'aero',
    kind: 'smsaero',
    priority: 5,
    ratePerSecond: 20,
    settings: { email: 'chair@garden.ru', apiKey: 'AK-1', sender: 'SNT-Roshcha', url: `${aero.url}/v2` },
  });
  assert.equal(r.status, 201, r.text);
  assert.doesNotMatch(r.text, /AK-1/);
  assert.deepEqual(
    { ...r.body, id: 0, callbackUrl: '' },
    {
      id: 0,
      name: 'aero',
      kind: 'smsaero',
      channel: 'sms',
      priority: 5,
      enabled: true,
      ratePerSecond: 20,
      settings: { email: 'chair@garden.ru', sender: 'SNT-Roshcha', url: `${aero.url}/v2` },
      secrets: ['apiKey'],
      callbackUrl: '',
    },
  );
  const { rows } = await api.db.query<{ settings: unknown; secrets: string }>(
    'SELECT settings, secrets FROM gateways WHERE id = $1',
    [r.body.id],
  );
  assert.doesNotMatch(JSON.stringify(rows[0]), /AK-1/, 'not in the database in the clear');
  assert.match(rows[0]!.secrets, /^v1\./);
  const list = await org.call('GET', '/api/v1/gateways');
  assert.doesNotMatch(list.text, /AK-1/);
  const dup = await org.call('POST', '/api/v1/gateways', {
    name: 'aero',
    kind: 'kannel',
    settings: { url: 'http://k', username: 'u', password: 'p' },
  });
  assert.equal(dup.status, 409);

  // A viewer may see gateways but not change them.
  const viewer = await createApiKey(api.db, { orgId: org.id, name: 'v', role: 'viewer', createdBy: null });
  assert.ok(viewer.ok);
  const denied = await api.call(
    'PATCH',
    `/api/v1/gateways/${r.body.id}`,
    { enabled: false },
    { key: viewer.value.secret },
  );
  assert.equal(denied.status, 403);

  // Edit: a wrong key first — the check says so — then the right one; other settings stay.
  const test1 = await org.call('POST', `/api/v1/gateways/${r.body.id}/test`);
  assert.equal(test1.status, 200);
  assert.equal(test1.body.ok, false);
  assert.match(test1.body.message, /answered HTTP 401: the provider refused the credentials/);
  const edited = await org.call('PATCH', `/api/v1/gateways/${r.body.id}`, {
    priority: -1,
    ratePerSecond: null,
    settings: { apiKey: 'AK-2', sender: null },
  });
  assert.equal(edited.status, 200, edited.text);
  assert.equal(edited.body.priority, -1);
  assert.equal(edited.body.ratePerSecond, null);
  assert.deepEqual(edited.body.settings, { email: 'chair@garden.ru', url: `${aero.url}/v2` });
  assert.deepEqual(edited.body.secrets, ['apiKey']);
  const badEdit = await org.call('PATCH', `/api/v1/gateways/${r.body.id}`, { settings: { url: 'nowhere' } });
  assert.equal(badEdit.status, 400);
  assert.equal(badEdit.body.error.details[0].field, 'settings.url');
  const test2 = await org.call('POST', `/api/v1/gateways/${r.body.id}/test`);
  assert.deepEqual(test2.body, {
    ok: true,
    checked: 'balance',
    message: 'balance 150.50 ₽ — the credentials work',
  });
});

test('a message goes out through SMS Aero with the sealed key and comes back delivered by polling', async () => {
  const org = await newOrg('СНТ «Полянка»');
  const added = await org.call('POST', '/api/v1/gateways', {
    name: 'aero',
    kind: 'smsaero',
    settings: { email: 'chair@garden.ru', apiKey: 'AK-2', url: `${aero.url}/v2` },
  });
  assert.equal(added.status, 201, added.text);
  const id = await deliver(org, '8 (912) 111-22-33', 'Собрание в субботу');
  const dispatcher = await startDispatcher(api.db, {
    workers: 1,
    gateways: api.gateways,
    idlePollMs: 20,
    worker: { statusPollSeconds: 0.05 },
  });
  try {
    const done = await waitFor(
      async () => {
        const m = (await org.call('GET', `/api/v1/messages/${id}`)).body;
        return m.state === 'delivered' ? m : undefined;
      },
      15_000,
      'delivery through SMS Aero',
    );
    assert.equal(done.gatewayId, added.body.id);
    assert.match(done.providerMessageId, /^\d+$/);
  } finally {
    await dispatcher.stop();
  }
  const send = aero.requests.find((r) => r.path === '/v2/sms/send' && r.body.includes('79121112233'))!;
  assert.deepEqual(JSON.parse(send.body), {
    number: '79121112233',
    sign: 'SMS Aero',
    text: 'Собрание в субботу',
  });
});

test('a message goes out through Kannel and its report comes back by GET to the callback URL', async () => {
  const org = await newOrg('ТСЖ «Дом»');
  const added = await org.call('POST', '/api/v1/gateways', {
    name: 'kannel',
    kind: 'kannel',
    settings: { url: kannel.url, username: 'vestnik', password: 'kpass', sender: 'TSZH' },
  });
  assert.equal(added.status, 201, added.text);
  assert.deepEqual(added.body.secrets, ['password']);
  const id = await deliver(org, '+79123334455', 'Отключение воды 10–14');
  const dispatcher = await startDispatcher(api.db, { workers: 1, gateways: api.gateways, idlePollMs: 20 });
  let dlrUrl: string;
  try {
    const req = await waitFor(
      async () => kannel.requests.find((r) => r.query.get('to') === '79123334455'),
      15_000,
      'the sendsms request',
    );
    assert.equal(req.query.get('password'), 'kpass', 'the sealed password opened for the request');
    assert.equal(req.query.get('coding'), '2');
    dlrUrl = req.query.get('dlr-url')!;
    await waitFor(
      async () => (await org.call('GET', `/api/v1/messages/${id}`)).body.state === 'submitted' || undefined,
      15_000,
      'submitted',
    );
  } finally {
    await dispatcher.stop();
  }
  assert.ok(dlrUrl.startsWith(`${added.body.callbackUrl}?m=${id}&t=`), dlrUrl);
  // What Kannel does with the dlr-url: fills in the escapes and calls it by GET.
  const report = new URL(
    dlrUrl
      .replace('%d', '1')
      .replace('%A', encodeURIComponent('id:9 sub:001 dlvrd:001 stat:DELIVRD err:000'))
      .replace('%T', '1700000000'),
  );
  const forged = await api.call(
    'GET',
    `${report.pathname}${report.search.replace(/t=[^&]+/, 't=AAAAAAAAAAAAAAAAAAAAAA')}`,
    undefined,
    { key: null },
  );
  assert.equal(forged.status, 401);
  const r = await api.call('GET', `${report.pathname}${report.search}`, undefined, { key: null });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { accepted: 1, changed: 1 });
  const m = (await org.call('GET', `/api/v1/messages/${id}`)).body;
  assert.equal(m.state, 'delivered');
});

test('the command line: gateway add, list, set and test', async () => {
  const org = await api.addOrg('СНТ «Командная строка»');
  const run = async (...argv: string[]) => {
    const io = bufferIO();
    const code = await runProgram({ config: api.config, io, serverDb: api.db }, [
      ...argv,
      '--org',
      String(org.id),
    ]);
    return { code, out: io.stdout, err: io.stderr };
  };
  const add = await run(
    'gateway',
    'add',
    'smsc',
    '--kind',
    'smsc',
    '--set',
    'login=garden',
    '--set',
    'password=pw-1',
    '--set',
    `url=${aero.url}`,
    '--set',
    'timeoutMs:=2000',
  );
  assert.equal(add.code, 0, add.err);
  assert.match(add.out, /Gateway \d+ «smsc»: smsc, sms, priority 0, enabled, no rate limit/);
  assert.match(add.out, /credentials set: password/);
  assert.doesNotMatch(add.out, /pw-1/);
  const bad = await run(
    'gateway',
    'add',
    'k',
    '--kind',
    'kannel',
    '--set',
    'url=http://k:13013',
    '--set',
    'username=u',
  );
  assert.equal(bad.code, 1);
  assert.match(bad.err, /settings\.password: password is required/);

  const set = await run(
    'gateway',
    'set',
    'smsc',
    '--disable',
    '--rate',
    '5',
    '--priority',
    '3',
    '--set',
    'sender=SNT',
  );
  assert.equal(set.code, 0, set.err);
  assert.match(set.out, /priority 3, disabled, 5\/s/);
  const row = (await findGateway(api.db, org.id, 'smsc'))!;
  assert.deepEqual(row.settings, { login: 'garden', url: aero.url, timeoutMs: 2000, sender: 'SNT' });

  const list = await run('gateway', 'list', '--json');
  const views = JSON.parse(list.out) as { name: string; secrets: string[] }[];
  assert.deepEqual(views.find((v) => v.name === 'smsc')!.secrets, ['password']);
  assert.doesNotMatch(list.out, /pw-1/);

  // The SMS Aero server answers 404 for SMSC's balance.php: the check fails and says where.
  const t = await run('gateway', 'test', 'smsc');
  assert.equal(t.code, 1);
  assert.match(t.err, /gateway «smsc» does not work: .*\/sys\/balance\.php/);
  await run('gateway', 'set', 'smsc', '--set', 'url=http://127.0.0.1:1');
  const dead = await run('gateway', 'test', 'smsc');
  assert.match(dead.err, /http:\/\/127\.0\.0\.1:1\/sys\/balance\.php: connection refused/);
  const missing = await run('gateway', 'test', 'nope');
  assert.match(missing.err, /no gateway nope/);
});

test('the command line: a campaign through SMSC.ru, from gateway add to completed', async () => {
  const org = await api.addOrg('СНТ «Рассылка»');
  for (let i = 0; i < 3; i++)
    assert.equal(
      typeof (await insertContact(api.db, org.id, { firstName: `Член${i}`, phone: `+7912555000${i}` })),
      'object',
    );
  const run = async (...argv: string[]) => {
    const io = bufferIO();
    const code = await runProgram({ config: api.config, io, serverDb: api.db }, [
      ...argv,
      '--org',
      String(org.id),
    ]);
    assert.equal(code, 0, `${argv.join(' ')}: ${io.stderr}`);
    return io.stdout;
  };
  await run(
    'gateway',
    'add',
    'smsc',
    '--kind',
    'smsc',
    '--set',
    'login=garden',
    '--set',
    'password=pw-2',
    '--set',
    `url=${smsc.url}`,
    '--set',
    'sender=SNT',
  );
  assert.match(
    await run('gateway', 'test', 'smsc'),
    /Gateway «smsc»: OK — balance 512\.00 ₽ — the credentials work/,
  );
  await run('gateway', 'set', 'sandbox-sms', '--disable');
  const created = await run(
    'campaign',
    'create',
    '--name',
    'Собрание',
    '--text',
    'Собрание членов СНТ в субботу в 10:00',
  );
  const campaignId = Number(/Created campaign (\d+)/.exec(created)![1]);
  assert.match(await run('campaign', 'launch', String(campaignId)), /3 queued/);
  const dispatcher = await startDispatcher(api.db, {
    workers: 1,
    gateways: api.gateways,
    idlePollMs: 20,
    worker: { statusPollSeconds: 0.05 },
  });
  try {
    await waitFor(
      async () => (await getCampaign(api.db, org.id, campaignId))?.state === 'completed' || undefined,
      15_000,
      'the campaign completed',
    );
  } finally {
    await dispatcher.stop();
  }
  assert.deepEqual(await countMessagesByState(api.db, org.id, campaignId), { delivered: 3 });
  const sends = smsc.requests.filter(
    (r) => r.path === '/sys/send.php' && r.form.get('phones')?.startsWith('7912555'),
  );
  assert.equal(sends.length, 3);
  assert.ok(
    sends.every(
      (r) => r.form.get('mes') === 'Собрание членов СНТ в субботу в 10:00' && r.form.get('sender') === 'SNT',
    ),
  );
  assert.ok(
    smsc.requests.some((r) => r.path === '/sys/status.php'),
    'reports were polled',
  );
});

test('after a key change: the check says which key sealed the credentials; giving them again reseals them', async () => {
  const org = await api.addOrg('СНТ «Новый ключ»');
  const oldBox = SecretBox.fromKey(crypto.randomBytes(32));
  const newBox = SecretBox.fromKey(crypto.randomBytes(32));
  const added = await addGateway(api.db, oldBox, org.id, {
    name: 'aero',
    kind: 'smsaero',
    settings: { email: 'chair@garden.ru', apiKey: 'AK-2', url: `${aero.url}/v2` },
  });
  assert.ok(added.ok);
  const check = await testGateway(added.value, newBox, api.config.publicUrl);
  assert.equal(check.ok, false);
  assert.match(
    check.message,
    new RegExp(`sealed with key ${oldBox.keyId}, but VESTNIK_SECRET_KEY is key ${newBox.keyId}`),
  );
  // A worker with the other key: the gateway's sends are retryable with the reason, not rejected.
  const pool = new GatewayPool(api.db, api.config.publicUrl, undefined, newBox);
  const [out] = await (await pool.get(added.value.id)).send([
    { id: 1, channel: 'sms', address: '+79120000000', subject: null, body: 'x', sender: null },
  ]);
  await pool.close();
  assert.equal(out!.kind, 'retryable');
  assert.equal((out as { rawStatus: string }).rawStatus, 'CREDENTIALS');
  assert.match(
    (out as { reason: string }).reason,
    /credentials of gateway «aero» do not open: .*VESTNIK_SECRET_KEY/,
  );
  const partial = await editGateway(api.db, newBox, org.id, 'aero', { settings: { sender: 'SNT' } });
  assert.ok(!partial.ok);
  assert.equal(partial.problem.field, 'settings.apiKey');
  const again = await editGateway(api.db, newBox, org.id, 'aero', { settings: { apiKey: 'AK-2' } });
  assert.ok(again.ok);
  assert.deepEqual(newBox.open(again.value.secrets!, gatewaySecretContext(added.value.id)), {
    apiKey: 'AK-2',
  });
  assert.equal((await testGateway(again.value, newBox, api.config.publicUrl)).ok, true);
});

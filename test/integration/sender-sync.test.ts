/**
 * Sender names taken from SMS Aero (issue 8, CT-5): `vestnik sender sync GATEWAY` run in-process
 * against SMS Aero's local test server answering `sign/list`, the registry brought in line (new names
 * added, a name approved by hand but still on moderation at SMS Aero back to «requested», names SMS
 * Aero does not list left alone), then a campaign with the synced approved name launched and one
 * with the pending name refused. The API's `POST /api/v1/gateways/{id}/senders/sync`: the same
 * report, gateways.manage required, a gateway without the capability and a provider error said so.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { bufferIO } from '../../src/cli/io.ts';
import { runProgram } from '../../src/cli/program.ts';
import { createApiKey } from '../../src/services/accounts.ts';
import { insertContact } from '../../src/store/contacts.ts';
import { findGateway } from '../../src/store/gateways.ts';
import { listSenders } from '../../src/store/senders.ts';
import { createTestApi } from '../helpers/api.ts';
import { type Recorded, type Reply, startFakeProvider } from '../helpers/fakeHttp.ts';

const api = await createTestApi();
const AUTH = `Basic ${Buffer.from('chair@snt.ru:AK-signs').toString('base64')}`;
const op = (operator: number, extendOperator: string, status: number, extendStatus: string) => ({
  operator,
  extendOperator,
  status,
  extendStatus,
});
/** SMS Aero's account: three names — approved for MegaFon only, on moderation, refused. */
const INITIAL: Record<string, unknown> = {
  totalCount: '3',
  0: {
    id: 11,
    name: 'ERP.travel',
    status: 0,
    extendStatus: 'moderation',
    statusOperators: { 1: op(1, 'MEGAFON', 1, 'approve'), 4: op(4, 'MTS', 0, 'moderation') },
  },
  1: {
    id: 12,
    name: 'Sadovod',
    status: 0,
    extendStatus: 'moderation',
    statusOperators: { 1: op(1, 'MEGAFON', 0, 'moderation') },
  },
  2: { id: 13, name: 'Spam', status: 2, extendStatus: 'reject' },
};
let signs = INITIAL;
let failNext = false;
const aero = await startFakeProvider((r: Recorded): Reply => {
  if (r.headers.authorization !== AUTH) return { status: 401, body: '{"success":false,"message":"no"}' };
  if (r.path === '/v2/balance') return { status: 200, body: '{"success":true,"data":{"balance":10}}' };
  if (r.path === '/v2/sign/list') {
    if (failNext) {
      failNext = false;
      return { status: 503, body: 'Service Unavailable' };
    }
    return { status: 200, body: JSON.stringify({ success: true, data: signs, message: null }) };
  }
  return { status: 404, body: '{"success":false,"message":"not here"}' };
});
after(() => aero.close());

async function setUp(name: string) {
  const org = await api.addOrg(name);
  for (const phone of ['+79125550201', '+79125550202'])
    assert.equal(typeof (await insertContact(api.db, org.id, { firstName: 'Анна', phone })), 'object');
  /** `vestnik … --org ID` in-process: exit code and output. */
  const run = async (...argv: string[]) => {
    const io = bufferIO();
    const code = await runProgram({ config: api.config, io, serverDb: api.db }, [
      ...argv,
      '--org',
      String(org.id),
    ]);
    return { code, out: io.stdout, err: io.stderr };
  };
  const ok = async (...argv: string[]) => {
    const r = await run(...argv);
    assert.equal(r.code, 0, `vestnik ${argv.join(' ')}: ${r.err}`);
    return r.out;
  };
  await ok(
    'gateway',
    'add',
    'aero',
    '--kind',
    'smsaero',
    ...['--set', 'email=chair@snt.ru', '--set', 'apiKey=AK-signs', '--set', `url=${aero.url}/v2`],
  );
  await ok('gateway', 'set', 'sandbox-sms', '--disable');
  const gateway = (await findGateway(api.db, org.id, 'aero'))!;
  return { org, run, ok, gateway };
}

const registry = async (orgId: number, gatewayId: number) =>
  Object.fromEntries(
    (await listSenders(api.db, orgId)).filter((s) => s.gatewayId === gatewayId).map((s) => [s.name, s.state]),
  );

test('sender sync from the command line: the registry follows SMS Aero, and only the approved name launches', async () => {
  signs = INITIAL;
  const { org, run, ok, gateway } = await setUp('СНТ «Подписи»');
  // Registered and approved by hand before the sync; SMS Aero still has it on moderation.
  assert.match(await ok('sender', 'add', '--name', 'Sadovod', '--gateway', String(gateway.id)), /requested/);
  const id = (await listSenders(api.db, org.id)).find((s) => s.name === 'Sadovod')!.id;
  assert.match(await ok('sender', 'approve', String(id)), /Sadovod: approved/);
  // Known only to Vestnik: left as it is, and said.
  await ok('sender', 'add', '--name', 'Local', '--gateway', String(gateway.id));

  aero.requests.length = 0;
  const out = await ok('sender', 'sync', 'aero');
  assert.deepEqual(
    aero.requests.map((r) => [r.method, r.rawUrl, r.headers.authorization]),
    [['POST', '/v2/sign/list', AUTH]],
  );
  assert.equal(
    out,
    [
      'Gateway «aero» (smsaero): 3 sender names listed, 3 changed',
      '  ERP.travel: new → approved (0:moderation [MEGAFON 1:approve, MTS 0:moderation])',
      '  Sadovod: approved → requested (0:moderation [MEGAFON 0:moderation])',
      '  Spam: new → rejected (2:reject)',
      '  not listed by the gateway, left as they are: Local',
      '',
    ].join('\n'),
  );
  assert.deepEqual(await registry(org.id, gateway.id), {
    'ERP.travel': 'approved',
    Local: 'requested',
    Sadovod: 'requested',
    Spam: 'rejected',
  });
  assert.match(
    await ok('sender', 'list'),
    /ERP\.travel\tapproved\tsmsaero: 0:moderation \[MEGAFON 1:approve/,
  );
  // Run again: nothing changes.
  assert.match(await ok('sender', 'sync', 'aero'), /3 sender names listed, 0 changed\n {2}not listed/);

  const create = async (sender: string) => {
    const o = await ok(
      'campaign',
      'create',
      '--name',
      `С ${sender}`,
      '--text',
      'Собрание в субботу',
      '--sender',
      sender,
    );
    return String(/Created campaign (\d+)/.exec(o)?.[1]);
  };
  assert.match(await ok('campaign', 'launch', await create('ERP.travel')), /: 2 queued, 0 excluded/);
  const refused = await run('campaign', 'launch', await create('Sadovod'));
  assert.equal(refused.code, 1);
  assert.match(refused.err, /sender name Sadovod is requested with gateway aero/);
  const rejected = await run('campaign', 'launch', await create('Spam'));
  assert.equal(rejected.code, 1);
  assert.match(rejected.err, /sender name Spam is rejected with gateway aero/);

  // SMS Aero approves Sadovod for MegaFon: the next sync says so, and the campaign launches.
  signs = {
    ...signs,
    1: {
      id: 12,
      name: 'Sadovod',
      status: 0,
      extendStatus: 'moderation',
      statusOperators: [op(1, 'MEGAFON', 1, 'approve')],
    },
  };
  assert.match(await ok('sender', 'sync', 'aero'), /Sadovod: requested → approved/);
  assert.match(await ok('campaign', 'launch', await create('Sadovod')), /: 2 queued, 0 excluded/);

  // A gateway without the capability, an unknown gateway, and SMS Aero failing: each said clearly.
  const sandbox = await run('sender', 'sync', 'sandbox-sms');
  assert.equal(sandbox.code, 1);
  assert.match(
    sandbox.err,
    /gateway sandbox-sms \(sandbox\) cannot list sender names; add them with vestnik sender add/,
  );
  const none = await run('sender', 'sync', 'nowhere');
  assert.equal(none.code, 1);
  assert.match(none.err, /no gateway nowhere/);
  failNext = true;
  const down = await run('sender', 'sync', 'aero');
  assert.equal(down.code, 1);
  assert.match(down.err, /gateway aero \(smsaero\) did not give its sender names: .*sign\/list: HTTP 503/);
});

test('POST /api/v1/gateways/{id}/senders/sync: the report, gateways.manage required, no capability said', async () => {
  signs = INITIAL;
  const { org, gateway } = await setUp('СНТ «Подписи API»');
  const call = (method: string, url: string, key = org.key) => api.call(method, url, undefined, { key });
  const viewer = await createApiKey(api.db, { orgId: org.id, name: 'v', role: 'viewer', createdBy: null });
  assert.ok(viewer.ok);
  assert.equal(
    (await call('POST', `/api/v1/gateways/${gateway.id}/senders/sync`, viewer.value.secret)).status,
    403,
  );

  const r = await call('POST', `/api/v1/gateways/${gateway.id}/senders/sync`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.gateway, { id: gateway.id, name: 'aero', kind: 'smsaero' });
  assert.equal(r.body.total, 3);
  assert.deepEqual(
    r.body.changes.map((c: { name: string; before: string | null; after: string }) => [
      c.name,
      c.before,
      c.after,
    ]),
    [
      ['ERP.travel', null, 'approved'],
      ['Sadovod', null, 'requested'],
      ['Spam', null, 'rejected'],
    ],
  );
  assert.deepEqual(r.body.unknownToProvider, []);
  const listed = await call('GET', '/api/v1/senders');
  assert.deepEqual(
    listed.body.items.map((s: { name: string; state: string }) => `${s.name}:${s.state}`),
    ['ERP.travel:approved', 'Sadovod:requested', 'Spam:rejected'],
  );

  const sandbox = (await findGateway(api.db, org.id, 'sandbox-sms'))!;
  const no = await call('POST', `/api/v1/gateways/${sandbox.id}/senders/sync`);
  assert.equal(no.status, 400);
  assert.equal(no.body.error.code, 'not_supported');
  assert.match(no.body.error.message, /cannot list sender names; add them with vestnik sender add/);
  assert.equal((await call('POST', '/api/v1/gateways/999999/senders/sync')).status, 404);
  failNext = true;
  const down = await call('POST', `/api/v1/gateways/${gateway.id}/senders/sync`);
  assert.equal(down.status, 502);
  assert.equal(down.body.error.code, 'gateway_error');
});

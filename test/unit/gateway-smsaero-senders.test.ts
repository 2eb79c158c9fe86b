/**
 * SMS Aero's sender names against a local server speaking its API v2: the exact request
 * (`POST /v2/sign/list`, Basic email:apiKey, then `?page=2`), each status mapped (approved as a whole
 * or for one operator, on moderation, refused as a whole or by every operator, an unknown word), the
 * raw status kept, and the errors (bad credentials, `success: false`, 5xx, malformed JSON).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createSmsAeroGateway } from '../../src/providers/smsaero.ts';
import { mapSmsAeroSign } from '../../src/providers/smsaeroSigns.ts';
import { type FakeProvider, startFakeProvider } from '../helpers/fakeHttp.ts';

let fake: FakeProvider;
before(async () => {
  fake = await startFakeProvider({ status: 500, body: 'no reply set' });
});
after(() => fake.close());

const gateway = () =>
  createSmsAeroGateway({
    gatewayId: 1,
    channel: 'sms',
    settings: { url: `${fake.url}/v2`, email: 'chair@garden.ru', apiKey: 'AK-123', timeoutMs: 300 },
    callbackUrl: '',
    callbackSecret: '',
  });

const op = (operator: number, extendOperator: string, status: number, extendStatus: string) => ({
  operator,
  extendOperator,
  status,
  extendStatus,
});
const ok = (data: unknown) => ({ status: 200, body: JSON.stringify({ success: true, data, message: null }) });
function reset() {
  fake.requests.length = 0;
  fake.replies.length = 0;
}

test('sign/list: the exact request, two pages, each status mapped and the raw status kept', async () => {
  reset();
  fake.replies.push(
    ok({
      totalCount: '4',
      links: { self: '/v2/sign/list?page=1', next: '/v2/sign/list?page=2' },
      0: {
        id: 1,
        name: 'ERP.travel',
        status: 1,
        extendStatus: 'approve',
        statusOperators: { 1: op(1, 'MEGAFON', 1, 'approve'), 4: op(4, 'MTS', 1, 'approve') },
      },
      1: {
        id: 2,
        name: 'SNT',
        status: 0,
        extendStatus: 'moderation',
        statusOperators: { 1: op(1, 'MEGAFON', 0, 'moderation'), 4: op(4, 'MTS', 1, 'approve') },
      },
    }),
    ok({
      totalCount: '4',
      links: { self: '/v2/sign/list?page=2' },
      0: {
        id: 3,
        name: 'Sadovod',
        status: 0,
        extendStatus: 'moderation',
        statusOperators: { 1: op(1, 'MEGAFON', 0, 'moderation') },
      },
      1: { id: 4, name: 'Spam', status: 2, extendStatus: 'reject', statusOperators: {} },
    }),
  );
  const names = await gateway().senderNames!();
  assert.equal(fake.requests.length, 2);
  for (const r of fake.requests) {
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/v2/sign/list');
    assert.equal(
      r.headers.authorization,
      `Basic ${Buffer.from('chair@garden.ru:AK-123').toString('base64')}`,
    );
    assert.equal(r.headers['content-type'], 'application/json');
  }
  assert.equal(fake.requests[0]!.rawUrl, '/v2/sign/list');
  assert.equal(fake.requests[1]!.rawUrl, '/v2/sign/list?page=2');
  assert.deepEqual(names, [
    { name: 'ERP.travel', state: 'approved', raw: '1:approve [MEGAFON 1:approve, MTS 1:approve]' },
    // On moderation as a whole, but approved for MTS: it can be sent with.
    { name: 'SNT', state: 'approved', raw: '0:moderation [MEGAFON 0:moderation, MTS 1:approve]' },
    { name: 'Sadovod', state: 'pending', raw: '0:moderation [MEGAFON 0:moderation]' },
    { name: 'Spam', state: 'rejected', raw: '2:reject' },
  ]);
});

test('the mapping: active, refused by every operator, unknown words and bare numbers', () => {
  assert.equal(mapSmsAeroSign({ name: 'A', status: 1, extendStatus: 'active' })?.state, 'approved');
  assert.equal(
    mapSmsAeroSign({
      name: 'B',
      status: 0,
      extendStatus: 'moderation',
      statusOperators: [op(1, 'MEGAFON', 2, 'rejected'), op(5, 'BEELINE', 2, 'reject')],
    })?.state,
    'rejected',
  );
  // One operator refused, another still checking: not refused yet.
  assert.equal(
    mapSmsAeroSign({
      name: 'C',
      statusOperators: [op(1, 'MEGAFON', 2, 'reject'), op(5, 'BEELINE', 0, 'moderation')],
    })?.state,
    'pending',
  );
  // A word this code does not know never approves a name.
  assert.deepEqual(mapSmsAeroSign({ name: 'D', status: 1, extendStatus: 'paused' }), {
    name: 'D',
    state: 'pending',
    raw: '1:paused',
  });
  assert.equal(mapSmsAeroSign({ name: 'E', status: 1 })?.state, 'approved');
  assert.equal(mapSmsAeroSign({ name: 'F', status: 0 })?.state, 'pending');
  assert.equal(mapSmsAeroSign({ name: 'G' })?.state, 'pending');
  assert.equal(mapSmsAeroSign({ name: '  ', status: 1 }), null);
});

test('sign/list: an account without names; a page count from totalCount alone', async () => {
  reset();
  fake.replies.push(ok({ totalCount: '0' }));
  assert.deepEqual(await gateway().senderNames!(), []);
  assert.equal(fake.requests.length, 1);

  reset();
  fake.replies.push(
    ok({ totalCount: '2', 0: { name: 'One', status: 1, extendStatus: 'approve' } }),
    ok({ totalCount: '2', 0: { name: 'Two', status: 0, extendStatus: 'moderation' } }),
  );
  const names = await gateway().senderNames!();
  assert.deepEqual(
    names.map((n) => `${n.name}:${n.state}`),
    ['One:approved', 'Two:pending'],
  );
  assert.equal(fake.requests.length, 2);
});

test('sign/list errors: bad credentials name the settings; success false, 5xx and bad JSON say what came', async () => {
  reset();
  fake.replies.push({ status: 401, body: '{"success":false,"data":null,"message":"Unauthorized"}' });
  await assert.rejects(
    gateway().senderNames!(),
    /sign\/list: SMS Aero refused the credentials — check email and apiKey/,
  );
  fake.replies.push({ status: 200, body: '{"success":false,"data":null,"message":"Access denied"}' });
  await assert.rejects(gateway().senderNames!(), /sign\/list: HTTP 200 .*Access denied/);
  fake.replies.push({ status: 503, body: 'Service Unavailable' });
  await assert.rejects(gateway().senderNames!(), /sign\/list: HTTP 503 Service Unavailable/);
  fake.replies.push({ status: 200, body: '{"success":tru' });
  await assert.rejects(gateway().senderNames!(), /sign\/list: HTTP 200/);
});

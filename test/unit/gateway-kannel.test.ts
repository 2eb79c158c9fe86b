/**
 * The Kannel gateway against a local HTTP server speaking Kannel's `sendsms`: the exact request
 * (every query parameter, the UCS-2 text's UTF-16BE bytes, the dlr-url with Kannel's escapes), every
 * kind of answer mapped, the report Kannel would call back by GET parsed and its token checked, and
 * the credential check that sends nothing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createKannelGateway, kannelReportToken } from '../../src/providers/kannel.ts';
import { GatewaySettingsError, type OutgoingMessage } from '../../src/providers/provider.ts';
import { type FakeProvider, type Reply, startFakeProvider } from '../helpers/fakeHttp.ts';

let fake: FakeProvider;
before(async () => {
  fake = await startFakeProvider({ status: 202, body: '0: Accepted for delivery' });
});
after(() => fake.close());

const SECRET = 'callback-secret';
const CALLBACK = 'https://vestnik.example/api/v1/callbacks/7';
const gateway = (settings: Record<string, unknown> = {}) =>
  createKannelGateway({
    gatewayId: 7,
    channel: 'sms',
    settings: { url: fake.url, username: 'vestnik', password: 'p@ss&word', timeoutMs: 300, ...settings },
    callbackUrl: CALLBACK,
    callbackSecret: SECRET,
  });

const msg = (id: number, body: string, sender: string | null = null): OutgoingMessage => ({
  id,
  channel: 'sms',
  address: '+79123456789',
  subject: null,
  body,
  sender,
});

function reset() {
  fake.requests.length = 0;
  fake.replies.length = 0;
}

test('send: GSM text — every parameter of /cgi-bin/sendsms, coding=0, the dlr-url with escapes', async () => {
  reset();
  const [out] = await gateway({ sender: 'GARDEN', smsc: 'megafon' }).send([
    msg(501, 'Meeting on Saturday, 10:00 & tea'),
  ]);
  assert.deepEqual(out, {
    id: 501,
    kind: 'accepted',
    providerId: '501',
    rawStatus: '0: Accepted for delivery',
  });
  const r = fake.requests[0]!;
  assert.equal(r.method, 'GET');
  assert.equal(r.path, '/cgi-bin/sendsms');
  const q = Object.fromEntries(r.query);
  assert.deepEqual(q, {
    username: 'vestnik',
    password: 'p@ss&word',
    to: '79123456789',
    from: 'GARDEN',
    smsc: 'megafon',
    'dlr-mask': '31',
    'dlr-url': `${CALLBACK}?m=501&t=${kannelReportToken(SECRET, '501')}&type=%d&answer=%A&ts=%T&to=%p`,
    coding: '0',
    charset: 'UTF-8',
    text: 'Meeting on Saturday, 10:00 & tea',
  });
});

test('send: Cyrillic text — coding=2, charset=UTF-16BE, the text as percent-encoded UTF-16BE bytes', async () => {
  reset();
  await gateway().send([msg(502, 'Вода ё')]);
  const r = fake.requests[0]!;
  assert.equal(r.query.get('coding'), '2');
  assert.equal(r.query.get('charset'), 'UTF-16BE');
  assert.equal(r.query.get('from'), null, 'no sender: Kannel uses the group default');
  // «Вода ё» in UTF-16BE: 04 12 04 3E 04 34 04 30 00 20 04 51, each byte percent-encoded.
  const rawText = /[?&]text=([^&]*)/.exec(r.rawUrl)?.[1];
  assert.equal(rawText, '%04%12%04%3E%04%34%04%30%00%20%04%51');
});

test('send: every kind of answer mapped, raw status kept', async () => {
  const cases: [Reply, string, string, RegExp | null][] = [
    [{ status: 202, body: '3: Queued for later delivery' }, 'accepted', '3: Queued for later delivery', null],
    [{ status: 403, body: 'Authorization failed for sendsms' }, 'permanent', '403', /username and password/],
    [
      { status: 403, body: 'Number(s) has/have been denied by white- and/or black-lists.' },
      'permanent',
      '403',
      /denied/,
    ],
    [{ status: 400, body: 'Missing receiver number' }, 'permanent', '400', /Missing receiver/],
    [{ status: 503, body: 'Sending failed.' }, 'retryable', '503', /HTTP 503 Sending failed/],
    [{ status: 429, body: 'slow down' }, 'rate_limited', '429', /slow down/],
    [{ status: 200, body: '<html>proxy page</html>' }, 'retryable', '200', /unexpected answer/],
  ];
  for (const [reply, kind, raw, reason] of cases) {
    reset();
    fake.replies.push(reply);
    const [out] = await gateway().send([msg(1, 'hi')]);
    assert.equal(out!.kind, kind, raw);
    assert.equal((out as { rawStatus: string }).rawStatus, raw);
    if (reason) assert.match((out as { reason: string }).reason, reason);
  }
});

test('send: a timeout after sending is retryable and says so; the password stays out of the reason', async () => {
  reset();
  fake.replies.push('silence');
  const [out] = await gateway({ timeoutMs: 100 }).send([msg(1, 'hi')]);
  assert.equal(out!.kind, 'retryable');
  assert.equal((out as { rawStatus: string }).rawStatus, 'TIMEOUT');
  const reason = (out as { reason: string }).reason;
  assert.match(reason, /cgi-bin\/sendsms: no answer in 100 ms; the provider may have accepted/);
  assert.doesNotMatch(reason, /p@ss/);
});

test('callback: the GET Kannel makes from the dlr-url is parsed; a wrong token or type is refused', () => {
  const g = gateway();
  const call = (query: Record<string, string>) =>
    g.parseCallback!({ headers: {}, query, body: undefined, rawBody: '' });
  const t = kannelReportToken(SECRET, '501');
  assert.deepEqual(
    call({ m: '501', t, type: '1', answer: 'id:77 sub:001 dlvrd:001 stat:DELIVRD err:000', ts: '1' }),
    {
      ok: true,
      reports: [{ providerId: '501', state: 'delivered', rawStatus: '1:DELIVRD' }],
    },
  );
  const states = ['2', '4', '8', '16'].map((type) => {
    const r = call({ m: '501', t, type });
    return r.ok ? r.reports[0]!.state : r.reason;
  });
  assert.deepEqual(states, ['undelivered', 'submitted', 'submitted', 'rejected']);
  assert.deepEqual(call({ m: '502', t, type: '1' }), { ok: false, reason: 'bad token for this message' });
  assert.equal(call({ m: '501', t, type: '3' }).ok, false);
  assert.equal(call({ t, type: '1' }).ok, false);
});

test('verify: good credentials pass past authorisation; bad ones and an unreachable host are named', async () => {
  reset();
  fake.replies.push({ status: 400, body: 'Missing receiver number' });
  assert.match(await gateway().verify(), /username and password accepted/);
  assert.equal(fake.requests[0]!.query.get('to'), null, 'nothing is sent');
  fake.replies.push({ status: 403, body: 'Authorization failed for sendsms' });
  await assert.rejects(gateway().verify(), /refused username\/password/);
  const dead = createKannelGateway({
    gatewayId: 7,
    channel: 'sms',
    settings: { url: 'http://127.0.0.1:1', username: 'a', password: 'b' },
    callbackUrl: CALLBACK,
    callbackSecret: SECRET,
  });
  await assert.rejects(dead.verify(), /http:\/\/127\.0\.0\.1:1\/cgi-bin\/sendsms: connection refused/);
});

test('settings: each problem names its setting', () => {
  assert.throws(
    () =>
      createKannelGateway({
        gatewayId: 1,
        channel: 'email',
        settings: {},
        callbackUrl: '',
        callbackSecret: '',
      }),
    (e: unknown) => e instanceof GatewaySettingsError && e.setting === 'channel',
  );
  for (const [settings, setting] of [
    [{ username: 'u', password: 'p' }, 'url'],
    [{ url: 'http://k:13013', password: 'p' }, 'username'],
    [{ url: 'http://k:13013', username: 'u' }, 'password'],
    [{ url: 'http://k:13013', username: 'u', password: 'p', dlrMask: 'all' }, 'dlrMask'],
  ] as [Record<string, unknown>, string][]) {
    assert.throws(
      () =>
        createKannelGateway({ gatewayId: 1, channel: 'sms', settings, callbackUrl: '', callbackSecret: '' }),
      (e: unknown) => e instanceof GatewaySettingsError && e.setting === setting,
      setting,
    );
  }
});

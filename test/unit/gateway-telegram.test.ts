/**
 * The Telegram gateway against a local Bot API server on 127.0.0.1: the exact sendMessage request,
 * and every kind of answer mapped — accepted, chat not found, bot blocked, 429 with retry_after, a
 * wrong token, 5xx, malformed JSON, a timeout after the request went out; getMe as the check.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { GatewaySettingsError, OutgoingMessage } from '../../src/providers/provider.ts';
import { createTelegramGateway, type TelegramGateway } from '../../src/providers/telegram.ts';
import { type FakeProvider, startFakeProvider } from '../helpers/fakeHttp.ts';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const OK = (chat: number, id: number) =>
  JSON.stringify({ ok: true, result: { message_id: id, chat: { id: chat, type: 'private' }, text: 'x' } });
const ERR = (code: number, description: string, parameters?: object) =>
  JSON.stringify({ ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });

let fake: FakeProvider;
let gw: TelegramGateway;

before(async () => {
  fake = await startFakeProvider({ status: 200, body: OK(1, 1) });
});
after(async () => {
  await gw?.close?.();
  await fake.close();
});
beforeEach(async () => {
  await gw?.close?.();
  fake.requests.length = 0;
  fake.replies.length = 0;
  gw = createTelegramGateway({
    gatewayId: 7,
    channel: 'messenger',
    settings: { token: TOKEN, url: fake.url, timeoutMs: 300 },
    callbackUrl: 'http://127.0.0.1:1/unused',
    callbackSecret: 'unused',
  });
});

const msg = (id: number, address: string, body: string): OutgoingMessage => ({
  id,
  channel: 'messenger',
  address,
  subject: null,
  body,
  sender: null,
});

test('sendMessage: POST /bot<token>/sendMessage with the chat id and the plain text as JSON', async () => {
  fake.replies.push({ status: 200, body: OK(123456789, 42) });
  const [out] = await gw.send([msg(1, '123456789', 'Здравствуйте, <b>Анна</b> & *co*')]);
  assert.deepEqual(out, { id: 1, kind: 'accepted', providerId: '123456789:42', rawStatus: 'ok' });
  const r = fake.requests[0]!;
  assert.equal(r.method, 'POST');
  assert.equal(r.rawUrl, `/bot${TOKEN}/sendMessage`);
  assert.equal(r.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(r.body), { chat_id: '123456789', text: 'Здравствуйте, <b>Анна</b> & *co*' });
  // A group's negative id goes as it is.
  fake.replies.push({ status: 200, body: OK(-1001234567890, 7) });
  const [group] = await gw.send([msg(2, '-1001234567890', 'hi')]);
  assert.equal(group?.kind === 'accepted' && group.providerId, '-1001234567890:7');
  assert.equal(JSON.parse(fake.requests[1]!.body).chat_id, '-1001234567890');
});

const cases: [string, { status: number; body: string }, Record<string, unknown>][] = [
  [
    '400 chat not found → permanent',
    { status: 400, body: ERR(400, 'Bad Request: chat not found') },
    { kind: 'permanent', rawStatus: '400', reason: 'Bad Request: chat not found' },
  ],
  [
    '403 bot blocked → permanent',
    { status: 403, body: ERR(403, 'Forbidden: bot was blocked by the user') },
    { kind: 'permanent', rawStatus: '403', reason: 'Forbidden: bot was blocked by the user' },
  ],
  [
    '400 group migrated → permanent, naming the new chat',
    {
      status: 400,
      body: ERR(400, 'Bad Request: group chat was upgraded to a supergroup chat', {
        migrate_to_chat_id: -100777,
      }),
    },
    {
      kind: 'permanent',
      rawStatus: '400',
      reason: 'Bad Request: group chat was upgraded to a supergroup chat; the group is now chat -100777',
    },
  ],
  [
    '429 with retry_after → rate_limited for that long',
    { status: 429, body: ERR(429, 'Too Many Requests: retry after 17', { retry_after: 17 }) },
    {
      kind: 'rate_limited',
      rawStatus: '429',
      reason: 'Too Many Requests: retry after 17',
      retryAfterMs: 17_000,
    },
  ],
  [
    '401 wrong token → retryable, naming the setting',
    { status: 401, body: ERR(401, 'Unauthorized') },
    {
      kind: 'retryable',
      rawStatus: '401',
      reason: 'Telegram refused the bot token (setting token): Unauthorized',
    },
  ],
  [
    '502 → retryable',
    { status: 502, body: '<html>Bad Gateway</html>' },
    { kind: 'retryable', rawStatus: '502', reason: 'malformed answer: <html>Bad Gateway</html>' },
  ],
  [
    '500 with a JSON error → retryable',
    { status: 500, body: ERR(500, 'Internal Server Error') },
    { kind: 'retryable', rawStatus: '500', reason: 'Internal Server Error' },
  ],
  [
    '200 with malformed JSON → retryable',
    { status: 200, body: '{"ok":tru' },
    { kind: 'retryable', rawStatus: '200', reason: 'malformed answer: {"ok":tru' },
  ],
  [
    '200 ok without a message_id → retryable',
    { status: 200, body: '{"ok":true,"result":{}}' },
    { kind: 'retryable', rawStatus: 'BAD_ANSWER', reason: 'no message_id in {"ok":true,"result":{}}' },
  ],
];
for (const [name, reply, expected] of cases) {
  test(`answer: ${name}`, async () => {
    fake.replies.push(reply);
    const [out] = await gw.send([msg(3, '555', 'x')]);
    assert.deepEqual(out, { id: 3, ...expected });
  });
}

test('a timeout after the request went out: retryable, and the token is not in the reason', async () => {
  fake.replies.push('silence');
  const [out] = await gw.send([msg(4, '555', 'x')]);
  assert.equal(out?.kind, 'retryable');
  assert.equal(out?.kind === 'retryable' && out.rawStatus, 'TIMEOUT');
  assert.doesNotMatch(out?.kind === 'retryable' ? out.reason : TOKEN, /AAHdq/);
});

test('a batch: one request per message, each with its own outcome; accepted ones report delivered', async () => {
  fake.replies.push(
    { status: 200, body: OK(1, 10) },
    { status: 403, body: ERR(403, 'Forbidden: user is deactivated') },
  );
  const outs = await gw.send([msg(5, '1', 'a'), msg(6, '2', 'b')]);
  assert.deepEqual(
    outs.map((o) => o.kind),
    ['accepted', 'permanent'],
  );
  assert.equal(fake.requests.length, 2);
  assert.deepEqual(await gw.status!(['1:10']), [{ providerId: '1:10', state: 'delivered', rawStatus: 'ok' }]);
});

test('getMe checks the token: the bot named, or a refusal naming the setting', async () => {
  fake.replies.push({
    status: 200,
    body: JSON.stringify({ ok: true, result: { id: 123456789, is_bot: true, username: 'vestnik_bot' } }),
  });
  assert.equal(await gw.verify(), 'the token belongs to the bot @vestnik_bot (id 123456789)');
  assert.equal(fake.requests[0]!.method, 'GET');
  assert.equal(fake.requests[0]!.rawUrl, `/bot${TOKEN}/getMe`);
  fake.replies.push({ status: 401, body: ERR(401, 'Unauthorized') });
  await assert.rejects(gw.verify(), /setting token.*Unauthorized/);
});

test('settings: a missing or malformed token, a bad url, the wrong channel', () => {
  const make =
    (settings: Record<string, unknown>, channel: 'messenger' | 'sms' = 'messenger') =>
    () =>
      createTelegramGateway({ gatewayId: 1, channel, settings, callbackUrl: '', callbackSecret: '' });
  assert.throws(make({}), (e: GatewaySettingsError) => e.setting === 'token');
  assert.throws(make({ token: 'not-a-token' }), (e: GatewaySettingsError) => e.setting === 'token');
  assert.throws(make({ token: TOKEN, url: 'ftp://x' }), (e: GatewaySettingsError) => e.setting === 'url');
  assert.throws(make({ token: TOKEN }, 'sms'), (e: GatewaySettingsError) => e.setting === 'channel');
  assert.doesNotThrow(make({ token: TOKEN }));
});

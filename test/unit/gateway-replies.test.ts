/**
 * Incoming messages from the HTTP gateways, each from a request shaped like its provider's own:
 * SMSC.ru's handler call for an incoming SMS (form fields phone, mes, to, sent, id; the gateway's
 * secret in the URL), and Telegram's getUpdates (the exact request with its offset, and what is
 * taken from the updates: text or caption, the chat's id, the next offset).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CallbackRequest } from '../../src/providers/provider.ts';
import { createSmscGateway, smscInboundUrl } from '../../src/providers/smsc.ts';
import { createTelegramGateway, mapTelegramUpdates } from '../../src/providers/telegram.ts';
import { type FakeProvider, startFakeProvider } from '../helpers/fakeHttp.ts';

// As the suite runs them (scripts/test.js): the providers here listen on loopback.
process.env.VESTNIK_GATEWAY_PRIVATE_HOSTS ??= '127.0.0.0/8,::1';

const SECRET = 'the-gateway-secret';
const smsc = createSmscGateway({
  gatewayId: 3,
  channel: 'sms',
  settings: { url: 'http://127.0.0.1:1', login: 'garden', password: 's3cret' },
  callbackUrl: 'http://vestnik.example/api/v1/callbacks/3',
  callbackSecret: SECRET,
});
after(() => smsc.close?.());

const form = (
  fields: Record<string, string>,
  query: Record<string, string> = { s: SECRET },
): CallbackRequest => {
  const rawBody = new URLSearchParams(fields).toString();
  return { headers: {}, query, body: Object.fromEntries(new URLSearchParams(rawBody)), rawBody };
};

test('SMSC: an incoming SMS posted to the handler is one inbound message, exactly as sent', () => {
  const r = smsc.parseCallback!(
    form({ id: '8812345', phone: '79123456789', mes: 'СТОП', to: '79011234567', sent: '1765150000' }),
  );
  assert.deepEqual(r, {
    ok: true,
    reports: [],
    inbound: [
      {
        from: '79123456789',
        text: 'СТОП',
        to: '79011234567',
        providerId: '8812345',
        receivedAt: new Date(1_765_150_000_000),
      },
    ],
  });
});

test('SMSC: by GET the fields come in the query; sms_id stands for id', () => {
  const r = smsc.parseCallback!({
    headers: {},
    query: { s: SECRET, sms_id: '77', phone: '+79123456789', mes: 'Спасибо, получил' },
    body: undefined,
    rawBody: '',
  });
  assert.ok(r.ok);
  assert.deepEqual(r.inbound, [{ from: '+79123456789', text: 'Спасибо, получил', providerId: '77' }]);
});

test('SMSC: without the secret, or with another, the call is refused', () => {
  assert.equal(smsc.parseCallback!(form({ phone: '79123456789', mes: 'СТОП' }, {})).ok, false);
  assert.equal(smsc.parseCallback!(form({ phone: '79123456789', mes: 'СТОП' }, { s: 'guess' })).ok, false);
});

test('SMSC: a status report to the handler is acknowledged and carries no message', () => {
  assert.deepEqual(smsc.parseCallback!(form({ id: '5', phone: '79123456789', status: '1' })), {
    ok: true,
    reports: [],
  });
});

test("SMSC: the handler's URL carries the secret", () => {
  assert.equal(
    smscInboundUrl('http://vestnik.example/api/v1/callbacks/3', 'a b'),
    'http://vestnik.example/api/v1/callbacks/3?s=a%20b',
  );
});

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
let bot: FakeProvider;
before(async () => {
  bot = await startFakeProvider({ status: 200, body: '{"ok":true,"result":[]}' });
});
after(() => bot.close());

const UPDATES = {
  ok: true,
  result: [
    {
      update_id: 100,
      message: {
        message_id: 5,
        from: { id: 4242, is_bot: false, first_name: 'Анна' },
        chat: { id: 4242, first_name: 'Анна', type: 'private' },
        date: 1765150000,
        text: 'СТОП',
      },
    },
    {
      update_id: 101,
      message: {
        message_id: 6,
        from: { id: 4242, is_bot: false, first_name: 'Анна' },
        chat: { id: 4242, type: 'private' },
        date: 1765150060,
        sticker: { file_id: 'x' },
      },
    },
    {
      update_id: 102,
      message: {
        message_id: 9,
        chat: { id: 777, type: 'private' },
        date: 1765150120,
        photo: [{ file_id: 'p' }],
        caption: 'вот квитанция',
      },
    },
  ],
};

test('Telegram: getUpdates with the stored offset; text and captions become messages, the offset moves past all', async () => {
  const gw = createTelegramGateway({
    gatewayId: 8,
    channel: 'messenger',
    settings: { token: TOKEN, url: bot.url, timeoutMs: 500 },
    callbackUrl: 'http://127.0.0.1:1/unused',
    callbackSecret: 'unused',
  });
  try {
    bot.replies.push({ status: 200, body: JSON.stringify(UPDATES) });
    const got = await gw.inbound!('100');
    const req = bot.requests.at(-1)!;
    assert.equal(req.method, 'POST');
    assert.equal(req.path, `/bot${TOKEN}/getUpdates`);
    assert.deepEqual(JSON.parse(req.body), { timeout: 0, allowed_updates: ['message'], offset: 100 });
    assert.deepEqual(got, {
      cursor: '103',
      messages: [
        { from: '4242', text: 'СТОП', providerId: '4242:5', receivedAt: new Date(1_765_150_000_000) },
        { from: '777', text: 'вот квитанция', providerId: '777:9', receivedAt: new Date(1_765_150_120_000) },
      ],
    });
    // No cursor yet: no offset (everything Telegram still holds); nothing new keeps the cursor.
    const none = await gw.inbound!(null);
    assert.deepEqual(JSON.parse(bot.requests.at(-1)!.body), { timeout: 0, allowed_updates: ['message'] });
    assert.deepEqual(none, { messages: [], cursor: null });
  } finally {
    await gw.close?.();
  }
});

test('Telegram: a refused getUpdates (a webhook is set: 409) is an error that names it', () => {
  assert.throws(
    () =>
      mapTelegramUpdates(
        '5',
        409,
        '{"ok":false,"error_code":409,"description":"Conflict: can\'t use getUpdates method while webhook is active"}',
      ),
    /409: Conflict: can't use getUpdates/,
  );
  assert.deepEqual(mapTelegramUpdates('5', 200, '{"ok":true,"result":[]}'), { messages: [], cursor: '5' });
});

/**
 * The `unisender` gateway against a local HTTP server standing in for api.unisender.com: the exact
 * sendEmail and checkEmail requests (method, path, query, every form field in order, an attachment's
 * bytes), every kind of answer mapped (accepted, each documented error code, HTTP 429 and 5xx,
 * malformed JSON, no answer after the request went out, a refused connection), statuses mapped,
 * and settings refused with the setting named.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, test } from 'node:test';
import type { OutgoingMessage, SendOutcome } from '../../src/providers/provider.ts';
import { createUnisenderGateway, unisenderState } from '../../src/providers/unisender.ts';
import { type Recorded, startFakeProvider } from '../helpers/fakeHttp.ts';

const fake = await startFakeProvider({ status: 200, body: '{"result":{"email_id":"9001"}}' });
after(() => fake.close());

const settings = (more: Record<string, unknown> = {}) => ({
  api_key: 'k3y-секрет',
  senderEmail: 'info@uk-dom.ru',
  senderName: 'УК «Дом»',
  listId: 42,
  url: fake.url,
  timeoutMs: 2000,
  ...more,
});
const gateway = (more: Record<string, unknown> = {}) => {
  const g = createUnisenderGateway({
    gatewayId: 1,
    channel: 'email',
    settings: settings(more),
    callbackUrl: '',
    callbackSecret: '',
  });
  after(() => g.close?.());
  return g;
};

const letter = (id: number, more: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  id,
  channel: 'email',
  address: 'anna@example.ru',
  subject: 'Квитанция для Анна',
  body: 'Начислено 3456.00 руб.',
  sender: null,
  content: null,
  ...more,
});

/** The form body as sent: names decoded, values as bytes (a file's are not UTF-8). */
function fields(r: Recorded): [string, Buffer][] {
  const bytes = (s: string) => {
    const out: number[] = [];
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '%') {
        out.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
        i += 2;
      } else out.push(s.charCodeAt(i));
    }
    return Buffer.from(out);
  };
  return r.body.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    return [bytes(pair.slice(0, eq)).toString('utf8'), bytes(pair.slice(eq + 1))];
  });
}
const asText = (f: [string, Buffer][]) => f.map(([k, v]) => [k, v.toString('utf8')]);

const PDF = Buffer.concat([
  Buffer.from('%PDF-1.4 ЛС-001\n'),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
]);

test('sendEmail: the exact request, the HTML letter with its attachment’s raw bytes, and the id it gets', async () => {
  const g = gateway();
  fake.requests.length = 0;
  const [out] = await g.send([
    letter(7, {
      sender: 'Бухгалтерия',
      content: {
        html: '<p>Начислено <b>3456.00</b> руб.</p>',
        headers: { 'List-Unsubscribe': '<https://v.example/u/x>' },
        attachments: [{ documentId: 3, fileName: 'Квитанция ЛС-001.pdf' }],
      },
      files: [{ fileName: 'Квитанция ЛС-001.pdf', contentType: 'application/pdf', bytes: PDF }],
    }),
  ]);
  assert.deepEqual(out, { id: 7, kind: 'accepted', providerId: '9001', rawStatus: 'ok' });
  assert.equal(fake.requests.length, 1);
  const r = fake.requests[0]!;
  assert.equal(r.method, 'POST');
  assert.equal(r.rawUrl, '/ru/api/sendEmail?format=json', 'nothing secret in the URL');
  assert.equal(r.headers['content-type'], 'application/x-www-form-urlencoded; charset=utf-8');
  const f = fields(r);
  assert.deepEqual(asText(f.slice(0, 7)), [
    ['api_key', 'k3y-секрет'],
    ['email', 'anna@example.ru'],
    ['sender_name', 'Бухгалтерия'],
    ['sender_email', 'info@uk-dom.ru'],
    ['subject', 'Квитанция для Анна'],
    ['body', '<p>Начислено <b>3456.00</b> руб.</p>'],
    ['list_id', '42'],
  ]);
  assert.equal(f.length, 8);
  assert.equal(f[7]![0], 'attachments[Квитанция ЛС-001.pdf]');
  assert.ok(f[7]![1].equals(PDF), 'the file’s bytes as they are, not base64');
});

test('attachment names: brackets would cut PHP’s array key, a repeated name would replace the first file', async () => {
  const g = gateway();
  fake.requests.length = 0;
  const file = (fileName: string, text: string) => ({
    fileName,
    contentType: 'text/plain',
    bytes: Buffer.from(text),
  });
  await g.send([
    letter(9, {
      content: {
        html: '<p>x</p>',
        headers: {},
        attachments: [1, 2, 3].map((documentId) => ({ documentId, fileName: 'x' })),
      },
      files: [file('Счёт [ноябрь].pdf', 'a'), file('Счёт.pdf', 'b'), file('Счёт.pdf', 'c')],
    }),
  ]);
  assert.deepEqual(asText(fields(fake.requests[0]!)).slice(7), [
    ['attachments[Счёт (ноябрь).pdf]', 'a'],
    ['attachments[Счёт.pdf]', 'b'],
    ['attachments[Счёт (2).pdf]', 'c'],
  ]);
});

test('a plain message becomes escaped HTML; the gateway’s sender name and tracking when set', async () => {
  const g = gateway({ trackRead: true, trackLinks: true, lang: 'en' });
  fake.requests.length = 0;
  await g.send([letter(8, { body: 'Долг <100> & пени\nОплатите до 10-го' })]);
  const r = fake.requests[0]!;
  assert.equal(r.path, '/en/api/sendEmail');
  assert.deepEqual(asText(fields(r)).slice(2), [
    ['sender_name', 'УК «Дом»'],
    ['sender_email', 'info@uk-dom.ru'],
    ['subject', 'Квитанция для Анна'],
    ['body', '<p>Долг &lt;100&gt; &amp; пени<br>Оплатите до 10-го</p>'],
    ['list_id', '42'],
    ['track_read', '1'],
    ['track_links', '1'],
  ]);
});

test('answers: each documented error code, HTTP 429 and 5xx, malformed JSON, silence, error_checking’s array', async () => {
  const g = gateway({ timeoutMs: 300 });
  type Want = {
    kind: SendOutcome['kind'];
    rawStatus?: string;
    providerId?: string;
    retryAfterMs?: number;
    reason?: RegExp;
  };
  const cases: [{ status: number; body: string } | 'silence', Want][] = [
    [
      { status: 200, body: '{"result":{"email_id":123}}' },
      { kind: 'accepted', providerId: '123' },
    ],
    [
      { status: 200, body: '{"error":"Invalid e-mail &quot;x&quot;","code":"invalid_arg"}' },
      { kind: 'permanent', rawStatus: 'invalid_arg' },
    ],
    [
      { status: 200, body: '{"error":"limit","code":"api_call_limit_exceeded_for_api_key"}' },
      { kind: 'rate_limited', rawStatus: 'api_call_limit_exceeded_for_api_key', retryAfterMs: 60_000 },
    ],
    [
      { status: 200, body: '{"error":"limit","code":"api_call_limit_exceeded_for_ip"}' },
      { kind: 'rate_limited', rawStatus: 'api_call_limit_exceeded_for_ip' },
    ],
    [
      { status: 200, body: '{"error":"Temporary failure","code":"retry_later"}' },
      { kind: 'retryable', rawStatus: 'retry_later' },
    ],
    [
      { status: 200, body: '{"error":"Wrong API key","code":"invalid_api_key"}' },
      { kind: 'retryable', rawStatus: 'invalid_api_key', reason: /check the setting api_key/ },
    ],
    [
      { status: 200, body: '{"error":"No money","code":"not_enough_money"}' },
      { kind: 'retryable', rawStatus: 'not_enough_money', reason: /top up/ },
    ],
    [
      { status: 200, body: '{"error":"E-mail not confirmed"}' },
      { kind: 'retryable', rawStatus: 'unspecified', reason: /E-mail not confirmed/ },
    ],
    [
      { status: 429, body: 'slow down' },
      { kind: 'rate_limited', rawStatus: 'HTTP_429' },
    ],
    [
      { status: 502, body: '<html>Bad gateway</html>' },
      { kind: 'retryable', rawStatus: 'HTTP_502' },
    ],
    [
      { status: 200, body: '{"result":' },
      { kind: 'retryable', rawStatus: 'BAD_JSON' },
    ],
    [
      { status: 200, body: '{"result":{}}' },
      { kind: 'retryable', rawStatus: 'BAD_ANSWER' },
    ],
    ['silence', { kind: 'retryable', rawStatus: 'TIMEOUT', reason: /may have accepted/ }],
    [
      { status: 200, body: '{"result":[{"index":0,"email":"anna@example.ru","id":"555"}]}' },
      { kind: 'accepted', providerId: '555' },
    ],
    [
      {
        status: 200,
        body: '{"result":[{"index":0,"email":"anna@example.ru","errors":[{"code":"invalid_arg","message":"bad email"}]}]}',
      },
      { kind: 'permanent', rawStatus: 'invalid_arg', reason: /bad email/ },
    ],
  ];
  for (const [reply, want] of cases) {
    fake.replies.push(reply);
    const [out] = await g.send([letter(1)]);
    const { reason, ...rest } = want;
    for (const [k, v] of Object.entries(rest))
      assert.deepEqual(
        (out as Record<string, unknown>)[k],
        v,
        `${JSON.stringify(reply)} → ${JSON.stringify(out)}`,
      );
    if (reason) assert.match((out as { reason: string }).reason, reason);
  }

  // Nobody listening.
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const [out] = await gateway({ url: `http://127.0.0.1:${port}` }).send([letter(2)]);
  assert.deepEqual([out?.kind, out?.kind === 'retryable' && out.rawStatus], ['retryable', 'ECONNREFUSED']);
});

test('checkEmail: the exact request, 500 ids a call, statuses mapped with the raw one kept; an error throws', async () => {
  const g = gateway();
  fake.requests.length = 0;
  fake.replies.push({
    status: 200,
    body: JSON.stringify({
      result: {
        statuses: [
          { id: '1', status: 'ok_delivered' },
          { id: '2', status: 'err_user_unknown' },
          { id: '3', status: 'ok_sent' },
          { id: '4', status: 'err_will_retry' },
          { id: '5', status: 'ok_read' },
        ],
      },
    }),
  });
  fake.replies.push({
    status: 200,
    body: '{"result":{"statuses":[{"id":"501","status":"err_spam_rejected"}]}}',
  });
  const ids = Array.from({ length: 501 }, (_, i) => String(i + 1));
  const reports = await g.status!(ids);
  assert.equal(fake.requests.length, 2);
  assert.equal(fake.requests[0]!.rawUrl, '/ru/api/checkEmail?format=json');
  assert.deepEqual(asText(fields(fake.requests[0]!)), [
    ['api_key', 'k3y-секрет'],
    ['email_id', ids.slice(0, 500).join(',')],
  ]);
  assert.deepEqual(asText(fields(fake.requests[1]!)), [
    ['api_key', 'k3y-секрет'],
    ['email_id', '501'],
  ]);
  assert.deepEqual(
    reports.map((r) => [r.providerId, r.state, r.rawStatus]),
    [
      ['1', 'delivered', 'ok_delivered'],
      ['2', 'undelivered', 'err_user_unknown'],
      ['3', 'submitted', 'ok_sent'],
      ['4', 'submitted', 'err_will_retry'],
      ['5', 'delivered', 'ok_read'],
      ['501', 'undelivered', 'err_spam_rejected'],
    ],
  );
  const more = [
    'not_sent',
    'ok_link_visited',
    'ok_unsubscribed',
    'ok_spam_folder',
    'err_mailbox_full',
    'err_lost',
    'new_thing',
  ];
  assert.deepEqual(more.map(unisenderState), [
    'submitted',
    'delivered',
    'delivered',
    'delivered',
    'undelivered',
    'undelivered',
    'submitted',
  ]);
  fake.replies.push({ status: 200, body: '{"error":"Wrong API key","code":"invalid_api_key"}' });
  await assert.rejects(g.status!(['1']), /Wrong API key/);
});

test('settings are checked when the gateway is built, naming the setting at fault', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ api_key: undefined }, 'api_key'],
    [{ senderEmail: 'nobody' }, 'senderEmail'],
    [{ senderName: undefined }, 'senderName'],
    [{ listId: 'main' }, 'listId'],
    [{ url: 'ftp://x' }, 'url'],
    [{ lang: 'russian' }, 'lang'],
    [{ trackRead: 'yes' }, 'trackRead'],
  ];
  for (const [more, setting] of cases)
    assert.throws(
      () => gateway(more),
      (err: Error & { setting?: string }) => err.name === 'GatewaySettingsError' && err.setting === setting,
      setting,
    );
  assert.throws(
    () =>
      createUnisenderGateway({
        gatewayId: 1,
        channel: 'sms',
        settings: settings(),
        callbackUrl: '',
        callbackSecret: '',
      }),
    /sends e-mail, not sms/,
  );
  assert.deepEqual(gateway().capabilities, {
    batchSize: 1,
    callbacks: false,
    polling: true,
    statusDeadlineSeconds: 172_800,
  });
});

test('verify (vestnik gateway test): getLists checks the api_key and that listId is one of the account’s lists', async () => {
  const g = gateway();
  fake.requests.length = 0;
  fake.replies.push({
    status: 200,
    body: '{"result":[{"id":7,"title":"Жильцы"},{"id":42,"title":"Собственники"}]}',
  });
  assert.equal(await g.verify(), 'the api_key works; list 42 «Собственники» exists; nothing was sent');
  assert.equal(fake.requests[0]!.rawUrl, '/ru/api/getLists?format=json');
  assert.deepEqual(asText(fields(fake.requests[0]!)), [['api_key', 'k3y-секрет']]);
  fake.replies.push({ status: 200, body: '{"result":[{"id":7,"title":"Жильцы"}]}' });
  await assert.rejects(g.verify(), /no list 42 \(setting listId\); its lists: 7 «Жильцы»/);
  fake.replies.push({ status: 200, body: '{"error":"Wrong API key","code":"invalid_api_key"}' });
  await assert.rejects(g.verify(), /Wrong API key \(check the setting api_key/);
});

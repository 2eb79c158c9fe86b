/**
 * Issue 8 from the command line, for the gateways gateways-api.test.ts (SMSC.ru) and
 * email-dispatch.test.ts (SMTP) do not cover: SMS Aero, Kannel, SMPP, UniSender and Telegram. Each
 * test, in an organisation of its own: `gateway add` against the gateway's local test server,
 * `gateway test` (what it checked), the channel's sandbox gateway switched off, `campaign create`
 * and `launch`, then a running dispatcher until the campaign is completed. The messages' final
 * states and the exact requests the server received (text, address, sender) are checked; each
 * report comes the gateway's own way — polled (SMS Aero, UniSender), by GET to the callback URL
 * (Kannel), as deliver_sm receipts on the bind (SMPP), or the Bot API's acceptance (Telegram).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { DecodedMessage } from 'smpp';
import { bufferIO } from '../../src/cli/io.ts';
import { runProgram } from '../../src/cli/program.ts';
import type { ContactInput } from '../../src/core/contact.ts';
import { startDispatcher } from '../../src/dispatch/dispatcher.ts';
import { countMessagesByState, getCampaign } from '../../src/store/campaigns.ts';
import { insertContact } from '../../src/store/contacts.ts';
import { createTestApi } from '../helpers/api.ts';
import { waitFor } from '../helpers/db.ts';
import { type FakeProvider, type Recorded, type Reply, startFakeProvider } from '../helpers/fakeHttp.ts';
import { FakeSmsc } from '../helpers/smppServer.ts';

const api = await createTestApi();
const servers: { close(): Promise<void> }[] = [];
after(async () => {
  for (const s of servers) await s.close();
});
const fake = async (answer: (r: Recorded) => Reply): Promise<FakeProvider> => {
  const f = await startFakeProvider(answer);
  servers.push(f);
  return f;
};

const PHONES = ['+79125550101', '+79125550102', '+79125550103'];
const NAMES = ['Анна', 'Борис', 'Вера'];

/** A new organisation with `contacts`, and `vestnik … --org ID` run in-process; exit 0 required. */
async function setUp(name: string, contacts: ContactInput[]) {
  const org = await api.addOrg(name);
  for (const c of contacts) assert.equal(typeof (await insertContact(api.db, org.id, c)), 'object');
  const run = async (...argv: string[]): Promise<string> => {
    const io = bufferIO();
    const code = await runProgram({ config: api.config, io, serverDb: api.db }, [
      ...argv,
      '--org',
      String(org.id),
    ]);
    assert.equal(code, 0, `vestnik ${argv.join(' ')}: ${io.stderr}`);
    return io.stdout;
  };
  return { org, run };
}

/** `campaign create` with these options, `launch` (all three queued); the campaign's id. */
async function createAndLaunch(run: (...a: string[]) => Promise<string>, ...options: string[]) {
  const created = await run('campaign', 'create', '--name', 'Собрание', ...options);
  const id = Number(/Created campaign (\d+)/.exec(created)?.[1]);
  assert.ok(id > 0, created);
  assert.match(await run('campaign', 'launch', String(id)), /: 3 queued, 0 excluded/);
  return id;
}

/**
 * Runs a dispatcher until the campaign is completed. `meanwhile` runs once beside it (a report the
 * provider sends by itself); the dispatcher is stopped whatever happens.
 */
async function dispatchUntilCompleted(orgId: number, campaignId: number, meanwhile?: () => Promise<void>) {
  const dispatcher = await startDispatcher(api.db, {
    workers: 1,
    gateways: api.gateways,
    idlePollMs: 20,
    worker: { statusPollSeconds: 0.05 },
  });
  try {
    await meanwhile?.();
    await waitFor(
      async () => (await getCampaign(api.db, orgId, campaignId))?.state === 'completed' || undefined,
      15_000,
      `campaign ${campaignId} completed`,
    );
  } finally {
    await dispatcher.stop();
  }
  return countMessagesByState(api.db, orgId, campaignId);
}

const smsContacts = (): ContactInput[] => PHONES.map((phone, i) => ({ firstName: NAMES[i]!, phone }));
const TEMPLATE = '{{ contact.first_name }}, собрание СНТ в субботу в 10:00';
/** The text contact `i` gets: TEMPLATE rendered. */
const textOf = (i: number) => `${NAMES[i]}, собрание СНТ в субботу в 10:00`;
/** Rows sorted as text, so requests compare whatever order the worker sent them in. */
const sorted = <T>(rows: T[]) => rows.map((r) => JSON.stringify(r)).sort();

/**
 * `gateway add NAME --kind KIND --set k=v …` (`k:=v` for the JSON settings in `json`), `gateway test
 * NAME`, and the channel's sandbox switched off so the new gateway is the one the campaign goes
 * through; the test's output.
 */
async function configure(
  run: (...a: string[]) => Promise<string>,
  gateway: { name: string; kind: string; settings: Record<string, string>; json?: Record<string, unknown> },
  sandbox: 'sandbox-sms' | 'sandbox-email' | 'sandbox-messenger',
): Promise<string> {
  const sets = [
    ...Object.entries(gateway.settings).map(([k, v]) => `${k}=${v}`),
    ...Object.entries(gateway.json ?? {}).map(([k, v]) => `${k}:=${JSON.stringify(v)}`),
  ].flatMap((pair) => ['--set', pair]);
  assert.match(
    await run('gateway', 'add', gateway.name, '--kind', gateway.kind, ...sets),
    new RegExp(`«${gateway.name}»: ${gateway.kind}, \\w+, priority 0, enabled`),
  );
  const checked = await run('gateway', 'test', gateway.name);
  assert.match(await run('gateway', 'set', sandbox, '--disable'), /: sandbox, \w+, priority -?\d+, disabled/);
  return checked;
}

test('SMS Aero from the command line: gateway add, test, a campaign sent and each report polled delivered', async () => {
  const AUTH = `Basic ${Buffer.from('chair@snt.ru:AK-cli').toString('base64')}`;
  let nextId = 9100;
  // Accepts every number (one record each when the request has `numbers`); every asked id delivered.
  const aero = await fake((r) => {
    if (r.headers.authorization !== AUTH) return { status: 401, body: '{"success":false,"message":"no"}' };
    if (r.path === '/v2/balance') return { status: 200, body: '{"success":true,"data":{"balance":77.25}}' };
    const b = JSON.parse(r.body) as { id?: number; number?: string; numbers?: string[]; text: string };
    if (r.path === '/v2/sms/status') {
      const data = { id: b.id, status: 1, extendStatus: 'delivery' };
      return { status: 200, body: JSON.stringify({ success: true, data }) };
    }
    const records = (b.numbers ?? [b.number]).map((number) => ({
      id: nextId++,
      number,
      status: 0,
      cost: 2.5,
    }));
    const data = b.numbers ? records : records[0];
    return { status: 200, body: JSON.stringify({ success: true, data }) };
  });
  const { org, run } = await setUp('СНТ «Аэро»', smsContacts());
  const settings = { email: 'chair@snt.ru', apiKey: 'AK-cli', sender: 'SNT-Aero', url: `${aero.url}/v2` };
  assert.match(
    await configure(run, { name: 'aero', kind: 'smsaero', settings }, 'sandbox-sms'),
    /Gateway «aero»: OK — balance 77\.25 ₽ — the credentials work/,
  );
  const id = await createAndLaunch(run, '--text', TEMPLATE);
  assert.deepEqual(await dispatchUntilCompleted(org.id, id), { delivered: 3 });

  // Every message once, with its own rendered text and the gateway's sender.
  const sent = aero.requests
    .filter((r) => r.path === '/v2/sms/send')
    .flatMap((r) => {
      const b = JSON.parse(r.body) as { number?: string; numbers?: string[]; sign: string; text: string };
      return (b.numbers ?? [b.number!]).map((n) => [n, b.sign, b.text]);
    });
  assert.deepEqual(sorted(sent), sorted(PHONES.map((p, i) => [p.slice(1), 'SNT-Aero', textOf(i)])));
  assert.ok(
    aero.requests.some((r) => r.path === '/v2/sms/status'),
    'the reports were polled',
  );
});

/** Kannel's `text` of a UCS-2 message: percent-encoded UTF-16BE bytes, read back to a string. */
function kannelText(r: Recorded): string {
  assert.equal(r.query.get('coding'), '2');
  const raw = /[?&]text=([^&]*)/.exec(r.rawUrl)?.[1] ?? '';
  const hex = raw.replace(/%([0-9A-F]{2})/g, '$1');
  assert.match(hex, /^([0-9A-F]{2})*$/, 'every byte percent-encoded');
  return Buffer.from(hex, 'hex').swap16().toString('utf16le');
}

test('Kannel from the command line: gateway add, test, a campaign sent and each report delivered by GET to its dlr-url', async () => {
  // Kannel's smsbox: a sendsms without a receiver is refused past authorisation (what `test` asks).
  const kannel = await fake((r) =>
    r.query.get('username') !== 'vestnik' || r.query.get('password') !== 'k-pass'
      ? { status: 403, body: 'Authorization failed for sendsms' }
      : r.query.get('to')
        ? { status: 202, body: '0: Accepted for delivery' }
        : { status: 400, body: 'Missing receiver number' },
  );
  const { org, run } = await setUp('ТСЖ «Каннель»', smsContacts());
  const settings = { url: kannel.url, username: 'vestnik', password: 'k-pass', sender: 'TSZH' };
  assert.match(
    await configure(run, { name: 'kannel', kind: 'kannel', settings }, 'sandbox-sms'),
    /Gateway «kannel»: OK — .*\/cgi-bin\/sendsms answered 400 Missing receiver number — username and password accepted/,
  );
  const id = await createAndLaunch(run, '--text', TEMPLATE);
  const states = await dispatchUntilCompleted(org.id, id, async () => {
    // Reported once sent and written (an earlier report would be kept for later, not applied now).
    await waitFor(
      async () => (await countMessagesByState(api.db, org.id, id)).submitted === 3,
      15_000,
      'three messages submitted to Kannel',
    );
    // What Kannel does with each dlr-url once the SMSC reports: fills in the escapes, calls it by GET.
    for (const r of kannel.requests.filter((q) => q.query.get('to'))) {
      const report = new URL(
        r.query
          .get('dlr-url')!
          .replace('%d', '1')
          .replace('%A', encodeURIComponent('id:1 sub:001 dlvrd:001 stat:DELIVRD err:000'))
          .replace('%T', '1700000000'),
      );
      const res = await api.call('GET', `${report.pathname}${report.search}`, undefined, { key: null });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body, { accepted: 1, changed: 1 });
    }
  });
  assert.deepEqual(states, { delivered: 3 });
  const sent = kannel.requests
    .filter((r) => r.query.get('to'))
    .map((r) => [r.query.get('to'), r.query.get('from'), kannelText(r)]);
  assert.deepEqual(sorted(sent), sorted(PHONES.map((p, i) => [p.slice(1), 'TSZH', textOf(i)])));
  const { rows } = await api.db.query<{ raw_status: string }>(
    'SELECT raw_status FROM messages WHERE campaign_id = $1',
    [id],
  );
  assert.deepEqual(
    rows.map((r) => r.raw_status),
    ['1:DELIVRD', '1:DELIVRD', '1:DELIVRD'],
  );
});

test('SMPP from the command line: gateway add, test (a bind), a campaign submitted and each deliver_sm receipt applied', async () => {
  const smsc = new FakeSmsc();
  smsc.password = 'smpp-pw';
  smsc.next = (_pdu, n) => ({ id: (0xc000 + n).toString(16).toUpperCase() });
  const port = await smsc.start();
  servers.push({ close: () => smsc.stop() });
  const { org, run } = await setUp('СНТ «SMPP»', smsContacts());
  const settings = { host: '127.0.0.1', system_id: 'vestnik', password: 'smpp-pw', sender: 'SNT' };
  assert.equal(
    await configure(run, { name: 'smpp', kind: 'smpp', settings, json: { port } }, 'sandbox-sms'),
    `Gateway «smpp»: OK — bound to 127.0.0.1:${port} as vestnik (transceiver, SMPP 3.4)\n`,
  );
  assert.equal(smsc.binds.length, 1);
  assert.equal(smsc.submits.length, 0, 'the check sends nothing');
  const id = await createAndLaunch(run, '--text', TEMPLATE);
  const states = await dispatchUntilCompleted(org.id, id, async () => {
    await waitFor(
      async () => (await countMessagesByState(api.db, org.id, id)).submitted === 3,
      15_000,
      'three messages submitted on the bind',
    );
    // The SMSC's receipts on the bind the submits came on, each id in decimal (the submits' in hex).
    for (let n = 1; n <= 3; n++) {
      const status = await smsc.deliver({
        esm_class: 4,
        short_message: `id:${0xc000 + n} sub:001 dlvrd:001 stat:DELIVRD err:000 text:x`,
      });
      assert.equal(status, 0, 'deliver_sm_resp OK');
    }
  });
  assert.deepEqual(states, { delivered: 3 });
  const sent = smsc.submits.map((p) => [
    p.destination_addr,
    p.source_addr,
    (p.short_message as DecodedMessage).message,
  ]);
  assert.deepEqual(sorted(sent), sorted(PHONES.map((p, i) => [p.slice(1), 'SNT', textOf(i)])));
  const { rows } = await api.db.query<{ raw_status: string }>(
    'SELECT raw_status FROM messages WHERE campaign_id = $1',
    [id],
  );
  assert.deepEqual(
    rows.map((r) => r.raw_status),
    ['DELIVRD err:000', 'DELIVRD err:000', 'DELIVRD err:000'],
  );
});

test('UniSender from the command line: gateway add, test (getLists), an e-mail campaign sent and its statuses polled', async () => {
  let nextId = 500;
  const uni = await fake((r) => {
    if (r.form.get('api_key') !== 'uni-key')
      return { status: 200, body: '{"error":"invalid api key","code":"invalid_api_key"}' };
    if (r.path === '/ru/api/getLists')
      return { status: 200, body: '{"result":[{"id":77,"title":"Члены СНТ"}]}' };
    if (r.path === '/ru/api/sendEmail')
      return { status: 200, body: JSON.stringify({ result: { email_id: String(nextId++) } }) };
    const statuses = r.form
      .get('email_id')!
      .split(',')
      .map((i) => ({ id: i, status: 'ok_delivered' }));
    return { status: 200, body: JSON.stringify({ result: { statuses } }) };
  });
  const emails = ['anna@example.ru', 'boris@example.ru', 'vera@example.ru'];
  const { org, run } = await setUp(
    'СНТ «Юнисендер»',
    emails.map((email, i) => ({ firstName: NAMES[i]!, email })),
  );
  const settings = {
    api_key: 'uni-key',
    senderEmail: 'info@snt.ru',
    senderName: 'Правление СНТ',
    listId: '77',
    url: uni.url,
  };
  assert.match(
    await configure(run, { name: 'uni', kind: 'unisender', settings }, 'sandbox-email'),
    /Gateway «uni»: OK — the api_key works; list 77 «Члены СНТ» exists; nothing was sent/,
  );
  const html = '<p>{{ contact.first_name }}, собрание в субботу.</p>';
  const id = await createAndLaunch(run, '--channel', 'email', '--subject', 'Собрание', '--text', html);
  assert.deepEqual(await dispatchUntilCompleted(org.id, id), { delivered: 3 });
  const sends = uni.requests.filter((r) => r.path === '/ru/api/sendEmail');
  // Each letter once: the address, the confirmed sender, the subject, the list, the rendered HTML.
  const fields = ['email', 'sender_email', 'sender_name', 'subject', 'list_id', 'body'];
  assert.deepEqual(
    sorted(sends.map((r) => fields.map((f) => r.form.get(f)))),
    sorted(
      emails.map((e, i) => [
        e,
        'info@snt.ru',
        'Правление СНТ',
        'Собрание',
        '77',
        `<p>${NAMES[i]}, собрание в субботу.</p>`,
      ]),
    ),
  );
  assert.ok(
    uni.requests.some((r) => r.path === '/ru/api/checkEmail'),
    'the statuses were polled',
  );
});

test('Telegram from the command line: gateway add, test (getMe), a messenger campaign sent to each chat id', async () => {
  const TOKEN = '123456789:AAcli-token-for-the-test-bot';
  let nextId = 40;
  const bot = await fake((r) => {
    if (!r.path.startsWith(`/bot${TOKEN}/`))
      return { status: 401, body: '{"ok":false,"error_code":401,"description":"Unauthorized"}' };
    if (r.path.endsWith('/getMe'))
      return {
        status: 200,
        body: '{"ok":true,"result":{"id":123456789,"is_bot":true,"username":"snt_bot"}}',
      };
    const chat = { id: Number((JSON.parse(r.body) as { chat_id: string }).chat_id) };
    return { status: 200, body: JSON.stringify({ ok: true, result: { message_id: nextId++, chat } }) };
  });
  const chats = ['100200301', '100200302', '-100200303'];
  const { org, run } = await setUp(
    'СНТ «Телеграм»',
    chats.map((telegramChatId, i) => ({ firstName: NAMES[i]!, telegramChatId })),
  );
  assert.match(
    await configure(
      run,
      { name: 'bot', kind: 'telegram', settings: { token: TOKEN, url: bot.url } },
      'sandbox-messenger',
    ),
    /Gateway «bot»: OK — the token belongs to the bot @snt_bot \(id 123456789\)/,
  );
  const id = await createAndLaunch(run, '--channel', 'messenger', '--text', TEMPLATE);
  assert.deepEqual(await dispatchUntilCompleted(org.id, id), { delivered: 3 });
  const sent = bot.requests.filter((r) => r.path.endsWith('/sendMessage')).map((r) => JSON.parse(r.body));
  assert.deepEqual(sorted(sent), sorted(chats.map((chat_id, i) => ({ chat_id, text: textOf(i) }))));
  const { rows } = await api.db.query<{ provider_message_id: string }>(
    'SELECT provider_message_id FROM messages WHERE campaign_id = $1',
    [id],
  );
  assert.deepEqual(
    rows.map((r) => r.provider_message_id.split(':')[0]).sort(),
    [...chats].sort(),
    'the provider id is chat:message',
  );
});

/**
 * An e-mail campaign from launch to the recipient's mailbox (PR-3, CT-4): launched through the API
 * with an HTML text and each recipient's own receipt attached, sent by a worker round through the
 * `smtp` gateway to a real SMTP server, and the letter parsed back — the rendered parts, the
 * message's own List-Unsubscribe link, the receipt byte for byte. The status check then reports the
 * relay's 250 as delivered and the campaign completes. A document deleted between the launch and
 * the send refuses its letter rather than sending it without the receipt. The same from the command
 * line: `vestnik gateway add --kind smtp`, `gateway test`, `campaign create --channel email`, `launch`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simpleParser } from 'mailparser';
import { bufferIO } from '../../src/cli/io.ts';
import { runProgram } from '../../src/cli/program.ts';
import { DEFAULT_WORKER_OPTIONS, DispatchWorker } from '../../src/dispatch/worker.ts';
import { insertGateway } from '../../src/store/gateways.ts';
import { createTestApi } from '../helpers/api.ts';
import { headerLines, startSmtpServer, TEST_TLS } from '../helpers/smtp.ts';

const api = await createTestApi();

interface Row {
  id: number;
  contact_id: number;
  state: string;
  reason: string | null;
  provider_message_id: string | null;
  raw_status: string | null;
  content: { headers: Record<string, string> } | null;
}

async function setUp(name: string, smtpPort: number, gateway: 'store' | 'none' = 'store') {
  const org = await api.addOrg(name);
  const call = (method: string, url: string, body?: unknown) => api.call(method, url, body, { key: org.key });
  const gw =
    gateway === 'none'
      ? null
      : await insertGateway(api.db, org.id, {
          name: 'relay',
          kind: 'smtp',
          channel: 'email',
          priority: -1,
          settings: {
            host: '127.0.0.1',
            port: smtpPort,
            user: 'mailer',
            password: 'секрет-123',
            from: 'info@uk-dom.ru',
            fromName: 'УК «Дом»',
            tlsCa: TEST_TLS.cert,
            timeoutMs: 5000,
          },
        });
  assert.ok(gw !== 'name_taken');
  const contact = async (body: object): Promise<number> => {
    const r = await call('POST', '/api/v1/contacts', body);
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  };
  const account = async (contactId: number, number: string): Promise<number> => {
    const r = await call('POST', `/api/v1/contacts/${contactId}/objects`, {
      kind: 'account',
      number,
      chargesKopecks: 345_600,
    });
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  };
  const upload = async (objectId: number, fileName: string, bytes: Buffer): Promise<number> => {
    const r = await api.app.inject({
      method: 'POST',
      url: `/api/v1/objects/${objectId}/documents?fileName=${encodeURIComponent(fileName)}&kind=receipt`,
      headers: { authorization: `Bearer ${org.key}`, 'content-type': 'application/pdf' },
      payload: bytes,
    });
    assert.equal(r.statusCode, 201, r.body);
    return JSON.parse(r.body).document.id;
  };
  const launch = async (): Promise<{ id: number; rows: Row[] }> => {
    const c = await call('POST', '/api/v1/campaigns', {
      name: 'Квитанции за ноябрь',
      channel: 'email',
      audience: { kind: 'all' },
      texts: {
        email: {
          subject: 'Квитанция для {{ contact.first_name }}',
          html: '<p>Начислено {{ total }} руб.</p><p><a href="{{ unsubscribe_url }}">Отписаться</a></p>',
        },
      },
      attachments: { documentIds: [], perRecipient: { kind: 'receipt', objectKind: 'account' } },
    });
    assert.equal(c.status, 201, c.text);
    const l = await call('POST', `/api/v1/campaigns/${c.body.id}/launch`);
    assert.equal(l.status, 200, l.text);
    // The daytime window is not this test's subject: whatever the hour, the letters are due now.
    await api.db.query(`UPDATE messages SET due_at = now() WHERE campaign_id = $1 AND state = 'queued'`, [
      c.body.id,
    ]);
    return { id: c.body.id, rows: await rows(c.body.id) };
  };
  const rows = async (campaignId: number) =>
    (
      await api.db.query<Row>(
        `SELECT id, contact_id, state, reason, provider_message_id, raw_status, content
         FROM messages WHERE campaign_id = $1 ORDER BY contact_id`,
        [campaignId],
      )
    ).rows;
  return { org, call, contact, account, upload, launch, rows };
}

const worker = () =>
  new DispatchWorker(api.db, api.gateways, {
    ...DEFAULT_WORKER_OPTIONS,
    id: 'email-test',
    statusPollSeconds: 0,
  });

test('a campaign with each recipient’s receipt: launched, sent by a worker round over SMTP, received as rendered', async () => {
  const smtp = await startSmtpServer();
  const o = await setUp('УК «Дом»', smtp.port);
  const anna = await o.contact({ firstName: 'Анна', lastName: 'Смирнова', email: 'anna@example.ru' });
  const boris = await o.contact({ firstName: 'Борис', email: 'boris@example.ru' });
  const pdf = Buffer.concat([
    Buffer.from('%PDF-1.4 ЛС-001\n'),
    Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  ]);
  await o.upload(await o.account(anna, 'ЛС-001'), 'Квитанция ЛС-001.pdf', pdf);
  await o.account(boris, 'ЛС-002'); // no receipt: excluded at launch

  const launched = await o.launch();
  assert.deepEqual(
    launched.rows.map((r) => [r.contact_id, r.state]),
    [
      [anna, 'queued'],
      [boris, 'excluded'],
    ],
  );
  const w = worker();
  assert.equal(await w.sendDue(), 1);
  assert.equal(smtp.received.length, 1);
  const got = smtp.received[0]!;
  assert.deepEqual(got.rcptTo, ['anna@example.ru']);
  assert.equal(got.secure, true);

  const mail = await simpleParser(got.raw);
  const row = (await o.rows(launched.id))[0]!;
  assert.deepEqual(mail.from?.value, [{ address: 'info@uk-dom.ru', name: 'УК «Дом»' }]);
  assert.equal(mail.subject, 'Квитанция для Анна');
  assert.match(String(mail.html), /<p>Начислено 3456\.00 руб\.<\/p>/);
  assert.match(mail.text ?? '', /Начислено 3456\.00 руб\./);
  assert.equal(mail.messageId, `<vestnik.${row.id}@uk-dom.ru>`);
  const lines = new Map(headerLines(got.raw));
  const unsubscribe = row.content!.headers['List-Unsubscribe']!;
  assert.match(unsubscribe, /^<http[^>]+\/u\/[^>]+>$/);
  assert.equal(lines.get('list-unsubscribe'), `List-Unsubscribe: ${unsubscribe}`);
  assert.equal(lines.get('list-unsubscribe-post'), 'List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  assert.deepEqual(
    mail.attachments.map((a) => [a.filename, a.contentType]),
    [['Квитанция ЛС-001.pdf', 'application/pdf']],
  );
  assert.ok(mail.attachments[0]!.content.equals(pdf), 'the receipt arrives byte for byte');

  assert.equal(row.state, 'submitted');
  assert.equal(row.provider_message_id, `<vestnik.${row.id}@uk-dom.ru>`);
  // SMTP has no delivery report: the relay's 250 is the last word, reported at the first check.
  assert.equal(await w.checkDue(), 1);
  const done = (await o.rows(launched.id))[0]!;
  assert.deepEqual([done.state, done.raw_status], ['delivered', '250']);
  const c = await o.call('GET', `/api/v1/campaigns/${launched.id}`);
  assert.equal(c.body.state, 'completed', c.text);
});

test('a receipt deleted between the launch and the send: the letter is refused, not sent without it', async () => {
  const smtp = await startSmtpServer();
  const o = await setUp('ТСЖ «Берёзка»', smtp.port);
  const ivan = await o.contact({ firstName: 'Иван', email: 'ivan@example.ru' });
  const doc = await o.upload(
    await o.account(ivan, 'ЛС-7'),
    'Квитанция ЛС-7.pdf',
    Buffer.from('%PDF-1.4 ЛС-7'),
  );
  const launched = await o.launch();
  assert.equal(launched.rows[0]!.state, 'queued');
  const del = await o.call('DELETE', `/api/v1/documents/${doc}`);
  assert.ok(del.status < 300, del.text);

  assert.equal(await worker().sendDue(), 1);
  assert.equal(smtp.received.length, 0);
  const row = (await o.rows(launched.id))[0]!;
  assert.equal(row.state, 'rejected');
  assert.equal(row.raw_status, 'ATTACHMENT_MISSING');
  assert.match(row.reason ?? '', /^attachment_missing: document \d+ \(«Квитанция ЛС-7\.pdf»\) was deleted/);
});

test('from the command line: gateway add --kind smtp, gateway test, campaign create and launch, then sent', async () => {
  const smtp = await startSmtpServer();
  const o = await setUp('СНТ «Командная строка»', smtp.port, 'none');
  const run = async (...argv: string[]) => {
    const io = bufferIO();
    const code = await runProgram({ config: api.config, io, serverDb: api.db }, [
      ...argv,
      '--org',
      String(o.org.id),
    ]);
    return { code, out: io.stdout, err: io.stderr };
  };
  const add = await run(
    'gateway',
    'add',
    'mail',
    '--kind',
    'smtp',
    '--priority',
    '-1',
    '--set',
    'host=127.0.0.1',
    '--set',
    `port:=${smtp.port}`,
    '--set',
    'user=mailer',
    '--set',
    'password=секрет-123',
    '--set',
    'from=info@snt-cli.ru',
    '--set',
    'fromName=СНТ',
    '--set',
    `tlsCa=${TEST_TLS.cert}`,
  );
  assert.equal(add.code, 0, add.err);
  assert.match(add.out, /«mail»: smtp, email, priority -1/);
  assert.match(add.out, /credentials set: password/);
  assert.doesNotMatch(add.out, /секрет-123/);
  const t = await run('gateway', 'test', 'mail');
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /connected to 127\.0\.0\.1:\d+ with STARTTLS, logged in as mailer; nothing was sent/);
  assert.equal(smtp.received.length, 0);

  const petr = await o.contact({ firstName: 'Пётр', email: 'petr@example.ru' });
  const pdf = Buffer.from('%PDF-1.4 участок 17');
  await o.upload(await o.account(petr, '17'), 'Квитанция 17.pdf', pdf);
  const created = await run(
    'campaign',
    'create',
    '--name',
    'Взносы',
    '--channel',
    'email',
    '--subject',
    'Взносы за участок',
    '--text',
    '<p>{{ contact.first_name }}, начислено {{ total }} руб.</p>',
    '--attach-own',
    'receipt:account',
  );
  assert.equal(created.code, 0, created.err);
  const id = /Created campaign (\d+)/.exec(created.out)![1]!;
  const launched = await run('campaign', 'launch', id);
  assert.equal(launched.code, 0, launched.err);
  assert.match(launched.out, /1 queued, 0 excluded/);
  await api.db.query(`UPDATE messages SET due_at = now() WHERE campaign_id = $1 AND state = 'queued'`, [id]);

  assert.equal(await worker().sendDue(), 1);
  const mail = await simpleParser(smtp.received[0]!.raw);
  assert.deepEqual(mail.from?.value, [{ address: 'info@snt-cli.ru', name: 'СНТ' }]);
  assert.equal(mail.subject, 'Взносы за участок');
  assert.match(String(mail.html), /Пётр, начислено 3456\.00 руб\./);
  assert.deepEqual(
    mail.attachments.map((a) => [a.filename, a.content.equals(pdf)]),
    [['Квитанция 17.pdf', true]],
  );
});

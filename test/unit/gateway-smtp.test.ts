/**
 * The `smtp` gateway against a real SMTP server (test/helpers/smtp.ts): the letter as received and
 * parsed back (From, To, Subject, both parts, List-Unsubscribe, attachments byte for byte, the
 * Message-ID carrying Vestnik's id), STARTTLS and AUTH actually used, the DKIM signature verified,
 * every kind of answer mapped to its outcome, and the settings refused with the setting named.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { test } from 'node:test';
import { simpleParser } from 'mailparser';
import type { Gateway, OutgoingMessage } from '../../src/providers/provider.ts';
import { createSmtpGateway } from '../../src/providers/smtp.ts';
import { headerLines, startSmtpServer, TEST_TLS, verifyDkim } from '../helpers/smtp.ts';

function gateway(settings: Record<string, unknown>, channel: 'email' | 'sms' = 'email'): Gateway {
  const g = createSmtpGateway({ gatewayId: 1, channel, settings, callbackUrl: '', callbackSecret: '' });
  return g;
}

const base = (port: number, more: Record<string, unknown> = {}) => ({
  host: '127.0.0.1',
  port,
  user: 'mailer',
  password: 'секрет-123',
  from: 'info@snt-romashka.ru',
  fromName: 'СНТ «Ромашка»',
  tlsCa: TEST_TLS.cert,
  timeoutMs: 5000,
  ...more,
});

const letter = (id: number, address: string, more: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  id,
  channel: 'email',
  address,
  subject: 'Квитанция за ноябрь',
  body: 'Начислено 3456.00 руб.',
  sender: null,
  content: null,
  ...more,
});

// Every byte value, so a transfer encoding that loses one shows.
const PDF = Buffer.concat([
  Buffer.from('%PDF-1.4 ЛС-001\n'),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
]);
const RULES = Buffer.from('Правила пользования водой');

test('a letter over STARTTLS with AUTH: headers, both parts, List-Unsubscribe and attachments arrive as sent', async () => {
  const server = await startSmtpServer();
  const g = gateway(base(server.port));
  try {
    const unsubscribe = 'https://vestnik.example/u/abc.def';
    const [out] = await g.send([
      letter(41, 'anna@example.ru', {
        sender: 'УК «Дом»',
        content: {
          html: '<p style="color: #333">Начислено <b>3456.00</b> руб.</p>',
          headers: {
            'List-Unsubscribe': `<${unsubscribe}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          },
          attachments: [
            { documentId: 7, fileName: 'Квитанция ЛС-001.pdf' },
            { documentId: 8, fileName: 'Правила.txt' },
          ],
        },
        files: [
          { fileName: 'Квитанция ЛС-001.pdf', contentType: 'application/pdf', bytes: PDF },
          { fileName: 'Правила.txt', contentType: 'text/plain', bytes: RULES },
        ],
      }),
    ]);
    assert.equal(out?.kind, 'accepted', JSON.stringify(out));
    assert.equal(server.received.length, 1);
    const got = server.received[0]!;
    assert.equal(got.secure, true, 'STARTTLS was used before the letter');
    assert.equal(got.user, 'mailer', 'the session logged in');
    assert.equal(got.mailFrom, 'info@snt-romashka.ru');
    assert.deepEqual(got.rcptTo, ['anna@example.ru']);

    const mail = await simpleParser(got.raw);
    assert.deepEqual(mail.from?.value, [{ address: 'info@snt-romashka.ru', name: 'УК «Дом»' }]);
    assert.equal(Array.isArray(mail.to) ? undefined : mail.to?.value[0]?.address, 'anna@example.ru');
    assert.equal(mail.subject, 'Квитанция за ноябрь');
    assert.equal(mail.text?.trim(), 'Начислено 3456.00 руб.');
    assert.equal(mail.html, '<p style="color: #333">Начислено <b>3456.00</b> руб.</p>');
    assert.equal(mail.messageId, '<vestnik.41@snt-romashka.ru>');
    assert.equal(out?.kind === 'accepted' && out.providerId, '<vestnik.41@snt-romashka.ru>');
    const lines = new Map(headerLines(got.raw));
    assert.equal(lines.get('list-unsubscribe'), `List-Unsubscribe: <${unsubscribe}>`);
    assert.equal(lines.get('list-unsubscribe-post'), 'List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    assert.deepEqual(
      mail.attachments.map((a) => [a.filename, a.contentType]),
      [
        ['Квитанция ЛС-001.pdf', 'application/pdf'],
        ['Правила.txt', 'text/plain'],
      ],
    );
    assert.ok(mail.attachments[0]!.content.equals(PDF), 'the PDF arrives byte for byte');
    assert.ok(mail.attachments[1]!.content.equals(RULES));
    assert.equal(lines.has('dkim-signature'), false, 'no key configured, no signature');

    // No sender name on the message: the gateway's own; the status check reports the relay's 250.
    await g.send([letter(42, 'boris@example.ru')]);
    const plain = await simpleParser(server.received[1]!.raw);
    assert.deepEqual(plain.from?.value, [{ address: 'info@snt-romashka.ru', name: 'СНТ «Ромашка»' }]);
    assert.equal(plain.html, false);
    assert.deepEqual(await g.status!(['<vestnik.42@snt-romashka.ru>']), [
      { providerId: '<vestnik.42@snt-romashka.ru>', state: 'delivered', rawStatus: '250' },
    ]);
  } finally {
    await g.close?.();
  }
});

test('DKIM: the signature verifies against the public key, and fails once the body is altered', async () => {
  const server = await startSmtpServer();
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const g = gateway(
    base(server.port, {
      dkimDomain: 'snt-romashka.ru',
      dkimSelector: 'vestnik',
      dkim_private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    }),
  );
  try {
    const [out] = await g.send([
      letter(51, 'anna@example.ru', {
        content: {
          html: '<p>Собрание в субботу</p>',
          headers: { 'List-Unsubscribe': '<https://vestnik.example/u/x>' },
          attachments: [],
        },
      }),
    ]);
    assert.equal(out?.kind, 'accepted', JSON.stringify(out));
    const raw = server.received[0]!.raw;
    const v = verifyDkim(raw, publicKey);
    assert.equal(v.ok, true, v.why);
    assert.equal(v.tags.d, 'snt-romashka.ru');
    assert.equal(v.tags.s, 'vestnik');
    assert.match(v.tags.h ?? '', /from/i);
    const tampered = Buffer.from(raw.toString('latin1').replace(/\r\n\r\n/, '\r\n\r\nX'), 'latin1');
    assert.equal(verifyDkim(tampered, publicKey).ok, false);
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    assert.equal(verifyDkim(raw, other).ok, false);
  } finally {
    await g.close?.();
  }
});

test('answers per recipient: 250 accepted, 550 permanent, 452 rate-limited, 451 retryable, 554 after DATA permanent', async () => {
  const server = await startSmtpServer({ queuedReply: 'Ok: queued as 4F3C82A0B1' });
  const g = gateway(base(server.port, { maxConnections: 2 }));
  try {
    const outs = await g.send([
      letter(1, 'ok@example.ru'),
      letter(2, 'nobody@example.ru'),
      letter(3, 'full@example.ru'),
      letter(4, 'later@example.ru'),
      letter(5, 'spam@example.ru'),
    ]);
    const brief = outs.map((o) =>
      o.kind === 'accepted'
        ? [o.id, o.kind, o.providerId, o.rawStatus]
        : [o.id, o.kind, o.rawStatus, o.kind === 'rate_limited' ? o.retryAfterMs : undefined],
    );
    assert.deepEqual(brief, [
      [1, 'accepted', '4F3C82A0B1', '250'],
      [2, 'permanent', '550 5.1.1', undefined],
      [3, 'rate_limited', '452 4.5.3', 60_000],
      [4, 'retryable', '451 4.3.0', undefined],
      [5, 'permanent', '554 5.7.1', undefined],
    ]);
    const refused = outs[1]!;
    assert.ok(refused.kind === 'permanent' && /no such user/.test(refused.reason), JSON.stringify(refused));
    assert.deepEqual(
      server.received.map((r) => r.rcptTo[0]),
      ['ok@example.ru'],
    );
  } finally {
    await g.close?.();
  }
});

test('a server that cuts the connection, refuses it, or never greets: retryable; the others in the batch still go', async () => {
  const server = await startSmtpServer();
  const g = gateway(base(server.port));
  try {
    const outs = await g.send([letter(1, 'drop@example.ru'), letter(2, 'ok@example.ru')]);
    assert.equal(outs[0]!.kind, 'retryable', JSON.stringify(outs[0]));
    assert.equal(outs[1]!.kind, 'accepted', JSON.stringify(outs[1]));
  } finally {
    await g.close?.();
  }

  // A port nobody listens on.
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const freePort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const refused = gateway(base(freePort));
  try {
    const [out] = await refused.send([letter(3, 'ok@example.ru')]);
    assert.equal(out?.kind, 'retryable', JSON.stringify(out));
    assert.match(out?.kind === 'retryable' ? out.reason : '', /ECONNREFUSED/);
  } finally {
    await refused.close?.();
  }

  // Accepts the connection and says nothing.
  const silent = net.createServer(() => {});
  const held: net.Socket[] = [];
  silent.on('connection', (s) => held.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const mute = gateway(base((silent.address() as net.AddressInfo).port, { timeoutMs: 300 }));
  try {
    const started = Date.now();
    const [out] = await mute.send([letter(4, 'ok@example.ru')]);
    assert.equal(out?.kind, 'retryable', JSON.stringify(out));
    assert.equal(out?.kind === 'retryable' && out.rawStatus, 'ETIMEDOUT');
    assert.ok(Date.now() - started < 5000, 'gave up after the configured timeout');
  } finally {
    await mute.close?.();
    for (const s of held) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});

test('settings problems on the server side: a wrong password, a refused sender, an untrusted certificate — retryable, saying what to fix', async () => {
  const server = await startSmtpServer({ refusedSenders: ['noreply@elsewhere.ru'] });
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ password: 'wrong' }, /user and password/],
    [{ from: 'noreply@elsewhere.ru' }, /sender.*553 5\.7\.1|Sender address rejected/],
    [{ tlsCa: null }, /certificate is not trusted \(self-signed certificate\); set tlsCa/],
  ];
  for (const [more, reason] of cases) {
    const g = gateway(base(server.port, more));
    try {
      const [out] = await g.send([letter(9, 'ok@example.ru')]);
      assert.equal(out?.kind, 'retryable', JSON.stringify(out));
      assert.match(out?.kind === 'retryable' ? out.reason : '', reason);
    } finally {
      await g.close?.();
    }
  }
  assert.equal(server.received.length, 0);
  assert.deepEqual(server.logins[0], { user: 'mailer', ok: false });
});

test('TLS from the first byte (port 465 style), and no login when none is configured', async () => {
  const server = await startSmtpServer({ secure: true });
  const g = gateway(base(server.port, { secure: true }));
  try {
    const [out] = await g.send([letter(61, 'ok@example.ru')]);
    assert.equal(out?.kind, 'accepted', JSON.stringify(out));
    assert.equal(server.received[0]!.secure, true);
  } finally {
    await g.close?.();
  }
  // Without credentials the client does not try AUTH, and this server refuses the letter.
  const anonymous = gateway(base(server.port, { secure: true, user: null, password: null }));
  try {
    const [out] = await anonymous.send([letter(62, 'ok@example.ru')]);
    assert.deepEqual([out?.kind, out?.kind === 'retryable' && out.rawStatus], ['retryable', '530']);
    assert.equal(server.logins.length, 1, 'only the first gateway logged in');
  } finally {
    await anonymous.close?.();
  }
});

test('a letter whose attachments were not read is never sent without them', async () => {
  const server = await startSmtpServer();
  const g = gateway(base(server.port));
  try {
    const [out] = await g.send([
      letter(71, 'ok@example.ru', {
        content: { html: '<p>x</p>', headers: {}, attachments: [{ documentId: 1, fileName: 'a.pdf' }] },
      }),
    ]);
    assert.equal(out?.kind, 'permanent');
    assert.equal(server.received.length, 0);
  } finally {
    await g.close?.();
  }
});

test('settings are checked when the gateway is built, naming the setting at fault', () => {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  const cases: [Record<string, unknown>, string][] = [
    [{ host: undefined }, 'host'],
    [{ from: 'not an address' }, 'from'],
    [{ port: 0 }, 'port'],
    [{ password: undefined }, 'password'],
    [{ requireTLS: 'yes' }, 'requireTLS'],
    [{ dkimDomain: 'snt-romashka.ru', dkim_private_key: pem }, 'dkimSelector'],
    [
      { dkimDomain: 'snt-romashka.ru', dkimSelector: 's1', dkim_private_key: 'not a key' },
      'dkim_private_key',
    ],
    [{ maxConnections: 1.5 }, 'maxConnections'],
  ];
  for (const [more, setting] of cases) {
    assert.throws(
      () => gateway(base(25, more)),
      (err: Error & { setting?: string }) => err.name === 'GatewaySettingsError' && err.setting === setting,
      setting,
    );
  }
  assert.throws(() => gateway(base(25), 'sms'), /sends e-mail, not sms/);
  const g = gateway(base(25));
  assert.deepEqual(g.capabilities, {
    batchSize: 20,
    callbacks: false,
    polling: true,
    statusDeadlineSeconds: 3600,
  });
});

test('verify (vestnik gateway test): connects, starts TLS and logs in without sending; a wrong password is named', async () => {
  const server = await startSmtpServer();
  const g = createSmtpGateway({
    gatewayId: 1,
    channel: 'email',
    settings: base(server.port),
    callbackUrl: '',
    callbackSecret: '',
  });
  try {
    assert.equal(
      await g.verify(),
      `connected to 127.0.0.1:${server.port} with STARTTLS, logged in as mailer; nothing was sent`,
    );
  } finally {
    await g.close?.();
  }
  const wrong = createSmtpGateway({
    gatewayId: 1,
    channel: 'email',
    settings: base(server.port, { password: 'wrong' }),
    callbackUrl: '',
    callbackSecret: '',
  });
  try {
    await assert.rejects(wrong.verify(), /refused the login \(check the settings user and password\)/);
  } finally {
    await wrong.close?.();
  }
  assert.equal(server.received.length, 0);
  assert.deepEqual(
    server.logins.map((l) => l.ok),
    [true, false],
  );
});

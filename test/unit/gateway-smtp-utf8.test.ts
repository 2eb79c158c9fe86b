/**
 * SMTPUTF8 at send (RFC 6531), against smtp-server with and without the extension in its EHLO: an
 * address whose local part is not ASCII is refused for good, before anything is sent, by a gateway
 * whose server does not offer SMTPUTF8, and sent with SMTPUTF8 in MAIL FROM by one whose server
 * does. A non-ASCII domain alone needs nothing (punycode). And the display name of a letter is
 * cleaned (CT-5) whatever the message carried.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simpleParser } from 'mailparser';
import type { OutgoingMessage } from '../../src/providers/provider.ts';
import { createSmtpGateway } from '../../src/providers/smtp.ts';
import { startSmtpServer, TEST_TLS } from '../helpers/smtp.ts';

const gateway = (port: number, more: Record<string, unknown> = {}) =>
  createSmtpGateway({
    gatewayId: 1,
    channel: 'email',
    settings: {
      host: '127.0.0.1',
      port,
      user: 'mailer',
      password: 'секрет-123',
      from: 'info@snt-romashka.ru',
      fromName: 'СНТ «Ромашка»',
      tlsCa: TEST_TLS.cert,
      timeoutMs: 5000,
      ...more,
    },
    callbackUrl: '',
    callbackSecret: '',
  });

const letter = (id: number, address: string, sender: string | null = null): OutgoingMessage => ({
  id,
  channel: 'email',
  address,
  subject: 'Показания счётчиков',
  body: 'Передайте показания до 25 числа.',
  sender,
  content: null,
});

test('a server without SMTPUTF8: the non-ASCII local part is refused for good, the rest are sent', async () => {
  const server = await startSmtpServer({ smtpUtf8: false });
  const g = gateway(server.port);
  try {
    const outs = await g.send([
      letter(1, 'иван@пример.рф'),
      letter(2, 'ivan@пример.рф'),
      letter(3, 'maria@example.ru'),
      letter(4, 'jörg@example.de'),
    ]);
    assert.deepEqual(
      outs.map((o) => [o.id, o.kind, 'rawStatus' in o ? o.rawStatus : null]),
      [
        [1, 'permanent', 'NO_SMTPUTF8'],
        [2, 'accepted', '250'],
        [3, 'accepted', '250'],
        [4, 'permanent', 'NO_SMTPUTF8'],
      ],
    );
    const reason = outs[0]?.kind === 'permanent' ? outs[0].reason : '';
    assert.match(reason, /«иван»/, 'the reason names the local part');
    assert.match(reason, /127\.0\.0\.1 does not offer SMTPUTF8/, 'and the server that lacks it');
    // smtp-server shows the punycode domain decoded; the aiosmtpd test sees it on the wire.
    assert.deepEqual(server.received.map((r) => r.rcptTo).sort(), [['ivan@пример.рф'], ['maria@example.ru']]);
    assert.ok(server.received.every((r) => !r.smtpUtf8));
    // The answer is remembered: a second letter is refused the same way, still nothing sent.
    const [again] = await g.send([letter(5, 'пётр@example.ru')]);
    assert.equal(again?.kind, 'permanent');
    assert.equal(server.received.length, 2);
  } finally {
    await g.close?.();
  }
});

test('a server with SMTPUTF8: the letter goes with SMTPUTF8 in MAIL FROM, the address intact', async () => {
  const server = await startSmtpServer();
  const g = gateway(server.port);
  try {
    const [out, ascii] = await g.send([letter(11, 'иван@пример.рф'), letter(12, 'maria@example.ru')]);
    assert.equal(out?.kind, 'accepted', JSON.stringify(out));
    assert.equal(ascii?.kind, 'accepted', JSON.stringify(ascii));
    const utf8 = server.received.find((r) => r.rcptTo[0] === 'иван@пример.рф');
    assert.ok(utf8, JSON.stringify(server.received.map((r) => r.rcptTo)));
    assert.equal(utf8.smtpUtf8, true);
    assert.equal(utf8.secure, true, 'after STARTTLS');
    const mail = await simpleParser(utf8.raw);
    assert.equal(Array.isArray(mail.to) ? undefined : mail.to?.value[0]?.address, 'иван@пример.рф');
    const plain = server.received.find((r) => r.rcptTo[0] === 'maria@example.ru');
    assert.equal(plain?.smtpUtf8, false, 'an ASCII address does not ask for it');
  } finally {
    await g.close?.();
  }
});

test('a server that cannot be reached while checking for SMTPUTF8: retryable, not refused for good', async () => {
  const server = await startSmtpServer();
  const port = server.port;
  await server.close();
  const g = gateway(port, { timeoutMs: 2000 });
  try {
    const [out] = await g.send([letter(21, 'иван@пример.рф')]);
    assert.equal(out?.kind, 'retryable', JSON.stringify(out));
  } finally {
    await g.close?.();
  }
});

test('the From display name is cleaned (CT-5) whether it came from the message or the setting', async () => {
  const server = await startSmtpServer();
  const g = gateway(server.port, { fromName: 'СНТ\u202e «Ромашка» <admin@evil.example>' });
  try {
    await g.send([
      letter(31, 'a@example.ru', 'УК (Дом): support@uk.ru;\u200b\u0007'),
      letter(32, 'b@example.ru'),
    ]);
    const names = await Promise.all(
      server.received.map(async (r) => {
        const mail = await simpleParser(r.raw);
        return [r.rcptTo[0], mail.from?.value[0]?.name, mail.from?.value[0]?.address];
      }),
    );
    assert.deepEqual(names.sort(), [
      ['a@example.ru', 'УК Дом supportuk.ru', 'info@snt-romashka.ru'],
      ['b@example.ru', 'СНТ «Ромашка» adminevil.example', 'info@snt-romashka.ru'],
    ]);
  } finally {
    await g.close?.();
  }
});

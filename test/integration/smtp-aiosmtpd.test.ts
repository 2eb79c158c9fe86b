/**
 * The `smtp` gateway against servers and verifiers this project did not write: Python's aiosmtpd
 * (Debian's) with STARTTLS required and AUTH, and dkimpy verifying the DKIM signature with the public
 * key handed over through its dnsfunc (no DNS). RFC 8058 §4: List-Unsubscribe and
 * List-Unsubscribe-Post must both be covered by the signature, so h= is checked for both and a
 * letter whose List-Unsubscribe-Post was altered after signing must fail. SMTPUTF8 (RFC 6531): an
 * address with a non-ASCII local part goes only to a server that offers the extension.
 *
 * Needs /usr/bin/python3 with aiosmtpd and dkim (Debian: python3-aiosmtpd, python3-dkim); skips
 * with a message when they are missing.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import { after, test } from 'node:test';
import { simpleParser } from 'mailparser';
import type { OutgoingMessage } from '../../src/providers/provider.ts';
import { createSmtpGateway } from '../../src/providers/smtp.ts';
import { TEST_TLS } from '../helpers/smtp.ts';

const PYTHON = '/usr/bin/python3';
const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'python');
const probe = spawnSync(PYTHON, ['-c', 'import aiosmtpd, dkim'], { encoding: 'utf8' });
const skip =
  probe.status === 0
    ? false
    : `needs ${PYTHON} with aiosmtpd and dkim (apt-get install python3-aiosmtpd python3-dkim): ${probe.error?.message ?? probe.stderr.trim()}`;

interface Received {
  mail_from: string;
  rcpt_tos: string[];
  smtp_utf8: boolean;
  secure: boolean;
  raw: Buffer;
}

/** aiosmtpd on a free port; its letters arrive as JSON lines on its stdout. */
async function startAiosmtpd(smtputf8: boolean): Promise<{ port: number; next(): Promise<Received> }> {
  const child: ChildProcess = spawn(
    PYTHON,
    [path.join(FIXTURES, 'aiosmtpd_server.py'), 'mailer', 'секрет-123', ...(smtputf8 ? ['--smtputf8'] : [])],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  after(() => {
    child.stdin?.end(); // the server stops when its stdin closes
    if (child.exitCode === null) child.kill();
  });
  const lines: string[] = [];
  let wake: (() => void) | null = null;
  readline.createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    wake?.();
  });
  const line = async (what: string): Promise<string> => {
    const deadline = Date.now() + 10_000;
    while (lines.length === 0) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`aiosmtpd: no ${what}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 200);
      });
    }
    return lines.shift()!;
  };
  const { port } = JSON.parse(await line('port')) as { port: number };
  return {
    port,
    async next() {
      const r = JSON.parse(await line('letter')) as Omit<Received, 'raw'> & { raw: string };
      return { ...r, raw: Buffer.from(r.raw, 'base64') };
    },
  };
}

/** dkimpy's verdict on a letter, the key's TXT record answered for `name` only. */
function dkimpy(raw: Buffer, name: string, record: string) {
  const r = spawnSync(PYTHON, [path.join(FIXTURES, 'dkim_verify.py'), name, record], {
    input: raw,
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { ok: boolean; error: string | null; tags: Record<string, string> };
  const h = (out.tags.h ?? '').replace(/\s+/g, '').toLowerCase().split(':');
  return { ...out, h };
}

const letter = (id: number, address: string, more: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  id,
  channel: 'email',
  address,
  subject: 'Собрание членов СНТ 14 декабря',
  body: 'Уважаемые садоводы! Общее собрание в субботу в 11:00.',
  sender: 'СНТ «Ромашка»',
  content: null,
  ...more,
});

const settings = (port: number, more: Record<string, unknown> = {}) => ({
  host: '127.0.0.1',
  port,
  user: 'mailer',
  password: 'секрет-123',
  from: 'info@snt-romashka.ru',
  tlsCa: TEST_TLS.cert,
  timeoutMs: 5000,
  ...more,
});

const gateway = (s: Record<string, unknown>) =>
  createSmtpGateway({ gatewayId: 1, channel: 'email', settings: s, callbackUrl: '', callbackSecret: '' });

test('DKIM (dkimpy): verifies, h= covers List-Unsubscribe and List-Unsubscribe-Post; altering either breaks it', {
  skip,
}, async () => {
  const server = await startAiosmtpd(false);
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const record = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
  const g = gateway(
    settings(server.port, {
      dkimDomain: 'snt-romashka.ru',
      dkimSelector: 'vestnik',
      dkimPrivateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    }),
  );
  try {
    const [out] = await g.send([
      letter(501, 'anna@example.ru', {
        content: {
          html: '<p>Уважаемые садоводы! Общее собрание в <b>субботу</b> в 11:00.</p>',
          headers: {
            'List-Unsubscribe': '<https://vestnik.example/u/abc.def>',
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          },
          attachments: [{ documentId: 1, fileName: 'Повестка.txt' }],
        },
        files: [
          { fileName: 'Повестка.txt', contentType: 'text/plain', bytes: Buffer.from('1. Отчёт правления') },
        ],
      }),
    ]);
    assert.equal(out?.kind, 'accepted', JSON.stringify(out));
    const got = await server.next();
    assert.equal(got.secure, true, 'the letter went after STARTTLS');
    assert.equal(got.mail_from, 'info@snt-romashka.ru');
    assert.deepEqual(got.rcpt_tos, ['anna@example.ru']);
    assert.equal(got.smtp_utf8, false, 'an ASCII address does not ask for SMTPUTF8');
    const mail = await simpleParser(got.raw);
    assert.equal(mail.subject, 'Собрание членов СНТ 14 декабря');
    assert.equal(mail.attachments[0]?.content.toString(), '1. Отчёт правления');

    const name = 'vestnik._domainkey.snt-romashka.ru';
    const v = dkimpy(got.raw, name, record);
    assert.equal(v.ok, true, `dkimpy: ${v.error}`);
    assert.equal(v.tags.d, 'snt-romashka.ru');
    assert.equal(v.tags.s, 'vestnik');
    for (const field of [
      'from',
      'to',
      'subject',
      'date',
      'message-id',
      'mime-version',
      'content-type',
      'list-unsubscribe',
      'list-unsubscribe-post',
    ])
      assert.ok(v.h.includes(field), `h= covers ${field}: ${v.h.join(':')}`);

    const text = got.raw.toString('latin1');
    const alter = (from: string, to: string) => {
      assert.ok(text.includes(from), from);
      return Buffer.from(text.replace(from, to), 'latin1');
    };
    const postAltered = alter(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
      'List-Unsubscribe-Post: List-Unsubscribe=Two-Click',
    );
    assert.equal(dkimpy(postAltered, name, record).ok, false, 'List-Unsubscribe-Post altered after signing');
    const linkAltered = alter('https://vestnik.example/u/abc.def', 'https://evil.example/u/abc.def');
    assert.equal(dkimpy(linkAltered, name, record).ok, false, 'List-Unsubscribe altered after signing');
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const otherRecord = `v=DKIM1; k=rsa; p=${other.export({ type: 'spki', format: 'der' }).toString('base64')}`;
    assert.equal(dkimpy(got.raw, name, otherRecord).ok, false, 'another key does not verify it');
    assert.equal(dkimpy(got.raw, 'other._domainkey.snt-romashka.ru', record).ok, false, 'no key at the name');
  } finally {
    await g.close?.();
  }
});

test('SMTPUTF8 (aiosmtpd): a non-ASCII local part is refused by a server without it, sent to one with it', {
  skip,
}, async () => {
  const without = await startAiosmtpd(false);
  const plain = gateway(settings(without.port));
  try {
    const [refused, ascii] = await plain.send([
      letter(601, 'иван@пример.рф'),
      letter(602, 'ivan@пример.рф'), // a non-ASCII domain alone goes as punycode
    ]);
    assert.equal(refused?.kind, 'permanent', JSON.stringify(refused));
    assert.equal(refused?.kind === 'permanent' && refused.rawStatus, 'NO_SMTPUTF8');
    assert.match(refused?.kind === 'permanent' ? refused.reason : '', /«иван».*SMTPUTF8/);
    assert.equal(ascii?.kind, 'accepted', JSON.stringify(ascii));
    const got = await without.next();
    assert.deepEqual(got.rcpt_tos, ['ivan@xn--e1afmkfd.xn--p1ai']);
    assert.equal(got.smtp_utf8, false);
  } finally {
    await plain.close?.();
  }

  const withUtf8 = await startAiosmtpd(true);
  const g = gateway(settings(withUtf8.port));
  try {
    const [out] = await g.send([letter(603, 'иван@пример.рф')]);
    assert.equal(out?.kind, 'accepted', JSON.stringify(out));
    const got = await withUtf8.next();
    assert.equal(got.smtp_utf8, true, 'MAIL FROM said SMTPUTF8');
    assert.deepEqual(got.rcpt_tos, ['иван@пример.рф']);
  } finally {
    await g.close?.();
  }
});

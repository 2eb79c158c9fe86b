/**
 * A real SMTP server for the e-mail tests (the `smtp-server` package) on 127.0.0.1 and a free port:
 * STARTTLS (or TLS from the first byte) with the test-only certificate in test/fixtures/smtp-tls,
 * AUTH required over TLS, and answers chosen per recipient by the address's local part:
 *
 *   nobody@   550 5.1.1 at RCPT TO        full@    452 4.5.3 at RCPT TO
 *   later@    451 4.3.0 at RCPT TO        spam@    554 5.7.1 after DATA
 *   drop@     the connection is cut at RCPT TO
 *
 * Every letter accepted is kept as received (raw bytes) with its envelope and session.
 * `verifyDkim` checks a DKIM-Signature (rsa-sha256, relaxed/relaxed — what nodemailer signs with)
 * against a public key, so the tests verify the signature, not just its presence.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type net from 'node:net';
import { after } from 'node:test';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

const FIXTURES = new URL('../fixtures/smtp-tls/', import.meta.url);
export const TEST_TLS = {
  key: fs.readFileSync(new URL('key.pem', FIXTURES), 'utf8'),
  cert: fs.readFileSync(new URL('cert.pem', FIXTURES), 'utf8'),
};

export interface ReceivedLetter {
  mailFrom: string;
  rcptTo: string[];
  raw: Buffer;
  secure: boolean;
  user: string | undefined;
  /** MAIL FROM carried the SMTPUTF8 parameter (RFC 6531). */
  smtpUtf8: boolean;
}

export interface TestSmtpServer {
  port: number;
  received: ReceivedLetter[];
  /** Sessions that tried to log in, and whether they were let in. */
  logins: { user: string; ok: boolean }[];
  close(): Promise<void>;
}

const fail = (code: number, message: string): Error =>
  Object.assign(new Error(message), { responseCode: code });

export async function startSmtpServer(
  o: {
    user?: string;
    password?: string;
    /** TLS from the first byte (port 465 style) instead of STARTTLS. */
    secure?: boolean;
    /** The 250 text after DATA (default smtp-server's «OK: message queued»). */
    queuedReply?: string;
    /** Senders refused at MAIL FROM with 553. */
    refusedSenders?: string[];
    /** Offer SMTPUTF8 in the EHLO answer (default true, as smtp-server does). */
    smtpUtf8?: boolean;
  } = {},
): Promise<TestSmtpServer> {
  const user = o.user ?? 'mailer';
  const password = o.password ?? 'секрет-123';
  const received: ReceivedLetter[] = [];
  const logins: { user: string; ok: boolean }[] = [];
  const sockets = new Set<net.Socket>();
  const socketOf = (session: SMTPServerSession) =>
    [...sockets].find((s) => s.remotePort === session.remotePort);
  const server = new SMTPServer({
    secure: o.secure ?? false,
    ...TEST_TLS,
    logger: false,
    hideSMTPUTF8: o.smtpUtf8 === false,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, cb) {
      const ok = auth.username === user && auth.password === password;
      logins.push({ user: auth.username ?? '', ok });
      if (!ok) return cb(fail(535, '5.7.8 Authentication credentials invalid'));
      cb(null, { user: auth.username });
    },
    onMailFrom(address, _session, cb) {
      if (o.refusedSenders?.includes(address.address))
        return cb(fail(553, '5.7.1 Sender address rejected: not owned by user'));
      cb();
    },
    onRcptTo(address, session, cb) {
      const local = address.address.split('@')[0];
      if (local === 'nobody') return cb(fail(550, '5.1.1 Mailbox unavailable: no such user'));
      if (local === 'full') return cb(fail(452, '4.5.3 Too many recipients, slow down'));
      if (local === 'later') return cb(fail(451, '4.3.0 Local error in processing, try later'));
      if (local === 'drop') {
        socketOf(session)?.destroy();
        return;
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const rcptTo = session.envelope.rcptTo.map((r) => r.address);
        if (rcptTo.some((a) => a.startsWith('spam@'))) return cb(fail(554, '5.7.1 Message rejected as spam'));
        received.push({
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo,
          raw: Buffer.concat(chunks),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
          smtpUtf8: session.envelope.smtpUtf8 === true,
        });
        if (o.queuedReply) cb(null, o.queuedReply);
        else cb();
      });
    },
  });
  server.server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as net.AddressInfo).port;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  after(close);
  return { port, received, logins, close };
}

/** The letter's header fields as received, in order: [name in lower case, the field's lines]. */
function rawHeaderLines(raw: Buffer): [string, string][] {
  const text = raw.toString('latin1');
  const head = text.slice(0, text.indexOf('\r\n\r\n') + 2);
  return head
    .split(/\r\n(?![ \t])/)
    .filter((l) => l.length > 0)
    .map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l]);
}

/** The same, unfolded (RFC 5322 §2.2.3: a long field may be folded at any whitespace). */
export function headerLines(raw: Buffer): [string, string][] {
  return rawHeaderLines(raw).map(([name, line]) => [name, line.replace(/\r\n(?=[ \t])/g, '')]);
}

/** RFC 6376 verification of the letter's DKIM-Signature (rsa-sha256, relaxed/relaxed). */
export function verifyDkim(
  raw: Buffer,
  publicKey: crypto.KeyObject,
): { ok: boolean; why: string; tags: Record<string, string> } {
  const text = raw.toString('latin1');
  const lines = rawHeaderLines(raw);
  const sig = lines.find(([n]) => n === 'dkim-signature');
  if (!sig) return { ok: false, why: 'no DKIM-Signature header', tags: {} };
  const value = sig[1].slice(sig[1].indexOf(':') + 1);
  const tags: Record<string, string> = {};
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) tags[part.slice(0, eq).trim()] = part.slice(eq + 1).replace(/\s+/g, '');
  }
  if (tags.a !== 'rsa-sha256' || tags.c !== 'relaxed/relaxed')
    return { ok: false, why: `unexpected a=${tags.a} c=${tags.c}`, tags };
  // Body, relaxed: runs of whitespace to one space, none at line ends, no empty lines at the end.
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  const canonBody = body
    .split('\r\n')
    .map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''))
    .join('\r\n')
    .replace(/(\r\n)*$/, '');
  const bodyHash = crypto
    .createHash('sha256')
    .update(canonBody ? `${canonBody}\r\n` : '', 'latin1')
    .digest('base64');
  if (bodyHash !== tags.bh) return { ok: false, why: 'body hash differs', tags };
  // Headers, relaxed, in h= order, each name taking its occurrences from the bottom up.
  const relaxed = (line: string) => {
    const i = line.indexOf(':');
    const v = line
      .slice(i + 1)
      .replace(/\r\n/g, '')
      .replace(/[ \t]+/g, ' ')
      .trim();
    return `${line.slice(0, i).trim().toLowerCase()}:${v}`;
  };
  const used = new Set<number>();
  let signed = '';
  for (const name of (tags.h ?? '').toLowerCase().split(':')) {
    for (let i = lines.length - 1; i >= 0; i--) {
      if (lines[i]![0] === name && !used.has(i)) {
        used.add(i);
        signed += `${relaxed(lines[i]![1])}\r\n`;
        break;
      }
    }
  }
  signed += relaxed(sig[1].replace(/(^|;)(\s*b\s*=)[^;]*/, '$1$2'));
  const ok = crypto.verify(
    'sha256',
    Buffer.from(signed, 'latin1'),
    publicKey,
    Buffer.from(tags.b ?? '', 'base64'),
  );
  return { ok, why: ok ? 'verified' : 'signature does not verify', tags };
}

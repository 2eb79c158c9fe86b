/**
 * The `smtp` gateway (PR-3): e-mail through any SMTP server — the organisation's own relay, a
 * hosting provider's, Yandex 360, Mail.ru for business — with nodemailer's pooled transport.
 *
 * The letter: From is `fromName <from>` (the message's sender name when it has one), the subject,
 * the plain-text part, the HTML part, the List-Unsubscribe headers the launch rendered (RFC 8058)
 * and the attachments the worker read (OutgoingMessage.files). Its Message-ID carries Vestnik's
 * message id, so a letter sent again after a lost answer is recognisably the same letter.
 * DKIM-signed when a key is configured: h= covers the From, To, Subject, Date, Message-ID, MIME and
 * List-* fields present, List-Unsubscribe and List-Unsubscribe-Post together (RFC 8058 §4: a mailbox
 * provider honours one-click only when the signature covers both). The display name goes through
 * headerDisplayName (CT-5) whichever path it came by.
 *
 * SMTPUTF8 (RFC 6531): an address whose local part is not ASCII (core/email/smtputf8.ts) is sent only
 * when the server offers SMTPUTF8 in its EHLO answer — nodemailer then says SMTPUTF8 in MAIL FROM;
 * otherwise it is refused for good, before anything is sent. Whether the server offers it is asked
 * once (a connection of its own: EHLO after STARTTLS, then QUIT) and remembered for ten minutes.
 *
 * Answers (RFC 5321 reply codes), per message:
 *   2xx                         accepted; providerId = the server's queue id, else the Message-ID
 *   452, 4xx "rate/too many"    rate_limited: slow down, the attempt is not counted
 *   other 4xx, 503              retryable
 *   5xx to RCPT TO or DATA      permanent: this address or this letter is refused for good
 *   5xx to MAIL FROM, 530       retryable: the sender or the login is wrong for every letter, a
 *                               settings problem — not each recipient's fault (fail-over can act)
 *   login refused, connection refused, timeout, dropped connection: retryable
 *
 * Status: SMTP has no delivery reports. A 250 after the letter means the server "accepted
 * responsibility for delivering" it (RFC 5321 §6.1), and that is the last word this protocol gives:
 * the first status check reports it `delivered` with raw status 250, locally, without asking anyone.
 * Bounces the relay may send later go to the From address's mailbox, not to Vestnik.
 * `vestnik gateway test` calls verify(): connect, TLS, login — nothing is sent.
 *
 * Every connection is opened here, to an address of the host checked by hostGuard.ts (no private
 * or metadata address unless the instance allows it), and handed to nodemailer as an open socket;
 * TLS (from the first byte or by STARTTLS) still checks the certificate against the host's name.
 *
 * Settings: host (required), port (587; 465 when secure), secure (TLS from the first byte; default
 * when port is 465), requireTLS (STARTTLS required, default true unless secure; false only for a
 * relay on a trusted network), user, password (secret), from (required), fromName, replyTo,
 * maxConnections (5), maxMessages per connection (100), timeoutMs (30000), tlsCa (PEM of a private
 * CA or self-signed certificate to trust), dkimDomain + dkimSelector + dkimPrivateKey (secret; the
 * older name dkim_private_key is read too), statusDeadlineSeconds (3600).
 */
import crypto from 'node:crypto';
import net from 'node:net';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { headerDisplayName } from '../core/email/displayName.ts';
import { ehloOffersSmtpUtf8, localPart, needsSmtpUtf8 } from '../core/email/smtputf8.ts';
import { guardedConnect } from './hostGuard.ts';
import {
  acceptedIsDelivered,
  type Gateway,
  type GatewayContext,
  GatewaySettingsError,
  type OutgoingMessage,
  type SendOutcome,
  unreadAttachments,
} from './provider.ts';

interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  requireTLS: boolean;
  auth: { user: string; pass: string } | null;
  from: string;
  fromName: string | null;
  replyTo: string | null;
  maxConnections: number;
  maxMessages: number;
  timeoutMs: number;
  tlsCa: string | null;
  dkim: { domainName: string; keySelector: string; privateKey: string; headerFieldNames: string } | null;
  statusDeadlineSeconds: number;
}

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;

/**
 * The fields the DKIM signature covers, those present in the letter (nodemailer leaves out the
 * absent ones). nodemailer's default list has List-Unsubscribe but not List-Unsubscribe-Post, and
 * RFC 8058 §4 wants both signed, so the list is Vestnik's own.
 */
export const DKIM_SIGNED = [
  'From',
  'Sender',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'To',
  'Cc',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'In-Reply-To',
  'References',
  'List-Id',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
].join(':');

/** How long an answer to «does the server offer SMTPUTF8?» is trusted. */
const SMTPUTF8_CHECK_MS = 10 * 60_000;

function text(raw: Record<string, unknown>, name: string): string | null {
  const v = raw[name];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') throw new GatewaySettingsError(name, `${name} must be a string`);
  return v;
}

function positive(raw: Record<string, unknown>, name: string, fallback: number): number {
  const v = raw[name] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
    throw new GatewaySettingsError(name, `${name} must be a positive whole number`);
  return v;
}

function flag(raw: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const v = raw[name] ?? fallback;
  if (typeof v !== 'boolean') throw new GatewaySettingsError(name, `${name} must be true or false`);
  return v;
}

export function smtpSettings(raw: Record<string, unknown>): SmtpSettings {
  const host = text(raw, 'host');
  if (!host) throw new GatewaySettingsError('host', 'host: the SMTP server name is required');
  const from = text(raw, 'from');
  if (!from || !ADDRESS.test(from))
    throw new GatewaySettingsError('from', 'from must be the sender address, e.g. info@snt-romashka.ru');
  const port = positive(raw, 'port', raw.secure === true ? 465 : 587);
  const secure = flag(raw, 'secure', port === 465);
  const user = text(raw, 'user');
  const pass = text(raw, 'password');
  if (Boolean(user) !== Boolean(pass))
    throw new GatewaySettingsError(user ? 'password' : 'user', 'user and password go together');
  const dkimDomain = text(raw, 'dkimDomain');
  const dkimSelector = text(raw, 'dkimSelector');
  // dkim_private_key: the name the setting had first; gateways saved with it keep working.
  const keyName =
    text(raw, 'dkimPrivateKey') || !text(raw, 'dkim_private_key') ? 'dkimPrivateKey' : 'dkim_private_key';
  const dkimKey = text(raw, keyName);
  const dkimSet = [dkimDomain, dkimSelector, dkimKey].filter(Boolean).length;
  if (dkimSet > 0 && dkimSet < 3) {
    const missing = !dkimDomain ? 'dkimDomain' : !dkimSelector ? 'dkimSelector' : keyName;
    throw new GatewaySettingsError(
      missing,
      `DKIM needs dkimDomain, dkimSelector and dkimPrivateKey: ${missing} is missing`,
    );
  }
  if (dkimKey) {
    try {
      crypto.createPrivateKey(dkimKey);
    } catch {
      throw new GatewaySettingsError(keyName, `${keyName} is not a PEM private key`);
    }
  }
  if (needsSmtpUtf8(from))
    throw new GatewaySettingsError(
      'from',
      `from \`${from}\` has non-Latin characters before the @; the sender address must be ASCII there`,
    );
  return {
    host,
    port,
    secure,
    requireTLS: flag(raw, 'requireTLS', !secure),
    auth: user && pass ? { user, pass } : null,
    from,
    fromName: text(raw, 'fromName'),
    replyTo: text(raw, 'replyTo'),
    maxConnections: positive(raw, 'maxConnections', 5),
    maxMessages: positive(raw, 'maxMessages', 100),
    timeoutMs: positive(raw, 'timeoutMs', 30_000),
    tlsCa: text(raw, 'tlsCa'),
    dkim:
      dkimDomain && dkimSelector && dkimKey
        ? {
            domainName: dkimDomain,
            keySelector: dkimSelector,
            privateKey: dkimKey,
            headerFieldNames: DKIM_SIGNED,
          }
        : null,
    statusDeadlineSeconds: positive(raw, 'statusDeadlineSeconds', 3600),
  };
}

/** What a failed send tells about the message, from nodemailer's error. */
interface SmtpFailure extends Error {
  code?: string | undefined;
  command?: string | undefined;
  response?: string | undefined;
  responseCode?: number | undefined;
}

/** `550 5.1.1`: the reply code and, when given, the enhanced status code (RFC 3463). */
function rawCode(code: number, reply: string): string {
  const enhanced = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply)?.[1];
  return enhanced ? `${code} ${enhanced}` : String(code);
}

const SLOW_DOWN = /rate|too many|throttl|limit exceeded|try again later/i;
const RATE_PAUSE_MS = 60_000;

export function smtpOutcome(id: number, err: SmtpFailure): SendOutcome {
  const code = err.responseCode;
  const reply = (err.response ?? err.message).slice(0, 500);
  if (err.code === 'EAUTH' || err.code === 'ENOAUTH')
    return {
      id,
      kind: 'retryable',
      rawStatus: code ? rawCode(code, reply) : (err.code ?? 'EAUTH'),
      reason: `the server refused the login (check the settings user and password): ${reply}`,
    };
  if (!code || code < 400) {
    // A certificate the client does not trust is a setting to fix, not the network's mood.
    const untrusted = /certificate|CERT_/i.test(`${reply} ${err.code}`);
    return {
      id,
      kind: 'retryable',
      rawStatus: err.code ?? 'ERROR',
      reason: untrusted
        ? `the server's TLS certificate is not trusted (${reply}); set tlsCa if it is yours`
        : reply,
    };
  }
  const raw = rawCode(code, reply);
  if (code < 500) {
    if (code === 452 || SLOW_DOWN.test(reply))
      return { id, kind: 'rate_limited', rawStatus: raw, reason: reply, retryAfterMs: RATE_PAUSE_MS };
    return { id, kind: 'retryable', rawStatus: raw, reason: reply };
  }
  if (code === 503 || code === 530 || err.command === 'MAIL FROM')
    return {
      id,
      kind: 'retryable',
      rawStatus: raw,
      reason: `the server refused the sender or session: ${reply}`,
    };
  return { id, kind: 'permanent', rawStatus: raw, reason: reply };
}

/** The server's own id for the letter, from its 250 answer (Postfix, Exim, smtp-server), if it says. */
function queueId(response: string): string | null {
  return /queued as ([\w.-]+)/i.exec(response)?.[1] ?? /\bid=([\w.-]+)/.exec(response)?.[1] ?? null;
}

export type SmtpGateway = Gateway & {
  /** Connects, starts TLS and logs in without sending anything; says what worked or what is wrong. */
  verify(): Promise<string>;
};

export function createSmtpGateway(ctx: GatewayContext): SmtpGateway {
  if (ctx.channel !== 'email')
    throw new GatewaySettingsError('channel', `an smtp gateway sends e-mail, not ${ctx.channel}`);
  const s = smtpSettings(ctx.settings);
  const domain = s.from.slice(s.from.lastIndexOf('@') + 1);

  /** A plain TCP connection to a checked address of the host; nodemailer starts TLS on it. */
  function connectChecked(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      let socket: net.Socket;
      try {
        socket = net.connect(guardedConnect(s.host, s.port));
      } catch (err) {
        reject(err);
        return;
      }
      const timer = setTimeout(
        () =>
          socket.destroy(
            Object.assign(new Error(`no connection in ${s.timeoutMs} ms`), { code: 'ETIMEDOUT' }),
          ),
        s.timeoutMs,
      );
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(socket);
      });
    });
  }

  const transport = nodemailer.createTransport({
    pool: true,
    getSocket: (
      _options: unknown,
      callback: (err: Error | null, socket?: { connection: net.Socket }) => void,
    ) => {
      connectChecked().then(
        (connection) => callback(null, { connection }),
        (err: Error) => callback(err),
      );
    },
    host: s.host,
    port: s.port,
    secure: s.secure,
    requireTLS: s.requireTLS,
    ...(s.auth ? { auth: s.auth } : {}),
    maxConnections: s.maxConnections,
    maxMessages: s.maxMessages,
    // One immediate retry on a fresh connection covers a pooled connection the server closed while
    // idle; anything more is Vestnik's retry with back-off, which counts the attempt.
    maxRequeues: 1,
    connectionTimeout: s.timeoutMs,
    greetingTimeout: s.timeoutMs,
    socketTimeout: s.timeoutMs,
    ...(s.tlsCa ? { tls: { ca: s.tlsCa } } : {}),
    ...(s.dkim ? { dkim: s.dkim } : {}),
    logger: false,
  });

  function letter(m: OutgoingMessage): SendMailOptions {
    const name = headerDisplayName(m.sender) ?? headerDisplayName(s.fromName);
    return {
      from: name ? { name, address: s.from } : s.from,
      to: m.address,
      subject: m.subject ?? '',
      text: m.body,
      ...(m.content?.html ? { html: m.content.html } : {}),
      ...(s.replyTo ? { replyTo: s.replyTo } : {}),
      headers: { ...m.content?.headers },
      messageId: `<vestnik.${m.id}@${domain}>`,
      attachments: (m.files ?? []).map((f) => ({
        filename: f.fileName,
        contentType: f.contentType,
        content: f.bytes,
      })),
    };
  }

  let utf8Check: { offered: Promise<boolean>; at: number } | null = null;
  /** Whether the server offers SMTPUTF8, asked on a connection of its own (the pool's are hidden). */
  function offersSmtpUtf8(): Promise<boolean> {
    if (utf8Check && Date.now() - utf8Check.at < SMTPUTF8_CHECK_MS) return utf8Check.offered;
    const offered = connectChecked().then(
      (connection) =>
        new Promise<boolean>((resolve, reject) => {
          const conn = new SMTPConnection({
            connection,
            host: s.host,
            port: s.port,
            secure: s.secure,
            requireTLS: s.requireTLS,
            connectionTimeout: s.timeoutMs,
            greetingTimeout: s.timeoutMs,
            socketTimeout: s.timeoutMs,
            ...(s.tlsCa ? { tls: { ca: s.tlsCa } } : {}),
            logger: false,
          });
          let settled = false;
          const settle = (err: Error | null, yes = false) => {
            if (settled) return;
            settled = true;
            if (err) {
              conn.close();
              reject(err);
            } else {
              conn.quit();
              resolve(yes);
            }
          };
          conn.once('error', (err: Error) => settle(err));
          // At 'connect' the last answer is the EHLO after STARTTLS: the extensions for the letters.
          conn.connect(() => settle(null, ehloOffersSmtpUtf8(String(conn.lastServerResponse || ''))));
        }),
    );
    const check = { offered, at: Date.now() };
    utf8Check = check;
    offered.catch(() => {
      if (utf8Check === check) utf8Check = null; // a failed check is not an answer: ask again next time
    });
    return offered;
  }

  async function sendOne(m: OutgoingMessage): Promise<SendOutcome> {
    const unread = unreadAttachments(m);
    if (unread) return unread;
    try {
      if (needsSmtpUtf8(m.address) && !(await offersSmtpUtf8()))
        return {
          id: m.id,
          kind: 'permanent',
          rawStatus: 'NO_SMTPUTF8',
          reason:
            `the address has non-Latin characters before the @ («${localPart(m.address)}»), which needs ` +
            `SMTPUTF8 (RFC 6531), and ${s.host} does not offer SMTPUTF8; nothing was sent`,
        };
      const info = await transport.sendMail(letter(m));
      if (info.rejected.length > 0)
        return { id: m.id, kind: 'permanent', rawStatus: 'REJECTED', reason: info.response };
      return {
        id: m.id,
        kind: 'accepted',
        providerId: queueId(info.response) ?? info.messageId,
        rawStatus: rawCode(Number(info.response.slice(0, 3)) || 250, info.response),
      };
    } catch (err) {
      const failure = err as SmtpFailure & { rejectedErrors?: SmtpFailure[] };
      // A refused recipient is reported on the envelope error's list, with its own reply.
      return smtpOutcome(m.id, failure.rejectedErrors?.[0] ?? failure);
    }
  }

  return {
    kind: 'smtp',
    channel: 'email',
    capabilities: {
      batchSize: 20,
      callbacks: false,
      polling: true,
      statusDeadlineSeconds: s.statusDeadlineSeconds,
    },
    // The pool spreads the batch over its connections; each letter has its own outcome.
    send: (batch) => Promise.all(batch.map(sendOne)),
    status: acceptedIsDelivered('250'),
    async verify() {
      try {
        await transport.verify();
      } catch (err) {
        const out = smtpOutcome(0, err as SmtpFailure);
        throw new Error(`${s.host}:${s.port}: ${'reason' in out ? out.reason : out.kind}`);
      }
      const tls = s.secure ? 'TLS' : s.requireTLS ? 'STARTTLS' : 'STARTTLS if offered';
      const login = s.auth ? `, logged in as ${s.auth.user}` : ', no login configured';
      return `connected to ${s.host}:${s.port} with ${tls}${login}; nothing was sent`;
    },
    async close() {
      transport.close();
    },
  };
}

/**
 * Kannel's HTTP `sendsms` interface (PR-2): one GET to `/cgi-bin/sendsms` per message, with a
 * delivery-report URL that Kannel calls back by GET (SD-3).
 *
 * Settings: `url` (the smsbox, e.g. http://kannel:13013), `username`, `password` (secret) of a
 * `sendsms-user` group; `sender` (`from`, optional when the group has `default-sender`); `smsc` (route
 * to one SMSC id, optional); `timeoutMs` (10000); `statusDeadlineSeconds` (86400); `dlrMask` (31).
 *
 * Text: GSM-7 texts go as `coding=0` in UTF-8, which Kannel recodes; any other text as `coding=2`
 * (UCS-2) with `charset=UTF-16BE` and the text's UTF-16BE bytes percent-encoded — Kannel then passes
 * the bytes through untouched instead of guessing.
 *
 * Reports: Kannel answers `sendsms` without any message id, so the report is tied to the message by
 * the URL itself: `dlr-url` is the gateway's callback URL with Vestnik's message id (`m`), a token
 * `t` = HMAC(callback secret, id) — a forged or replayed-for-another-message report is refused — and
 * Kannel's escapes `%d` (report type), `%A` (the SMSC's answer, e.g. `id:… stat:DELIVRD err:000`),
 * `%T` (time) and `%p` (the number the message went to: in a report Kannel swaps sender and receiver,
 * so `%p` is the destination, which the store matches against the message's address). Types:
 * 1 delivered, 2 undelivered, 4 buffered, 8 accepted by the SMSC (submitted), 16 rejected by the SMSC.
 * The provider id is Vestnik's own message id.
 *
 * Incoming messages (replies, «СТОП»): Kannel calls an `sms-service` group's `get-url` for each. That
 * URL is the same callback URL with `mo=1`, a token `k` = HMAC(callback secret, "inbound") that
 * `vestnik gateway test` shows inside the whole URL (see `kannelInboundUrl`), and the escapes `%p`
 * (from), `%P` (to), `%b` (the text's bytes), `%c` (coding), `%C` (charset), `%I` (Kannel's id of the
 * message), `%T` (time). The text is decoded by coding and charset, so it arrives intact whether the
 * smsbox recodes UCS-2 to UTF-8 (`mo-recode = true`) or passes the UCS-2 bytes through.
 *
 * Answers of `sendsms`: 202 `0: Accepted for delivery` / `3: Queued for later delivery` → accepted;
 * 403 (authorisation failed, number denied) and 400 (missing or bad parameter) → permanent;
 * 429 → rate-limited; 503 and other 5xx, timeouts → retryable. Kannel takes no client reference: a
 * request that timed out is sent again and may arrive twice.
 */
import { isUtf8 } from 'node:buffer';
import crypto from 'node:crypto';
import { countSegments } from '../core/sms/segments.ts';
import type { MessageState } from '../core/states.ts';
import {
  DEFAULT_THROTTLE_MS,
  describeFailure,
  digits,
  excerpt,
  HttpClient,
  positiveNumberSetting,
  stringSetting,
  urlSetting,
} from './http.ts';
import {
  type CallbackRequest,
  type CallbackResult,
  type Gateway,
  type GatewayContext,
  GatewaySettingsError,
  type InboundMessage,
  type OutgoingMessage,
  type SendOutcome,
} from './provider.ts';

interface Settings {
  url: string;
  username: string;
  password: string;
  sender: string | undefined;
  smsc: string | undefined;
  timeoutMs: number;
  statusDeadlineSeconds: number;
  dlrMask: number;
}

export function kannelSettings(raw: Record<string, unknown>): Settings {
  return {
    url: urlSetting(raw, 'url', undefined),
    username: stringSetting(raw, 'username')!,
    password: stringSetting(raw, 'password')!,
    sender: stringSetting(raw, 'sender', false),
    smsc: stringSetting(raw, 'smsc', false),
    timeoutMs: positiveNumberSetting(raw, 'timeoutMs', 10_000),
    statusDeadlineSeconds: positiveNumberSetting(raw, 'statusDeadlineSeconds', 86_400),
    dlrMask: positiveNumberSetting(raw, 'dlrMask', 31),
  };
}

const DLR_STATES: Record<string, MessageState> = {
  '1': 'delivered',
  '2': 'undelivered',
  '4': 'submitted',
  '8': 'submitted',
  '16': 'rejected',
};

/** The token that ties a report URL to its message. */
export function kannelReportToken(secret: string, messageId: string): string {
  return crypto.createHmac('sha256', secret).update(`kannel:${messageId}`).digest('base64url').slice(0, 22);
}

/**
 * The token of the gateway's incoming-message URL: one per gateway (Kannel's `get-url` is fixed), derived
 * from the callback secret so the secret itself never leaves Vestnik. `kannel:inbound` never equals a
 * report token's `kannel:<message id>`.
 */
export function kannelInboundToken(secret: string): string {
  return kannelReportToken(secret, 'inbound');
}

/** The `get-url` of the `sms-service` group that passes incoming messages to this gateway. */
export function kannelInboundUrl(callbackUrl: string, secret: string): string {
  return `${callbackUrl}?mo=1&k=${kannelInboundToken(secret)}&from=%p&to=%P&text=%b&coding=%c&charset=%C&id=%I&ts=%T`;
}

/** Percent-encodes bytes (the UTF-16BE text of a UCS-2 message). */
const percent = (bytes: Buffer) =>
  Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
}

export type KannelGateway = Gateway & {
  /** Checks the address and credentials without sending: a `sendsms` with no receiver. */
  verify(): Promise<string>;
};

export function createKannelGateway(ctx: GatewayContext): KannelGateway {
  if (ctx.channel !== 'sms')
    throw new GatewaySettingsError('channel', `a kannel gateway sends SMS, not ${ctx.channel}`);
  const s = kannelSettings(ctx.settings);
  const client = new HttpClient();
  const endpoint = `${s.url}/cgi-bin/sendsms`;

  const requestUrl = (m: OutgoingMessage): string => {
    const id = String(m.id);
    const dlr = `${ctx.callbackUrl}?m=${id}&t=${kannelReportToken(ctx.callbackSecret, id)}&type=%d&answer=%A&ts=%T&to=%p`;
    const q = new URLSearchParams({ username: s.username, password: s.password, to: digits(m.address) });
    const from = m.sender ?? s.sender;
    if (from) q.set('from', from);
    if (s.smsc) q.set('smsc', s.smsc);
    q.set('dlr-mask', String(s.dlrMask));
    q.set('dlr-url', dlr);
    const ucs2 = countSegments(m.body).encoding === 'UCS-2';
    q.set('coding', ucs2 ? '2' : '0');
    q.set('charset', ucs2 ? 'UTF-16BE' : 'UTF-8');
    const text = ucs2 ? percent(utf16be(m.body)) : encodeURIComponent(m.body);
    return `${endpoint}?${q.toString()}&text=${text}`;
  };

  const sendOne = async (m: OutgoingMessage): Promise<SendOutcome> => {
    let answer: { status: number; text: string };
    try {
      answer = await client.request({ method: 'GET', url: requestUrl(m), timeoutMs: s.timeoutMs });
    } catch (err) {
      return { id: m.id, kind: 'retryable', ...describeFailure(err, endpoint) };
    }
    return mapKannelAnswer(m, answer.status, answer.text);
  };

  return {
    kind: 'kannel',
    channel: ctx.channel,
    capabilities: {
      batchSize: 1,
      callbacks: true,
      polling: false,
      statusDeadlineSeconds: s.statusDeadlineSeconds,
    },

    send: (batch) => Promise.all(batch.map(sendOne)),

    parseCallback(req: CallbackRequest): CallbackResult {
      if (req.query.mo === '1') return parseInbound(req.query, ctx.callbackSecret);
      const { m, t, type, answer, to } = req.query;
      if (!m || !/^\d+$/.test(m) || !t)
        return { ok: false, reason: 'the report URL lacks m (message) or t (token)' };
      const expected = Buffer.from(kannelReportToken(ctx.callbackSecret, m));
      const given = Buffer.from(t);
      if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected))
        return { ok: false, reason: 'bad token for this message' };
      const state = DLR_STATES[type ?? ''];
      if (!state) return { ok: false, reason: `unknown report type ${type ?? '(none)'}` };
      const stat = /stat:(\w+)/.exec(answer ?? '')?.[1];
      const rawStatus = stat ? `${type}:${stat}` : type!;
      return {
        ok: true,
        reports: [{ providerId: m, state, rawStatus, ...(to && /\d/.test(to) ? { destination: to } : {}) }],
      };
    },

    async verify() {
      const q = new URLSearchParams({ username: s.username, password: s.password });
      let answer: { status: number; text: string };
      try {
        answer = await client.request({ method: 'GET', url: `${endpoint}?${q}`, timeoutMs: s.timeoutMs });
      } catch (err) {
        throw new Error(describeFailure(err, endpoint, false).reason);
      }
      if (answer.status === 403 || /authori[sz]ation failed/i.test(answer.text))
        throw new Error(`${endpoint}: Kannel refused username/password: ${excerpt(answer.text)}`);
      // Past authorisation Kannel complains about the missing receiver: the credentials are good.
      return (
        `${endpoint} answered ${answer.status} ${excerpt(answer.text)} — username and password accepted. ` +
        `For replies, give Kannel's sms-service this get-url: ${kannelInboundUrl(ctx.callbackUrl, ctx.callbackSecret)}`
      );
    },

    async close() {
      client.close();
    },
  };
}

export function mapKannelAnswer(m: OutgoingMessage, status: number, text: string): SendOutcome {
  const raw = String(status);
  const said = excerpt(text);
  if (status >= 200 && status < 300) {
    if (/^\s*[03]:/.test(text) || /^\s*Sent\.?/i.test(text))
      return { id: m.id, kind: 'accepted', providerId: String(m.id), rawStatus: said.slice(0, 40) };
    return { id: m.id, kind: 'retryable', rawStatus: raw, reason: `Kannel: unexpected answer «${said}»` };
  }
  if (status === 429)
    return {
      id: m.id,
      kind: 'rate_limited',
      rawStatus: raw,
      reason: 'Kannel asks to slow down',
      retryAfterMs: DEFAULT_THROTTLE_MS,
    };
  if (status >= 500)
    return { id: m.id, kind: 'retryable', rawStatus: raw, reason: `Kannel: HTTP ${status} ${said}` };
  if (status === 403 && /authori[sz]ation/i.test(text))
    return {
      id: m.id,
      kind: 'permanent',
      rawStatus: raw,
      reason: `Kannel: ${said} — check the settings username and password (a sendsms-user group)`,
    };
  return { id: m.id, kind: 'permanent', rawStatus: raw, reason: `Kannel: HTTP ${status} ${said}` };
}

const sameToken = (given: string, expected: string) =>
  given.length === expected.length && crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected));

/** An incoming message from the `sms-service` get-url (`kannelInboundUrl`). */
function parseInbound(q: Record<string, string | undefined>, secret: string): CallbackResult {
  if (!q.k || !sameToken(q.k, kannelInboundToken(secret)))
    return { ok: false, reason: 'bad or missing k (the token of the incoming-message URL)' };
  if (!q.from) return { ok: false, reason: 'an incoming message without from (%p)' };
  if (q.text === undefined) return { ok: false, reason: 'an incoming message without text (%b)' };
  const message: InboundMessage = { from: q.from, text: decodeKannelText(q.text, q.coding, q.charset) };
  if (q.to) message.to = q.to;
  if (q.id) message.providerId = q.id;
  if (q.ts && /^\d+$/.test(q.ts)) message.receivedAt = new Date(Number(q.ts) * 1000);
  return { ok: true, reports: [], inbound: [message] };
}

/**
 * The text of `%b` from its query value. Kannel percent-encodes the message's bytes as they are: UTF-8
 * when the smsbox recodes (`mo-recode`) or the SMSC sent GSM text, UTF-16BE for UCS-2 (`%c` = 2). The
 * server's query parser decodes a value only when its bytes are valid UTF-8 and leaves any other value
 * as it was written (with + as a space), so the bytes are recovered from either form first.
 */
export function decodeKannelText(
  value: string,
  coding: string | undefined,
  charset: string | undefined,
): string {
  let bytes = Buffer.from(value, 'utf8');
  if (/%[0-9A-Fa-f]{2}/.test(value)) {
    const written = Buffer.from(
      value
        .replace(/\+/g, ' ')
        .replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    );
    if (!isUtf8(written)) bytes = written;
  }
  const ucs2 = coding === '2' || /^(ucs-?2|utf-?16(be)?)$/i.test(charset ?? '');
  const label = ucs2 ? 'utf-16be' : charset || 'utf-8';
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

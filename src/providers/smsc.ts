/**
 * SMSC.ru over its HTTP API (PR-2): `send.php`, `status.php`, `balance.php`, all with `fmt=3` (JSON)
 * and `charset=utf-8`, credentials in the POST body (never in a URL a proxy would log).
 *
 * Settings: `login` and `password` (secret), or `apiKey` (secret) instead of both; `sender` (a
 * registered sender name, optional); `url` (default https://smsc.ru; https://smsc.kz and the like
 * work too); `timeoutMs` (10000); `statusDeadlineSeconds` (86400); `statusIntervalSeconds` (60: the
 * least time between two status questions about one message).
 *
 * One message a request: SMSC takes a list of numbers for one text, but Vestnik's texts differ per
 * recipient, and one bad number in a list would fail the others. Vestnik's message id goes as SMSC's
 * own `id`, so a message is the pair (id, phone) — the provider id is `id:phone`, which is what
 * `status.php` asks for. At most three requests at once: SMSC answers error 9 from five.
 *
 * Error codes of send.php (1–9) and what they become:
 *   1 bad parameters, 5 bad date, 6 text or sender forbidden, 7 bad number, 8 undeliverable → permanent
 *   2 bad login/password → permanent, naming the settings (every message fails until fixed)
 *   3 no money on the SMSC account → retryable: the breaker fails over, a top-up lets them through
 *   4 IP blocked for a while after errors, 9 too many (or duplicate) requests → rate_limited
 * Delivery reports: polled (SMSC can also call back, which needs its account page; not used).
 *
 * Incoming SMS (replies, «СТОП»): SMSC passes them to the «обработчик» URL set in the account's
 * settings, by POST (or GET) with `phone` (who wrote), `mes` (the text), `to` (the number written to),
 * `sent` (when, Unix time) and `id` (or `sms_id`: SMSC's id of the incoming message). Vestnik's URL
 * for it is this gateway's callback URL with `?s=<the gateway's callback secret>`
 * (smscInboundUrl): a request without the secret is refused. See docs/replies.md.
 */

import crypto from 'node:crypto';
import type { MessageState } from '../core/states.ts';
import {
  allPermanent,
  allRateLimited,
  allRetryable,
  describeFailure,
  digits,
  excerpt,
  explained,
  HttpClient,
  Limiter,
  parseJson,
  positiveNumberSetting,
  roublesToKopecks,
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
  type StatusReport,
} from './provider.ts';

interface Settings {
  url: string;
  auth: Record<string, string>;
  sender: string | undefined;
  timeoutMs: number;
  statusDeadlineSeconds: number;
  statusIntervalSeconds: number;
}

export function smscSettings(raw: Record<string, unknown>): Settings {
  const apiKey = stringSetting(raw, 'apiKey', false);
  const login = stringSetting(raw, 'login', !apiKey);
  const password = stringSetting(raw, 'password', !apiKey);
  return {
    url: urlSetting(raw, 'url', 'https://smsc.ru'),
    auth: apiKey ? { apikey: apiKey } : { login: login!, psw: password! },
    sender: stringSetting(raw, 'sender', false),
    timeoutMs: positiveNumberSetting(raw, 'timeoutMs', 10_000),
    statusDeadlineSeconds: positiveNumberSetting(raw, 'statusDeadlineSeconds', 86_400),
    statusIntervalSeconds: positiveNumberSetting(raw, 'statusIntervalSeconds', 60),
  };
}

/** SMSC's message statuses (status.php) → Vestnik's states. Unlisted codes stay «submitted». */
const STATES: Record<number, MessageState> = {
  [-3]: 'unknown', // no such message
  [-2]: 'undelivered', // stopped
  [-1]: 'submitted', // waiting to be sent
  0: 'submitted', // handed to the operator
  1: 'delivered',
  2: 'delivered', // read
  3: 'expired',
  4: 'delivered', // link clicked
  20: 'undelivered', // cannot be delivered
  22: 'rejected', // bad number
  23: 'rejected', // forbidden
  24: 'rejected', // no money
  25: 'undelivered', // number unavailable
};

type SmscError = { error: string; error_code: number };
const isError = (v: unknown): v is SmscError =>
  typeof v === 'object' && v !== null && typeof (v as SmscError).error_code === 'number';

/** SMSC's own id parameter is a positive 32-bit number. */
const MAX_ID = 2_147_483_647;

export type SmscGateway = Gateway & {
  /** What SMSC would charge for this message (`cost=1`: nothing is sent). */
  cost(m: OutgoingMessage): Promise<{ kopecks: number; parts: number }>;
};

export function createSmscGateway(ctx: GatewayContext): SmscGateway {
  if (ctx.channel !== 'sms')
    throw new GatewaySettingsError('channel', `an smsc gateway sends SMS, not ${ctx.channel}`);
  const s = smscSettings(ctx.settings);
  const client = new HttpClient();
  const limiter = new Limiter(3);
  /** When each provider id was last asked about (status.php), for SMSC's per-minute limits. */
  const askedAt = new Map<string, number>();

  const call = async (script: string, params: Record<string, string>) => {
    const url = `${s.url}/sys/${script}`;
    const body = new URLSearchParams({ ...s.auth, ...params, fmt: '3', charset: 'utf-8' }).toString();
    return {
      url,
      answer: await limiter.run(() =>
        client.request({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
          timeoutMs: s.timeoutMs,
        }),
      ),
    };
  };

  /** An answer that is not a usable JSON object: a thrown error with what was wrong. */
  const jsonOf = (url: string, status: number, text: string): unknown => {
    if (status !== 200) throw new Error(`${url}: HTTP ${status} ${excerpt(text)}`);
    const json = parseJson(text);
    if (json === null) throw new Error(`${url}: malformed JSON: ${excerpt(text)}`);
    if (isError(json)) throw new Error(`${url}: SMSC error ${json.error_code}: ${json.error}`);
    return json;
  };

  const sendOne = async (m: OutgoingMessage): Promise<SendOutcome> => {
    const phone = digits(m.address);
    const params: Record<string, string> = { phones: phone, mes: m.body, cost: '3' };
    const sender = m.sender ?? s.sender;
    if (sender) params.sender = sender;
    if (m.id <= MAX_ID) params.id = String(m.id);
    let url = `${s.url}/sys/send.php`;
    let answer: { status: number; text: string };
    try {
      ({ url, answer } = await call('send.php', params));
    } catch (err) {
      return { id: m.id, kind: 'retryable', ...describeFailure(err, url) };
    }
    const [out] = mapSendAnswer([m], answer.status, answer.text, phone);
    return out!;
  };

  return {
    kind: 'smsc',
    channel: ctx.channel,
    capabilities: {
      batchSize: 1,
      callbacks: false,
      polling: true,
      statusDeadlineSeconds: s.statusDeadlineSeconds,
    },

    send: (batch) => Promise.all(batch.map(sendOne)),

    async status(providerIds: string[]): Promise<StatusReport[]> {
      const out: StatusReport[] = [];
      // SMSC answers error 9 to more than five status requests for one message, or more than one
      // mass request, within a minute; the worker polls every few seconds. A message asked about
      // less than `statusIntervalSeconds` ago is left out (no report: asked again next time).
      const now = Date.now();
      const interval = s.statusIntervalSeconds * 1000;
      for (const [id, at] of askedAt) if (now - at >= interval) askedAt.delete(id);
      const due = providerIds.filter((p) => !askedAt.has(p));
      for (const p of due) askedAt.set(p, now);
      for (let i = 0; i < due.length; i += 100) {
        const pairs = due.slice(i, i + 100).map((p) => {
          const at = p.indexOf(':');
          return { providerId: p, id: p.slice(0, at), phone: p.slice(at + 1) };
        });
        const { url, answer } = await explained(
          `${s.url}/sys/status.php`,
          call('status.php', {
            // A trailing comma keeps the answer a list even for one message.
            id: `${pairs.map((p) => p.id).join(',')},`,
            phone: `${pairs.map((p) => p.phone).join(',')},`,
          }),
        );
        const json = jsonOf(url, answer.status, answer.text);
        const list = Array.isArray(json) ? json : [json];
        list.forEach((raw: unknown, k) => {
          const r = raw as { id?: unknown; phone?: unknown; status?: unknown; err?: unknown };
          const pair =
            pairs.find((p) => String(r.id) === p.id && digits(String(r.phone ?? '')) === p.phone) ?? pairs[k];
          if (!pair || typeof r.status !== 'number') return;
          const err = Number(r.err ?? 0);
          out.push({
            providerId: pair.providerId,
            state: STATES[r.status] ?? 'submitted',
            rawStatus: err ? `${r.status}/err ${err}` : String(r.status),
          });
        });
      }
      return out;
    },

    parseCallback: (req) => parseSmscInbound(ctx.callbackSecret, req),

    async balance() {
      const { url, answer } = await explained(`${s.url}/sys/balance.php`, call('balance.php', {}));
      const json = jsonOf(url, answer.status, answer.text) as { balance?: unknown };
      const kopecks = roublesToKopecks(json.balance);
      if (kopecks === null) throw new Error(`${url}: no balance in the answer: ${excerpt(answer.text)}`);
      return { kopecks };
    },

    async cost(m: OutgoingMessage) {
      const params: Record<string, string> = { phones: digits(m.address), mes: m.body, cost: '1' };
      const { url, answer } = await explained(`${s.url}/sys/send.php`, call('send.php', params));
      const json = jsonOf(url, answer.status, answer.text) as { cost?: unknown; cnt?: unknown };
      return { kopecks: roublesToKopecks(json.cost) ?? 0, parts: Number(json.cnt ?? 0) };
    },

    async close() {
      client.close();
    },
  };
}

/** send.php's answer for one message (exported for the tests' table of error codes). */
export function mapSendAnswer(
  batch: OutgoingMessage[],
  status: number,
  text: string,
  phone: string,
): SendOutcome[] {
  if (status === 429) return allRateLimited(batch, '429', 'SMSC asks to slow down', 60_000);
  if (status >= 500) return allRetryable(batch, String(status), `SMSC: HTTP ${status} ${excerpt(text)}`);
  if (status !== 200) return allPermanent(batch, String(status), `SMSC: HTTP ${status} ${excerpt(text)}`);
  const json = parseJson(text);
  if (json === null || typeof json !== 'object')
    return allRetryable(batch, 'BAD_JSON', `SMSC answered with malformed JSON: ${excerpt(text)}`);
  if (isError(json)) {
    const code = json.error_code;
    const raw = `ERROR ${code}`;
    const reason = `SMSC error ${code}: ${json.error}`;
    switch (code) {
      case 2:
        return allPermanent(batch, raw, `${reason} — check the settings login and password (or apiKey)`);
      case 3:
        return allRetryable(batch, raw, `${reason} — top up the SMSC account`);
      case 4:
      case 9:
        return allRateLimited(batch, raw, reason, 60_000);
      default:
        return allPermanent(batch, raw, reason);
    }
  }
  const ok = json as { id?: unknown; cost?: unknown };
  if (ok.id === undefined || ok.id === null)
    return allRetryable(batch, 'BAD_ANSWER', `SMSC answered without an id: ${excerpt(text)}`);
  const costKopecks = roublesToKopecks(ok.cost);
  return batch.map((m) => ({
    id: m.id,
    kind: 'accepted',
    providerId: `${String(ok.id)}:${phone}`,
    rawStatus: 'ACCEPTED',
    ...(costKopecks === null ? {} : { costKopecks }),
  }));
}

/** The URL to give SMSC as the handler of incoming messages. */
export function smscInboundUrl(callbackUrl: string, callbackSecret: string): string {
  return `${callbackUrl}?s=${encodeURIComponent(callbackSecret)}`;
}

/**
 * An incoming SMS as SMSC passes it to the handler: its fields from the form body (POST) or the
 * query (GET), checked by the secret in the URL.
 */
export function parseSmscInbound(secret: string, req: CallbackRequest): CallbackResult {
  const given = Buffer.from(req.query.s ?? '');
  const expected = Buffer.from(secret);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected))
    return { ok: false, reason: "the handler URL lacks the gateway's secret (s=…)" };
  const form =
    typeof req.body === 'object' && req.body !== null && !Buffer.isBuffer(req.body)
      ? (req.body as Record<string, unknown>)
      : Object.fromEntries(new URLSearchParams(req.rawBody));
  const field = (name: string): string | undefined => {
    const v = form[name] ?? req.query[name];
    return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
  };
  const phone = field('phone');
  const text = field('mes');
  // A status report (it carries `status`, not `mes`): polled instead, so acknowledged and ignored.
  if (phone === undefined || text === undefined) return { ok: true, reports: [] };
  const sent = Number(field('sent') ?? field('time'));
  const id = field('id') ?? field('sms_id');
  const to = field('to');
  const message: InboundMessage = {
    from: phone,
    text,
    ...(to ? { to } : {}),
    ...(id ? { providerId: id } : {}),
    ...(Number.isFinite(sent) && sent > 0 ? { receivedAt: new Date(sent * 1000) } : {}),
  };
  return { ok: true, reports: [], inbound: [message] };
}

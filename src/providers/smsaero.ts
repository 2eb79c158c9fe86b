/**
 * SMS Aero over its HTTP API v2 (PR-2): `sms/send`, `sms/status`, `balance`, JSON bodies, HTTP Basic
 * authentication with the account's e-mail and API key.
 *
 * Settings: `email`, `apiKey` (secret), `sender` (the signature, «SMS Aero» when none), `url`
 * (default https://gate.smsaero.ru/v2), `timeoutMs` (10000), `statusDeadlineSeconds` (86400),
 * `statusIntervalSeconds` (30: the least time between two status questions about one message).
 *
 * Batches: messages of a request with the same text and sender go in one `sms/send` with `numbers`
 * (SMS Aero answers one record per number); the others one by one. A group refused as a whole with
 * a validation error is sent again one by one, so one bad number does not take the others down.
 * SMS Aero takes no client reference: a request that timed out is sent again, and may arrive twice.
 *
 * Answers: `{success, data, message}`. HTTP 401/403 → permanent (the credentials; every message
 * fails until they are fixed), 400/422 `success: false` → permanent with SMS Aero's message, «no
 * money» → retryable, 429 → rate-limited, 5xx, timeouts and malformed JSON → retryable.
 * Message statuses: 0 queued, 3 sent, 4 waiting for a report, 8 on moderation → submitted;
 * 1 delivered; 2 undelivered; 6 rejected. The raw value is kept as `status:extendStatus`.
 * Delivery reports: polled, one `sms/status` per message, three at a time.
 * Sender names: `sign/list`, page by page, mapped in smsaeroSigns.ts (`vestnik sender sync`).
 */
import type { MessageState } from '../core/states.ts';
import {
  allPermanent,
  allRateLimited,
  allRetryable,
  DEFAULT_THROTTLE_MS,
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
  type Gateway,
  type GatewayContext,
  GatewaySettingsError,
  type OutgoingMessage,
  type ProviderSenderName,
  type SendOutcome,
  type StatusReport,
} from './provider.ts';
import { smsAeroSignPage } from './smsaeroSigns.ts';

interface Settings {
  url: string;
  authorization: string;
  sender: string;
  timeoutMs: number;
  statusDeadlineSeconds: number;
  statusIntervalSeconds: number;
}

export function smsAeroSettings(raw: Record<string, unknown>): Settings {
  const email = stringSetting(raw, 'email')!;
  const apiKey = stringSetting(raw, 'apiKey')!;
  return {
    url: urlSetting(raw, 'url', 'https://gate.smsaero.ru/v2'),
    authorization: `Basic ${Buffer.from(`${email}:${apiKey}`).toString('base64')}`,
    sender: stringSetting(raw, 'sender', false) ?? 'SMS Aero',
    timeoutMs: positiveNumberSetting(raw, 'timeoutMs', 10_000),
    statusDeadlineSeconds: positiveNumberSetting(raw, 'statusDeadlineSeconds', 86_400),
    statusIntervalSeconds: positiveNumberSetting(raw, 'statusIntervalSeconds', 30),
  };
}

const STATES: Record<number, MessageState> = {
  0: 'submitted',
  1: 'delivered',
  2: 'undelivered',
  3: 'submitted',
  4: 'submitted',
  6: 'rejected',
  8: 'submitted',
};

interface Record_ {
  id?: unknown;
  number?: unknown;
  status?: unknown;
  extendStatus?: unknown;
  cost?: unknown;
}
interface Envelope {
  success?: unknown;
  data?: unknown;
  message?: unknown;
}

const rawOf = (r: Record_) => `${String(r.status)}${r.extendStatus ? `:${String(r.extendStatus)}` : ''}`;

/** One group's answer → outcomes; `'split'` when a multi-number group should go one by one. */
export function mapSmsAeroAnswer(
  group: OutgoingMessage[],
  status: number,
  text: string,
): SendOutcome[] | 'split' {
  const json = parseJson(text) as Envelope | null;
  const message = typeof json?.message === 'string' ? json.message : excerpt(text);
  if (status === 401 || status === 403)
    return allPermanent(
      group,
      String(status),
      `SMS Aero refused the credentials (${message}) — check the settings email and apiKey`,
    );
  if (status === 429) return allRateLimited(group, '429', 'SMS Aero asks to slow down', DEFAULT_THROTTLE_MS);
  if (status >= 500) return allRetryable(group, String(status), `SMS Aero: HTTP ${status} ${excerpt(text)}`);
  if (json === null || typeof json !== 'object')
    return allRetryable(group, 'BAD_JSON', `SMS Aero answered with malformed JSON: ${excerpt(text)}`);
  if (json.success !== true) {
    if (/money|credit|средств|баланс/i.test(message))
      return allRetryable(group, 'NO_MONEY', `SMS Aero: ${message} — top up the SMS Aero account`);
    if (group.length > 1) return 'split';
    const details = json.data && typeof json.data === 'object' ? ` ${JSON.stringify(json.data)}` : '';
    return allPermanent(group, String(status), `SMS Aero: ${message}${details}`);
  }
  const records = (Array.isArray(json.data) ? json.data : [json.data]) as Record_[];
  const byNumber = new Map(records.map((r) => [digits(String(r?.number ?? '')), r]));
  return group.map((m, k): SendOutcome => {
    const r = group.length === 1 ? records[0] : byNumber.get(digits(m.address));
    if (!r || r.id === undefined || r.id === null)
      return {
        id: m.id,
        kind: 'retryable',
        rawStatus: 'BAD_ANSWER',
        reason: `SMS Aero gave no record for message ${k + 1} of the request: ${excerpt(text)}`,
      };
    if (r.status === 6)
      return { id: m.id, kind: 'permanent', rawStatus: rawOf(r), reason: 'SMS Aero rejected the message' };
    const costKopecks = roublesToKopecks(r.cost);
    return {
      id: m.id,
      kind: 'accepted',
      providerId: String(r.id),
      rawStatus: rawOf(r),
      ...(costKopecks === null ? {} : { costKopecks }),
    };
  });
}

/** Messages that can share a request: same text, same sender, different numbers. */
function groups(batch: OutgoingMessage[], sender: string): OutgoingMessage[][] {
  const out = new Map<string, OutgoingMessage[]>();
  const single: OutgoingMessage[][] = [];
  for (const m of batch) {
    const key = `${m.sender ?? sender}\u0000${m.body}`;
    const list = out.get(key);
    if (!list) out.set(key, [m]);
    else if (list.some((x) => digits(x.address) === digits(m.address))) single.push([m]);
    else list.push(m);
  }
  return [...out.values(), ...single];
}

export function createSmsAeroGateway(ctx: GatewayContext): Gateway {
  if (ctx.channel !== 'sms')
    throw new GatewaySettingsError('channel', `an smsaero gateway sends SMS, not ${ctx.channel}`);
  const s = smsAeroSettings(ctx.settings);
  const client = new HttpClient();
  const limiter = new Limiter(3);
  /** When each message was last asked about: one request each, so not at every worker check. */
  const askedAt = new Map<string, number>();
  const post = (path: string, body: unknown) =>
    limiter.run(() =>
      client.request({
        method: 'POST',
        url: `${s.url}/${path}`,
        headers: { authorization: s.authorization, 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
        timeoutMs: s.timeoutMs,
      }),
    );

  const sendGroup = async (group: OutgoingMessage[]): Promise<SendOutcome[]> => {
    const first = group[0]!;
    const numbers = group.map((m) => digits(m.address));
    const body = {
      ...(group.length === 1 ? { number: numbers[0] } : { numbers }),
      sign: first.sender ?? s.sender,
      text: first.body,
    };
    let answer: { status: number; text: string };
    try {
      answer = await post('sms/send', body);
    } catch (err) {
      const f = describeFailure(err, `${s.url}/sms/send`);
      return allRetryable(group, f.rawStatus, f.reason);
    }
    const mapped = mapSmsAeroAnswer(group, answer.status, answer.text);
    if (mapped !== 'split') return mapped;
    return (await Promise.all(group.map((m) => sendGroup([m])))).flat();
  };

  /** An answer to a request other than send: its `data`, or a thrown error saying what was wrong. */
  const dataOf = async (path: string, body: unknown): Promise<unknown> => {
    const { status, text } = await explained(`${s.url}/${path}`, post(path, body));
    const json = parseJson(text) as Envelope | null;
    if (status === 401 || status === 403)
      throw new Error(`${s.url}/${path}: SMS Aero refused the credentials — check email and apiKey`);
    if (status !== 200 || json === null || json.success !== true)
      throw new Error(`${s.url}/${path}: HTTP ${status} ${excerpt(text)}`);
    return json.data;
  };

  return {
    kind: 'smsaero',
    channel: ctx.channel,
    capabilities: {
      batchSize: 50,
      callbacks: false,
      polling: true,
      statusDeadlineSeconds: s.statusDeadlineSeconds,
    },

    async send(batch) {
      return (await Promise.all(groups(batch, s.sender).map(sendGroup))).flat();
    },

    async status(providerIds) {
      // One request per message, so a message is asked about at most once per statusIntervalSeconds
      // (the worker checks every few seconds); a failed request leaves only its message for later.
      const now = Date.now();
      for (const [id, at] of askedAt) if (now - at >= s.statusIntervalSeconds * 1000) askedAt.delete(id);
      const due = providerIds.filter((p) => !askedAt.has(p));
      for (const p of due) askedAt.set(p, now);
      if (due.length === 0) return [];
      const settled = await Promise.allSettled(
        due.map(async (providerId): Promise<StatusReport | null> => {
          const data = (await dataOf('sms/status', { id: Number(providerId) })) as Record_ | null;
          if (!data || typeof data.status !== 'number') return null;
          return { providerId, state: STATES[data.status] ?? 'submitted', rawStatus: rawOf(data) };
        }),
      );
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed && settled.every((r) => r.status === 'rejected')) throw failed.reason;
      return settled.flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : []));
    },

    async balance() {
      const data = (await dataOf('balance', {})) as { balance?: unknown } | null;
      const kopecks = roublesToKopecks(data?.balance);
      if (kopecks === null) throw new Error(`${s.url}/balance: no balance in the answer`);
      return { kopecks };
    },

    async senderNames() {
      // Bounded: 100 pages is far more names than an account has; a page that adds none ends it.
      const byName = new Map<string, ProviderSenderName>();
      let seen = 0;
      for (let page = 1; page <= 100; page++) {
        const p = smsAeroSignPage(
          await dataOf(page === 1 ? 'sign/list' : `sign/list?page=${page}`, {}),
          seen,
        );
        for (const n of p.names) byName.set(n.name, n);
        seen += p.records;
        if (!p.more) break;
      }
      return [...byName.values()];
    },

    async close() {
      client.close();
    },
  };
}

/**
 * The `unisender` gateway (PR-3): e-mail through UniSender's API method `sendEmail`, one letter per
 * call, statuses polled with `checkEmail` (up to 500 ids a call).
 *
 * Requests: POST {url}/{lang}/api/{method}?format=json, the arguments — api_key included, so no
 * proxy logs it — in an application/x-www-form-urlencoded body, UTF-8. An attachment goes as
 * `attachments[file name]` with the file's raw bytes (UniSender takes no base64 there), each byte
 * percent-encoded. UniSender builds the letter itself: `body` is the HTML (the plain text escaped
 * when a message has none); it adds its own unsubscribe link for `list_id`, so the letter carries no
 * List-Unsubscribe header of Vestnik's (Vestnik's link stays in the body).
 *
 * Answers: {"result":{"email_id":"…"}} accepted; {"error":"…","code":"…"} refused, by code:
 *   invalid_arg                                      permanent (this letter's address or content)
 *   api_call_limit_exceeded_for_api_key / _for_ip    rate_limited, a minute (60 sendEmail a minute)
 *   retry_later, not_enough_money, invalid_api_key,
 *   access_denied, unknown_method, unspecified, …    retryable: a pause, a top-up or a setting to
 *                                                    fix — every letter would fail alike, so the
 *                                                    breaker opens and fail-over can act
 * HTTP 429 rate_limited; other HTTP errors, timeouts and malformed JSON retryable. The array answer
 * of `error_checking=1` ([{index, email, id | errors}]) is read too.
 *
 * Statuses (checkEmail): not_sent, ok_sent, err_will_retry, err_resend, err_spam_retry → still
 * submitted; ok_delivered, ok_read, ok_link_visited, ok_unsubscribed, ok_spam_folder, ok_fbl →
 * delivered; any other err_… (UniSender's rule: err_ means the delivery failed) → undelivered.
 * The raw status is kept. UniSender keeps statuses for a month.
 * `vestnik gateway test` calls verify(): getLists, which proves the key and finds listId.
 *
 * Settings: api_key (secret), senderEmail (a sender address confirmed in UniSender), senderName,
 * listId (the list whose unsubscribe link the letter carries), url (https://api.unisender.com),
 * lang (ru), trackRead / trackLinks (false), timeoutMs (30000), statusDeadlineSeconds (172800).
 */
import { headerDisplayName } from '../core/email/displayName.ts';
import type { MessageState } from '../core/states.ts';
import {
  allRateLimited,
  allRetryable,
  describeFailure,
  excerpt,
  HttpClient,
  parseJson,
  positiveNumberSetting,
  stringSetting,
  urlSetting,
} from './http.ts';
import {
  type Gateway,
  type GatewayContext,
  GatewaySettingsError,
  type OutgoingFile,
  type OutgoingMessage,
  type SendOutcome,
  type StatusReport,
  unreadAttachments,
} from './provider.ts';

interface Settings {
  url: string;
  lang: string;
  apiKey: string;
  senderEmail: string;
  senderName: string;
  listId: string;
  trackRead: boolean;
  trackLinks: boolean;
  timeoutMs: number;
  statusDeadlineSeconds: number;
}

/** The display name setting, cleaned as every sent name is (CT-5); refused when nothing is left. */
function cleanSenderName(name: string): string {
  const clean = headerDisplayName(name);
  if (!clean)
    throw new GatewaySettingsError(
      'senderName',
      `senderName \`${name}\` has nothing left after removing special characters`,
    );
  return clean;
}

export function unisenderSettings(raw: Record<string, unknown>): Settings {
  const listId = String(raw.listId ?? '');
  if (!/^\d+$/.test(listId))
    throw new GatewaySettingsError('listId', 'listId must be the number of a UniSender list (list_id)');
  const lang = stringSetting(raw, 'lang', false) ?? 'ru';
  if (!/^[a-z]{2}$/.test(lang))
    throw new GatewaySettingsError('lang', 'lang must be a two-letter code: ru, en, …');
  const senderEmail = stringSetting(raw, 'senderEmail')!;
  if (!/^[^\s@]+@[^\s@]+$/.test(senderEmail))
    throw new GatewaySettingsError('senderEmail', 'senderEmail must be an address confirmed in UniSender');
  const flag = (name: string) => {
    const v = raw[name] ?? false;
    if (typeof v !== 'boolean') throw new GatewaySettingsError(name, `${name} must be true or false`);
    return v;
  };
  return {
    url: urlSetting(raw, 'url', 'https://api.unisender.com'),
    lang,
    apiKey: stringSetting(raw, 'api_key')!,
    senderEmail,
    senderName: cleanSenderName(stringSetting(raw, 'senderName')!),
    listId,
    trackRead: flag('trackRead'),
    trackLinks: flag('trackLinks'),
    timeoutMs: positiveNumberSetting(raw, 'timeoutMs', 30_000),
    statusDeadlineSeconds: positiveNumberSetting(raw, 'statusDeadlineSeconds', 172_800),
  };
}

/** A form body; bytes percent-encoded one by one, as a form carries a file's raw bytes. */
type Field = [string, string | Buffer];
const UNRESERVED = /[A-Za-z0-9_.~-]/;
function formBody(fields: Field[]): string {
  const enc = (v: string | Buffer) => {
    if (typeof v === 'string') return encodeURIComponent(v);
    let out = '';
    for (const b of v) {
      const c = String.fromCharCode(b);
      out += UNRESERVED.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    return out;
  };
  return fields.map(([k, v]) => `${encodeURIComponent(k)}=${enc(v)}`).join('&');
}

/**
 * `attachments[name]` per file. PHP reads the brackets as an array key, so a bracket inside a name
 * would cut it, and a second file of the same name would replace the first: both are avoided.
 */
function attachmentFields(files: readonly OutgoingFile[]): Field[] {
  const seen = new Set<string>();
  return files.map((f) => {
    const clean = f.fileName.replace(/\[/g, '(').replace(/\]/g, ')');
    let name = clean;
    for (let n = 2; seen.has(name); n++) name = clean.replace(/(\.[^.]*)?$/, (ext) => ` (${n})${ext}`);
    seen.add(name);
    return [`attachments[${name}]`, f.bytes];
  });
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const RATE_PAUSE_MS = 60_000;

type ApiError = { error: string; code?: string };
type Answer = { result?: unknown; error?: string; code?: string };

/** What an error answer means for the letter. */
function refusal(id: number, e: ApiError): SendOutcome {
  const code = e.code || 'unspecified';
  const reason = `UniSender: ${excerpt(e.error)}`;
  if (code === 'invalid_arg') return { id, kind: 'permanent', rawStatus: code, reason };
  if (code.startsWith('api_call_limit_exceeded'))
    return { id, kind: 'rate_limited', rawStatus: code, reason, retryAfterMs: RATE_PAUSE_MS };
  const hint =
    code === 'invalid_api_key' || code === 'access_denied'
      ? ' (check the setting api_key and that API access is on in the account)'
      : code === 'not_enough_money'
        ? ' (top up the UniSender account)'
        : code === 'unknown_method'
          ? ' (check the setting url)'
          : '';
  return { id, kind: 'retryable', rawStatus: code, reason: reason + hint };
}

/** sendEmail's answer: `{email_id}`, or error_checking's array of `{id}` / `{errors}`. */
function sendOutcome(id: number, answer: Answer): SendOutcome {
  if (answer.error) return refusal(id, { error: answer.error, code: answer.code });
  const r = Array.isArray(answer.result) ? answer.result[0] : answer.result;
  const item = (r ?? {}) as {
    email_id?: unknown;
    id?: unknown;
    errors?: { code?: string; message?: string }[];
  };
  const emailId = item.email_id ?? item.id;
  if (typeof emailId === 'string' || typeof emailId === 'number')
    return { id, kind: 'accepted', providerId: String(emailId), rawStatus: 'ok' };
  const first = item.errors?.[0];
  if (first) return refusal(id, { error: first.message ?? first.code ?? 'error', code: first.code });
  return { id, kind: 'retryable', rawStatus: 'BAD_ANSWER', reason: 'UniSender answered without an email_id' };
}

const STILL_GOING = new Set(['not_sent', 'ok_sent', 'err_will_retry', 'err_resend', 'err_spam_retry']);

export function unisenderState(status: string): MessageState {
  if (STILL_GOING.has(status)) return 'submitted';
  if (status.startsWith('ok_')) return 'delivered';
  if (status.startsWith('err_')) return 'undelivered';
  return 'submitted';
}

export type UnisenderGateway = Gateway & {
  /** Checks the api_key and that the list exists (getLists); sends nothing. */
  verify(): Promise<string>;
};

export function createUnisenderGateway(ctx: GatewayContext): UnisenderGateway {
  if (ctx.channel !== 'email')
    throw new GatewaySettingsError('channel', `a unisender gateway sends e-mail, not ${ctx.channel}`);
  const s = unisenderSettings(ctx.settings);
  const http = new HttpClient();
  const call = (method: string, fields: Field[]) => {
    const url = `${s.url}/${s.lang}/api/${method}?format=json`;
    return {
      url,
      answer: http.request({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: formBody([['api_key', s.apiKey], ...fields]),
        timeoutMs: s.timeoutMs,
      }),
    };
  };

  async function sendOne(m: OutgoingMessage): Promise<SendOutcome> {
    const unread = unreadAttachments(m);
    if (unread) return unread;
    const html = m.content?.html || `<p>${escapeHtml(m.body).replace(/\r?\n/g, '<br>')}</p>`;
    const fields: Field[] = [
      ['email', m.address],
      ['sender_name', headerDisplayName(m.sender) ?? s.senderName],
      ['sender_email', s.senderEmail],
      ['subject', m.subject ?? ''],
      ['body', html],
      ['list_id', s.listId],
      ...attachmentFields(m.files ?? []),
      ...(s.trackRead ? [['track_read', '1'] as Field] : []),
      ...(s.trackLinks ? [['track_links', '1'] as Field] : []),
    ];
    const { url, answer } = call('sendEmail', fields);
    let res: Awaited<typeof answer>;
    try {
      res = await answer;
    } catch (err) {
      const f = describeFailure(err, url);
      return allRetryable([m], f.rawStatus, f.reason)[0]!;
    }
    if (res.status === 429)
      return allRateLimited([m], 'HTTP_429', 'UniSender: too many requests', RATE_PAUSE_MS)[0]!;
    if (res.status !== 200)
      return allRetryable(
        [m],
        `HTTP_${res.status}`,
        `UniSender answered HTTP ${res.status}: ${excerpt(res.text)}`,
      )[0]!;
    const parsed = parseJson(res.text);
    if (!parsed || typeof parsed !== 'object')
      return allRetryable(
        [m],
        'BAD_JSON',
        `UniSender answered with malformed JSON: ${excerpt(res.text)}`,
      )[0]!;
    return sendOutcome(m.id, parsed as Answer);
  }

  return {
    kind: 'unisender',
    channel: 'email',
    capabilities: {
      batchSize: 1,
      callbacks: false,
      polling: true,
      statusDeadlineSeconds: s.statusDeadlineSeconds,
    },
    send: (batch) => Promise.all(batch.map(sendOne)),

    async status(providerIds: string[]): Promise<StatusReport[]> {
      const out: StatusReport[] = [];
      for (let i = 0; i < providerIds.length; i += 500) {
        const { url, answer } = call('checkEmail', [['email_id', providerIds.slice(i, i + 500).join(',')]]);
        const res = await answer;
        const parsed = parseJson(res.text) as Answer | null;
        if (res.status !== 200 || !parsed || parsed.error)
          throw new Error(
            `${url.split('?')[0]}: ${parsed?.error ?? `HTTP ${res.status} ${excerpt(res.text)}`}`,
          );
        const statuses = (parsed.result as { statuses?: { id: unknown; status: unknown }[] } | undefined)
          ?.statuses;
        for (const st of statuses ?? []) {
          if (typeof st.status !== 'string') continue;
          out.push({ providerId: String(st.id), state: unisenderState(st.status), rawStatus: st.status });
        }
      }
      return out;
    },

    async verify() {
      const { url, answer } = call('getLists', []);
      let res: Awaited<typeof answer>;
      try {
        res = await answer;
      } catch (err) {
        throw new Error(describeFailure(err, url).reason);
      }
      const parsed = parseJson(res.text) as Answer | null;
      if (parsed?.error) {
        const out = refusal(0, { error: parsed.error, code: parsed.code });
        throw new Error('reason' in out ? out.reason : parsed.error);
      }
      if (res.status !== 200 || !parsed || !Array.isArray(parsed.result))
        throw new Error(`${url.split('?')[0]} answered HTTP ${res.status}: ${excerpt(res.text)}`);
      const lists = parsed.result as { id: unknown; title: unknown }[];
      const list = lists.find((l) => String(l.id) === s.listId);
      if (!list) {
        const known = lists.map((l) => `${l.id} «${l.title}»`).join(', ') || 'none';
        throw new Error(
          `the api_key works, but the account has no list ${s.listId} (setting listId); its lists: ${known}`,
        );
      }
      return `the api_key works; list ${s.listId} «${list.title}» exists; nothing was sent`;
    },
    async close() {
      http.close();
    },
  };
}

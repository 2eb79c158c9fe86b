/**
 * The `telegram` gateway: the messenger channel through the Telegram Bot API (PR-4, CH-1). A
 * message's address is the contact's chat id (core/address.ts, normalizeChatId); its text goes as
 * plain text — no parse_mode, so a `<` or `*` in a name is never taken for markup.
 *
 *   POST {url}/bot{token}/sendMessage  {"chat_id":"<address>","text":"<body>"}
 *
 * Answers: `{"ok":true,"result":{"message_id":…,"chat":{"id":…}}}` is accepted, provider id
 * `<chat id>:<message id>` (message ids count per chat). 429 is rate_limited for its
 * `parameters.retry_after` seconds; 400 (chat not found, text refused, group migrated) and 403 (bot
 * blocked, user deactivated, bot kicked) are permanent; 401/404 mean a wrong token — retryable, so the
 * gateway's breaker opens and a fallback takes over rather than every message being refused; 5xx,
 * timeouts and malformed answers are retryable. The Bot API has no delivery reports: a message it
 * accepted is in the chat, so the first status check reports it delivered (as SMTP's 250 does).
 *
 * Settings: `token` (required, from @BotFather), `url` (default https://api.telegram.org; a local
 * server in tests or a self-hosted Bot API server), `timeoutMs` (10000), `concurrency` (requests at
 * once, 10: Telegram allows about 30 messages a second per bot), `statusDeadlineSeconds` (3600).
 *
 * Messages to the bot (replies, «СТОП», «/start»): polled with getUpdates (`inbound(cursor)`, from the
 * dispatcher's sweep), the cursor being the next update_id to ask for — asking with it confirms the
 * ones before, so Telegram forgets them. A message is from its chat's id (what Vestnik sends to);
 * one without text (a sticker, a photo without a caption) moves the cursor and is not stored. The
 * bot must have no webhook set: Telegram answers getUpdates with 409 while one is.
 */
import {
  describeFailure,
  excerpt,
  HttpClient,
  Limiter,
  parseJson,
  positiveNumberSetting,
  stringSetting,
  urlSetting,
} from './http.ts';
import {
  acceptedIsDelivered,
  type Gateway,
  type GatewayContext,
  GatewaySettingsError,
  type InboundMessage,
  type OutgoingMessage,
  type SendOutcome,
} from './provider.ts';

interface TelegramSettings {
  token: string;
  url: string;
  timeoutMs: number;
  concurrency: number;
  statusDeadlineSeconds: number;
}

export function telegramSettings(raw: Record<string, unknown>): TelegramSettings {
  const token = stringSetting(raw, 'token')!;
  if (!/^\d+:[\w-]{20,}$/.test(token))
    throw new GatewaySettingsError('token', 'token must be the bot token from @BotFather: 123456789:AA…');
  return {
    token,
    url: urlSetting(raw, 'url', 'https://api.telegram.org'),
    timeoutMs: positiveNumberSetting(raw, 'timeoutMs', 10_000),
    concurrency: Math.trunc(positiveNumberSetting(raw, 'concurrency', 10)),
    statusDeadlineSeconds: positiveNumberSetting(raw, 'statusDeadlineSeconds', 3600),
  };
}

/** The Bot API's answer envelope (core.telegram.org/bots/api#making-requests). */
interface BotAnswer {
  ok?: boolean;
  result?: { message_id?: number; chat?: { id?: number }; username?: string; id?: number };
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/** One sendMessage answer as an outcome. */
export function mapTelegramAnswer(m: OutgoingMessage, status: number, text: string): SendOutcome {
  const answer = parseJson(text) as BotAnswer | null;
  const said = answer?.description ?? excerpt(text);
  const raw = String(answer?.error_code ?? status);
  if (status === 200 && answer?.ok === true) {
    const messageId = answer.result?.message_id;
    if (typeof messageId !== 'number')
      return {
        id: m.id,
        kind: 'retryable',
        rawStatus: 'BAD_ANSWER',
        reason: `no message_id in ${excerpt(text)}`,
      };
    return {
      id: m.id,
      kind: 'accepted',
      providerId: `${answer.result?.chat?.id ?? m.address}:${messageId}`,
      rawStatus: 'ok',
    };
  }
  if (!answer || typeof answer !== 'object')
    return { id: m.id, kind: 'retryable', rawStatus: String(status), reason: `malformed answer: ${said}` };
  if (status === 429) {
    const seconds = answer.parameters?.retry_after ?? 1;
    return { id: m.id, kind: 'rate_limited', rawStatus: raw, reason: said, retryAfterMs: seconds * 1000 };
  }
  if (status === 401 || status === 404)
    return {
      id: m.id,
      kind: 'retryable',
      rawStatus: raw,
      reason: `Telegram refused the bot token (setting token): ${said}`,
    };
  if (status === 400 || status === 403) {
    const migrated = answer.parameters?.migrate_to_chat_id;
    const hint = migrated ? `; the group is now chat ${migrated}` : '';
    return { id: m.id, kind: 'permanent', rawStatus: raw, reason: said + hint };
  }
  return { id: m.id, kind: 'retryable', rawStatus: raw, reason: said };
}

export type TelegramGateway = Gateway & {
  /** Checks the token with getMe; says which bot it is, or throws saying what is wrong. */
  verify(): Promise<string>;
};

export function createTelegramGateway(ctx: GatewayContext): TelegramGateway {
  if (ctx.channel !== 'messenger')
    throw new GatewaySettingsError('channel', 'a Telegram gateway sends on the messenger channel only');
  const s = telegramSettings(ctx.settings);
  const client = new HttpClient();
  const limiter = new Limiter(s.concurrency);
  const method = (name: string) => `${s.url}/bot${s.token}/${name}`;
  // Never the token in a reason: the URL as the operator may see it.
  const shown = (name: string) => `${s.url}/bot…/${name}`;

  const sendOne = (m: OutgoingMessage): Promise<SendOutcome> =>
    limiter.run(async () => {
      try {
        const res = await client.request({
          method: 'POST',
          url: method('sendMessage'),
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ chat_id: m.address, text: m.body }),
          timeoutMs: s.timeoutMs,
        });
        return mapTelegramAnswer(m, res.status, res.text);
      } catch (err) {
        return { id: m.id, kind: 'retryable', ...describeFailure(err, shown('sendMessage')) };
      }
    });

  return {
    kind: 'telegram',
    channel: ctx.channel,
    capabilities: {
      batchSize: 20,
      callbacks: false,
      polling: true,
      statusDeadlineSeconds: s.statusDeadlineSeconds,
    },
    send: (batch) => Promise.all(batch.map(sendOne)),
    status: acceptedIsDelivered('ok'),
    async inbound(cursor) {
      const body: Record<string, unknown> = { timeout: 0, allowed_updates: ['message'] };
      if (cursor !== null) body.offset = Number(cursor);
      let res: { status: number; text: string };
      try {
        res = await client.request({
          method: 'POST',
          url: method('getUpdates'),
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          timeoutMs: s.timeoutMs,
        });
      } catch (err) {
        throw new Error(describeFailure(err, shown('getUpdates')).reason);
      }
      return mapTelegramUpdates(cursor, res.status, res.text, shown('getUpdates'));
    },
    async verify() {
      let res: { status: number; text: string };
      try {
        res = await client.request({ method: 'GET', url: method('getMe'), timeoutMs: s.timeoutMs });
      } catch (err) {
        throw new Error(describeFailure(err, shown('getMe')).reason);
      }
      const answer = parseJson(res.text) as BotAnswer | null;
      if (res.status === 200 && answer?.ok === true && answer.result?.username)
        return `the token belongs to the bot @${answer.result.username} (id ${answer.result.id})`;
      if (res.status === 401 || res.status === 404)
        throw new Error(
          `Telegram refused the bot token (setting token): ${answer?.description ?? res.status}`,
        );
      throw new Error(
        `${shown('getMe')} answered ${res.status}: ${answer?.description ?? excerpt(res.text)}`,
      );
    },
    async close() {
      client.close();
    },
  };
}

interface Update {
  update_id?: unknown;
  message?: {
    message_id?: unknown;
    date?: unknown;
    text?: unknown;
    caption?: unknown;
    chat?: { id?: unknown };
  };
}

/** A getUpdates answer → the messages with text, and the cursor to ask from next. */
export function mapTelegramUpdates(
  cursor: string | null,
  status: number,
  text: string,
  shownUrl = 'getUpdates',
): { messages: InboundMessage[]; cursor: string | null } {
  const answer = parseJson(text) as (BotAnswer & { result?: unknown }) | null;
  if (status !== 200 || answer?.ok !== true || !Array.isArray(answer.result))
    throw new Error(`${shownUrl} answered ${status}: ${answer?.description ?? excerpt(text)}`);
  let next = cursor === null ? null : Number(cursor);
  const messages: InboundMessage[] = [];
  for (const u of answer.result as Update[]) {
    if (typeof u.update_id !== 'number') continue;
    next = Math.max(next ?? 0, u.update_id + 1);
    const m = u.message;
    const body = typeof m?.text === 'string' ? m.text : typeof m?.caption === 'string' ? m.caption : null;
    const chat = m?.chat?.id;
    if (!m || body === null || (typeof chat !== 'number' && typeof chat !== 'string')) continue;
    messages.push({
      from: String(chat),
      text: body,
      providerId: `${chat}:${String(m.message_id)}`,
      ...(typeof m.date === 'number' ? { receivedAt: new Date(m.date * 1000) } : {}),
    });
  }
  return { messages, cursor: next === null ? null : String(next) };
}

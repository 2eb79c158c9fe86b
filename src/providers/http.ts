/**
 * The HTTP round trip the HTTP gateways (SMS Aero, SMSC.ru, Kannel, Telegram, UniSender, the HTTP
 * sandbox) share, and the outcomes they give every message of a request when the request as a whole
 * failed. node:http/https rather than fetch:
 * measured on this machine, fetch (undici) took two to four times the CPU per request, and each
 * `AbortSignal.timeout` keeps its request's objects alive until the timer fires — a worker's memory
 * then grows with its send rate.
 *
 * A request that was written but not answered in time may have been accepted by the provider: the
 * outcome says so, and the message is sent again (delivery to a gateway is at-least-once; the
 * gateways pass Vestnik's message id as the provider's client reference where it takes one).
 *
 * Every host is checked before a connection is opened (hostGuard.ts: after DNS resolution, the
 * connection going to the checked address), and redirects are never followed: no provider's API
 * redirects, and a redirect is how a public host would point the server at an internal one.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import https from 'node:https';
import { checkLiteral, guardedLookup, type HostGuard, HostRefusedError, instanceGuard } from './hostGuard.ts';
import { GatewaySettingsError, type OutgoingMessage, type SendOutcome } from './provider.ts';

export interface HttpAnswer {
  status: number;
  text: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

/** The request went out and no answer came in time: the provider may have acted on it. */
export class HttpTimeoutError extends Error {
  override name = 'HttpTimeoutError';
}

/** A provider's answer redirected elsewhere: refused, never followed. */
export class RedirectRefusedError extends Error {
  override name = 'RedirectRefusedError';
  readonly code = 'REDIRECT_REFUSED';
}

/** `http://host:port/` of a URL: what messages show of it (no path, no query, no credentials). */
export function originOf(url: string): string {
  try {
    return `${new URL(url).origin}/`;
  } catch {
    return url.split(/[?#]/)[0]!;
  }
}

/** A request's answer as testGateway sees it: the status, never the body. */
export type AnswerObserver = (answer: { url: string; status: number }) => void;
const observers = new AsyncLocalStorage<AnswerObserver>();

/**
 * Runs `fn`, telling `observer` the status of every answer its requests get: `vestnik gateway test`
 * reports a failed check by its status, never by what the answer said (it may be an internal page).
 */
export function observeAnswers<T>(observer: AnswerObserver, fn: () => Promise<T>): Promise<T> {
  return observers.run(observer, fn);
}

/** Keep-alive agents for one gateway instance; `close` drops the idle sockets. */
export class HttpClient {
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(
    maxSockets = 32,
    /** The instance's host policy; tests give their own resolver. */
    private readonly guard: HostGuard = instanceGuard,
  ) {
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets }),
      https: new https.Agent({ keepAlive: true, maxSockets }),
    };
  }

  request(r: HttpRequest): Promise<HttpAnswer> {
    const secure = r.url.startsWith('https:');
    const lib = secure ? https : http;
    const headers: Record<string, string | number> = { ...r.headers };
    if (r.body !== undefined) headers['content-length'] = Buffer.byteLength(r.body);
    const shown = originOf(r.url);
    try {
      // URL parsing has made 2130706433 and 0x7f.1 into 127.0.0.1 already; names go to the lookup.
      checkLiteral(new URL(r.url).hostname, shown, this.guard.policy());
    } catch (err) {
      return Promise.reject(err);
    }
    const lookup = guardedLookup(this.guard, () => shown);
    return new Promise((resolve, reject) => {
      const req = lib.request(
        r.url,
        { method: r.method, agent: secure ? this.agents.https : this.agents.http, headers, lookup },
        (res) => {
          const status = res.statusCode ?? 0;
          observers.getStore()?.({ url: r.url, status });
          if (status >= 300 && status < 400 && res.headers.location) {
            clearTimeout(timer);
            res.destroy();
            reject(
              new RedirectRefusedError(
                `${shown} answered ${status}, a redirect to ${originOf(new URL(res.headers.location, r.url).href)}; ` +
                  'gateways do not follow redirects: set the final address',
              ),
            );
            return;
          }
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => {
            clearTimeout(timer);
            resolve({ status, text });
          });
          res.on('error', (err) => {
            clearTimeout(timer);
            reject(err);
          });
        },
      );
      const timer = setTimeout(
        () => req.destroy(new HttpTimeoutError(`no answer in ${r.timeoutMs} ms`)),
        r.timeoutMs,
      );
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end(r.body);
    });
  }

  close(): void {
    for (const agent of Object.values(this.agents))
      for (const sockets of Object.values(agent.freeSockets)) for (const s of sockets ?? []) s.destroy();
  }
}

/** Why a request failed, in words an operator can act on (the URL without its query: no secrets). */
export function describeFailure(
  err: unknown,
  url: string,
  /** A send: a timeout then means the message may have gone. */
  sending = true,
): { rawStatus: string; reason: string } {
  const where = url.split('?')[0];
  const e = err as NodeJS.ErrnoException;
  if (e instanceof HostRefusedError || e instanceof RedirectRefusedError)
    return { rawStatus: e.code, reason: e.message };
  if (e instanceof HttpTimeoutError)
    return {
      rawStatus: 'TIMEOUT',
      reason: sending
        ? `${where}: ${e.message}; the provider may have accepted the message, it will be sent again`
        : `${where}: ${e.message}`,
    };
  const code = e?.code ?? 'NETWORK';
  const what =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'host not found'
        : code === 'ECONNRESET'
          ? 'connection dropped'
          : (e?.message ?? String(err));
  return { rawStatus: code, reason: `${where}: ${what}` };
}

export function allRetryable(batch: OutgoingMessage[], rawStatus: string, reason: string): SendOutcome[] {
  return batch.map((m) => ({ id: m.id, kind: 'retryable', rawStatus, reason }));
}

export function allPermanent(batch: OutgoingMessage[], rawStatus: string, reason: string): SendOutcome[] {
  return batch.map((m) => ({ id: m.id, kind: 'permanent', rawStatus, reason }));
}

export function allRateLimited(
  batch: OutgoingMessage[],
  rawStatus: string,
  reason: string,
  retryAfterMs: number,
): SendOutcome[] {
  return batch.map((m) => ({ id: m.id, kind: 'rate_limited', rawStatus, reason, retryAfterMs }));
}

/** Seconds of a `Retry-After` answer are not visible here (only status and body); a default pause. */
export const DEFAULT_THROTTLE_MS = 10_000;

/** Parses JSON, or null when the text is not JSON (the outcome then says «malformed answer»). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** A short, single-line excerpt of an answer for a reason. */
export function excerpt(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** Settings helpers: each names the setting at fault. */
export function stringSetting(
  raw: Record<string, unknown>,
  name: string,
  required = true,
): string | undefined {
  const v = raw[name];
  if (v === undefined || v === null || v === '') {
    if (required) throw new GatewaySettingsError(name, `${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new GatewaySettingsError(name, `${name} must be a string`);
  return v;
}

export function urlSetting(raw: Record<string, unknown>, name: string, fallback: string | undefined): string {
  const v = raw[name] ?? fallback;
  if (typeof v !== 'string' || !/^https?:\/\/[^/?#\s]+/.test(v))
    throw new GatewaySettingsError(name, `${name} must be an http:// or https:// address (got ${String(v)})`);
  return v.replace(/\/+$/, '');
}

export function positiveNumberSetting(raw: Record<string, unknown>, name: string, fallback: number): number {
  const v = raw[name] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw new GatewaySettingsError(name, `${name} must be a positive number`);
  return v;
}

/** Digits only: 8 (912) 345-67-89 is already +79123456789 in Vestnik; providers want 79123456789. */
export function digits(phone: string): string {
  return phone.replace(/\D/g, '');
}

/**
 * At most `max` calls at once through one gateway instance: providers count concurrent requests per
 * account (SMSC.ru answers error 9 from five), while a worker sends up to 16 requests at a time.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Roubles as the providers write them («1.5», "12,30", 3.99) → kopecks; null when not a sum. */
export function roublesToKopecks(value: unknown): number | null {
  const n = typeof value === 'number' ? value : Number(String(value ?? '').replace(',', '.'));
  return value === null || value === undefined || value === '' || !Number.isFinite(n)
    ? null
    : Math.round(n * 100);
}

/** A request other than a send (status, balance): a failure rethrown in `describeFailure`'s words. */
export async function explained<T>(url: string, request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (err) {
    throw new Error(describeFailure(err, url, false).reason);
  }
}

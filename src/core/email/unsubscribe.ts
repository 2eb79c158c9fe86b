/**
 * Signed per-recipient unsubscribe links (CT-4, RFC 8058 one-click). The token carries whom it is
 * for, so the endpoint needs no session and no lookup to know it is genuine; it cannot be forged or
 * altered without the organisation's secret, and may carry an expiry.
 *
 * Token: `base64url(JSON payload) "." base64url(HMAC-SHA256)`, the MAC over a fixed label and the
 * payload's text, so a MAC made with the same secret for something else (a webhook signature) is
 * never a valid token. Compared in constant time. URL-safe as it is: letters, digits, `-`, `_`, `.`.
 * The scheme itself is ../signing.ts, shared with document links.
 */
import { openToken, type Purpose, peekPayload, sealToken } from '../signing.ts';

export interface UnsubscribeClaims {
  orgId: number | string;
  contactId: number | string;
  messageId: number | string;
}

export interface SignOptions {
  /** When the link stops working: a Date, or seconds since the epoch. None: it never expires. */
  expiresAt?: Date | number;
}

export type VerifyResult =
  | { ok: true; claims: UnsubscribeClaims & { expiresAt: number | null } }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

const PURPOSE: Purpose = { label: 'vestnik/unsubscribe/v1\n', macBytes: 32 };

const isId = (v: unknown): v is number | string =>
  (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && v !== '' && v.length <= 64);

export function signUnsubscribe(
  secret: string | Buffer,
  claims: UnsubscribeClaims,
  options: SignOptions = {},
): string {
  if (secret.length === 0) throw new Error('signUnsubscribe: empty secret');
  for (const key of ['orgId', 'contactId', 'messageId'] as const) {
    if (!isId(claims[key])) throw new Error(`signUnsubscribe: ${key} is not an id`);
  }
  const e = options.expiresAt;
  const exp = e === undefined ? undefined : Math.floor(e instanceof Date ? e.getTime() / 1000 : e);
  const payload = JSON.stringify({ o: claims.orgId, c: claims.contactId, m: claims.messageId, e: exp });
  return sealToken(secret, PURPOSE, Buffer.from(payload, 'utf8'));
}

/** `now` in seconds since the epoch, for tests; the clock otherwise. */
export function verifyUnsubscribe(
  secret: string | Buffer,
  token: string,
  now: number = Date.now() / 1000,
): VerifyResult {
  // The MAC is checked before the payload is trusted or even parsed.
  const opened = openToken(secret, PURPOSE, token);
  if (!opened.ok) return opened;
  let data: unknown;
  try {
    data = JSON.parse(opened.payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const d = data as { o?: unknown; c?: unknown; m?: unknown; e?: unknown } | null;
  if (d === null || typeof d !== 'object' || !isId(d.o) || !isId(d.c) || !isId(d.m)) {
    return { ok: false, reason: 'malformed' };
  }
  const expiresAt = typeof d.e === 'number' ? d.e : null;
  if (expiresAt !== null && now >= expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { orgId: d.o, contactId: d.c, messageId: d.m, expiresAt } };
}

/**
 * The organisation a token names, UNVERIFIED: only to find whose secret verifies it. Null when the
 * token cannot be one of ours.
 */
export function peekUnsubscribeOrg(token: string): number | string | null {
  const payload = peekPayload(token);
  if (!payload) return null;
  try {
    const o = (JSON.parse(payload.toString('utf8')) as { o?: unknown } | null)?.o;
    return isId(o) ? o : null;
  } catch {
    return null;
  }
}

/** The link itself: the token as the last path segment of the endpoint's address. */
export function unsubscribeUrl(base: string, token: string): string {
  return `${base.replace(/\/+$/, '')}/${token}`;
}

/** RFC 2369 + RFC 8058 headers; the endpoint must unsubscribe on a POST of `List-Unsubscribe=One-Click`. */
export function unsubscribeHeaders(url: string, mailto?: string): Record<string, string> {
  // RFC 8058 asks for https; plain http is let through for an instance on localhost.
  if (!/^https?:\/\//.test(url) || /[\s<>,]/.test(url)) {
    throw new Error('unsubscribeHeaders: the link must be an http(s) URL without spaces, <, > or commas');
  }
  if (mailto !== undefined && !/^[^\s<>,@]+@[^\s<>,@]+$/.test(mailto)) {
    throw new Error('unsubscribeHeaders: mailto must be a bare address');
  }
  const targets = [`<${url}>`];
  if (mailto) targets.push(`<mailto:${mailto}>`);
  return {
    'List-Unsubscribe': targets.join(', '),
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

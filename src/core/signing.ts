/**
 * The one signing scheme of Vestnik's public links (unsubscribe, documents): a token is
 * `base64url(payload) "." base64url(MAC)`, the MAC an HMAC-SHA256 over a label naming the purpose
 * and the payload's bytes. The label keeps a MAC made for one purpose (or a webhook signature with
 * the same secret) from ever being a valid token of another. A purpose may keep only the first
 * bytes of the MAC (128 bits still cannot be guessed) where the link's length matters, as in an SMS.
 *
 * Pure: no I/O; the caller supplies the secret and the clock.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface Purpose {
  /** Ends with a newline so no payload can be mistaken for part of it. */
  label: string;
  /** MAC bytes kept in the token: 32 (all of it) or fewer, at least 16. */
  macBytes: number;
}

export type Opened = { ok: true; payload: Buffer } | { ok: false; reason: 'malformed' | 'bad_signature' };

/** Longer tokens are refused before any work: nothing legitimate comes near it. */
export const MAX_TOKEN_LENGTH = 1024;

const TOKEN = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

function mac(secret: string | Uint8Array, purpose: Purpose, payload: Uint8Array): Buffer {
  return createHmac('sha256', secret)
    .update(purpose.label, 'utf8')
    .update(payload)
    .digest()
    .subarray(0, purpose.macBytes);
}

const macChars = (bytes: number) => Math.ceil((bytes * 4) / 3);

export function sealToken(secret: string | Uint8Array, purpose: Purpose, payload: Uint8Array): string {
  if (secret.length === 0) throw new Error('sealToken: empty secret');
  if (purpose.macBytes < 16 || purpose.macBytes > 32) throw new Error('sealToken: macBytes must be 16..32');
  return `${Buffer.from(payload).toString('base64url')}.${mac(secret, purpose, payload).toString('base64url')}`;
}

/** The payload, only when the MAC is genuine; compared in constant time. */
export function openToken(secret: string | Uint8Array, purpose: Purpose, token: string): Opened {
  const parts = peek(token);
  if (!parts || secret.length === 0 || parts.mac.length !== macChars(purpose.macBytes)) {
    return { ok: false, reason: 'malformed' };
  }
  const given = Buffer.from(parts.mac, 'base64url');
  const expected = mac(secret, purpose, parts.payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature' };
  }
  return { ok: true, payload: parts.payload };
}

/**
 * The payload WITHOUT checking it: only to learn whose secret to check it with (the organisation
 * named in it). Nothing read here may be acted on before `openToken` has said yes.
 */
export function peekPayload(token: string): Buffer | null {
  return peek(token)?.payload ?? null;
}

function peek(token: string): { payload: Buffer; mac: string } | null {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return null;
  const m = TOKEN.exec(token);
  return m ? { payload: Buffer.from(m[1]!, 'base64url'), mac: m[2]! } : null;
}

/** Unsigned LEB128: small numbers stay short (an organisation id is one byte). */
export function writeVarints(values: readonly number[]): Buffer {
  const out: number[] = [];
  for (const v of values) {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`writeVarints: ${v} is not a whole number ≥ 0`);
    let n = v;
    while (n >= 0x80) {
      out.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    out.push(n);
  }
  return Buffer.from(out);
}

/** Exactly `count` canonical varints and nothing after them, or null. */
export function readVarints(bytes: Uint8Array, count: number): number[] | null {
  const values: number[] = [];
  let i = 0;
  for (let k = 0; k < count; k++) {
    let v = 0;
    let scale = 1;
    for (let len = 0; ; len++) {
      if (i >= bytes.length || len >= 8) return null;
      const b = bytes[i++]!;
      v += (b & 0x7f) * scale;
      scale *= 0x80;
      if ((b & 0x80) === 0) {
        // A trailing zero byte would give a second spelling of the same number.
        if (b === 0 && len > 0) return null;
        break;
      }
    }
    if (!Number.isSafeInteger(v)) return null;
    values.push(v);
  }
  return i === bytes.length ? values : null;
}

/**
 * Signed, expiring links to one stored document (issue 5 item 6): what `%kvit` inserts, one per
 * object. The token names the organisation, the document and the day the link stops working, and is
 * sealed with the organisation's secret (../signing.ts), so it cannot be guessed, altered or
 * extended, and the server needs no table of issued links.
 *
 * Kept short because it goes into SMS texts: the three numbers as varints (about 7 bytes) and the
 * first 16 bytes of the MAC — about 33 characters in all, against ~90 for a JSON payload.
 */
import { openToken, type Purpose, peekPayload, readVarints, sealToken, writeVarints } from '../signing.ts';

export interface DocumentClaims {
  orgId: number;
  documentId: number;
  /** Seconds since the epoch; always a UTC midnight (see linkExpiry). */
  expiresAt: number;
}

export type DocumentLinkResult =
  | { ok: true; claims: DocumentClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

const PURPOSE: Purpose = { label: 'vestnik/document/v1\n', macBytes: 16 };
const DAY = 86_400;

/**
 * When a link made at `now` for `days` days stops working: rounded up to the next UTC midnight, so
 * every link made on one day for one document is the same text (a preview and the launch agree, a
 * re-render does not change the message) and works at least `days` full days.
 */
export function linkExpiry(now: Date, days: number): number {
  if (!Number.isInteger(days) || days < 1)
    throw new Error(`linkExpiry: ${days} is not a whole number of days ≥ 1`);
  return (Math.floor(now.getTime() / 1000 / DAY) + days + 1) * DAY;
}

export function signDocumentLink(secret: string | Uint8Array, claims: DocumentClaims): string {
  if (claims.expiresAt % DAY !== 0) throw new Error('signDocumentLink: expiresAt must be a UTC midnight');
  return sealToken(secret, PURPOSE, writeVarints([claims.orgId, claims.documentId, claims.expiresAt / DAY]));
}

/** `now` in seconds since the epoch. A genuine but expired link says so; a forged one never does. */
export function verifyDocumentLink(
  secret: string | Uint8Array,
  token: string,
  now: number,
): DocumentLinkResult {
  const opened = openToken(secret, PURPOSE, token);
  if (!opened.ok) return opened;
  const v = readVarints(opened.payload, 3);
  if (!v) return { ok: false, reason: 'malformed' };
  const claims = { orgId: v[0]!, documentId: v[1]!, expiresAt: v[2]! * DAY };
  if (now >= claims.expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

/** The organisation a token names, UNVERIFIED: only to find whose secret verifies it. */
export function peekDocumentOrg(token: string): number | null {
  const payload = peekPayload(token);
  const v = payload ? readVarints(payload, 3) : null;
  return v && v[0]! > 0 ? v[0]! : null;
}

export function documentUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/d/${token}`;
}

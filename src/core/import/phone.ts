/**
 * A fast path for the phone numbers an import is full of (AU-8): `+7XXXXXXXXXX`, `8XXXXXXXXXX` and
 * the usual spacings of them (`8 (912) 345-67-89`, `+7 912 345 67 89`). libphonenumber costs about
 * 20 µs a number, a fifth of parsing a row; this answers most rows from a small table instead.
 *
 * Why it is exact: for these shapes libphonenumber reads the country calling code 7 and a ten-digit
 * national number N, and returns `+7N` when N is valid for Russia or Kazakhstan, else refuses. In
 * the metadata of both countries every pattern for a ten-digit number is a prefix of at most six
 * digits followed by `\d{4}` or more (see PREFIX_DIGITS), so whether N is valid depends on its first
 * six digits alone. The first number seen with a prefix is given to normalizePhone itself, and its
 * answer is kept for the prefix; a prefix found invalid, and every other shape, goes on to
 * normalizePhone, so its messages are unchanged. test/unit/import-phone.test.ts compares the two on
 * random numbers of every shape and prefix.
 */
import { normalizePhone } from '../address.ts';

/** The most leading digits of a ten-digit national number that any RU or KZ pattern looks at. */
export const PREFIX_DIGITS = 6;
/** Prefixes remembered at most (Russian mobile and city codes are a few thousand). */
const MEMO_LIMIT = 50_000;

const SHAPE = /^(?:\+7|8) ?(?:\((\d{3})\)|(\d{3}))[ -]?(\d{3})[ -]?(\d{2})[ -]?(\d{2})$/;

const valid = new Map<string, boolean>();

/**
 * `text` (trimmed) as E.164 when it has one of the shapes above and its prefix is known valid;
 * null when normalizePhone must decide (including every invalid number).
 */
export function fastPhone(text: string): string | null {
  const m = SHAPE.exec(text);
  if (!m) return null;
  const national = (m[1] ?? m[2]!) + m[3]! + m[4]! + m[5]!;
  const e164 = `+7${national}`;
  const prefix = national.slice(0, PREFIX_DIGITS);
  const known = valid.get(prefix);
  if (known === true) return e164;
  if (known === false) return null;
  const r = normalizePhone(text);
  const ok = r.ok && r.value === e164;
  if (valid.size < MEMO_LIMIT) valid.set(prefix, ok);
  return ok ? e164 : null;
}

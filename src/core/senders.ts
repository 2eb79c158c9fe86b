/**
 * Sender names (CT-5). An SMS alphanumeric sender is what the phone shows instead of a number:
 * at most 11 characters of Latin letters, digits and `. - _`, with at least one letter (seed 001's
 * `ERP.travel`); or a phone number. An e-mail display name goes into a header, so it loses the
 * characters that would end or break the header's phrase, and every control, bidirectional and
 * zero-width character (they can disguise a name: «PayPal» written right to left).
 */
import { normalizePhone } from './address.ts';
import { fail, ok, type Result } from './result.ts';

const ALNUM_SENDER = /^[A-Za-z0-9._-]{1,11}$/;

export function validateSmsSender(input: string, field = 'name'): Result<string> {
  const name = input.trim();
  if (name === '') return fail(field, input, 'is empty');
  if (/^\+?[\d\s()-]+$/.test(name)) {
    const phone = normalizePhone(name, field);
    return phone.ok
      ? phone
      : fail(field, input, `\`${input}\` looks like a phone number but is not a valid one`);
  }
  if (name.length > 11)
    return fail(field, input, `\`${input}\` has ${name.length} characters; an SMS sender has at most 11`);
  if (!ALNUM_SENDER.test(name)) {
    const bad = [...name].find((ch) => !/[A-Za-z0-9._-]/.test(ch));
    return fail(field, input, `\`${input}\` has \`${bad}\`; use Latin letters, digits and . - _ only`);
  }
  if (!/[A-Za-z]/.test(name)) return fail(field, input, `\`${input}\` needs at least one Latin letter`);
  return ok(name);
}

/** Header specials, controls (C0, DEL, C1), bidi controls and zero-width characters. */
const STRIPPED =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  /[()<>,:@!/=;"\\\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/g;

/** Cleans an e-mail display name; refuses one that is empty after cleaning. */
export function sanitizeDisplayName(input: string, field = 'displayName'): Result<string> {
  const cleaned = input.normalize('NFC').replace(STRIPPED, '').replace(/\s+/g, ' ').trim();
  if (cleaned === '')
    return fail(field, input, 'has nothing left after removing special and invisible characters');
  if (cleaned.length > 100) return fail(field, input, `is ${cleaned.length} characters long; at most 100`);
  return ok(cleaned);
}

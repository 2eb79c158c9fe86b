/**
 * Addresses as people type them → the canonical forms stored and sent. Phones go to E.164 with
 * libphonenumber-js, Russia being the default country so `8 (912) 345-67-89` means +79123456789.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { needsSmtpUtf8, smtpUtf8Refusal } from './email/smtputf8.ts';
import { fail, ok, type Result } from './result.ts';

export function normalizePhone(input: string, field = 'phone', defaultCountry: 'RU' = 'RU'): Result<string> {
  const raw = input.trim();
  if (raw === '') return fail(field, input, 'is empty');
  // Spreadsheets turn long numbers into `7.91E+10`: the digits are lost, so never guess.
  if (/^\d+(?:[.,]\d+)?e\+?\d+$/i.test(raw)) {
    return fail(
      field,
      input,
      `\`${input}\` was spoiled by a spreadsheet (scientific notation); re-export the column as text`,
    );
  }
  if (/[^\d\s()+\-.]/.test(raw))
    return fail(field, input, `\`${input}\` is not a phone number: it has letters or symbols`);
  // A Russian trunk prefix 8 before a ten-digit number: 8 912 … is +7 912 ….
  const digits = raw.replace(/\D/g, '');
  const candidate =
    !raw.startsWith('+') && digits.length === 11 && digits.startsWith('8') ? `+7${digits.slice(1)}` : raw;
  const parsed = parsePhoneNumberFromString(candidate, defaultCountry);
  if (!parsed?.isValid()) return fail(field, input, `\`${input}\` is not a phone number`);
  return ok(parsed.number);
}

// Deliberately plain: one @, a non-empty local part, a dotted domain of letters, digits and hyphens.
// A domain may be non-ASCII (it is sent as punycode); a local part may not (core/email/smtputf8.ts).
const EMAIL = /^[^\s@"<>()[\]\\,;:]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}]{2,63}$/u;

export function normalizeEmail(input: string, field = 'email'): Result<string> {
  const raw = input.trim();
  if (raw === '') return fail(field, input, 'is empty');
  if (raw.length > 254 || !EMAIL.test(raw))
    return fail(field, input, `\`${input}\` is not an e-mail address`);
  if (needsSmtpUtf8(raw)) return fail(field, input, smtpUtf8Refusal(raw));
  const at = raw.lastIndexOf('@');
  return ok(`${raw.slice(0, at)}@${raw.slice(at + 1).toLowerCase()}`);
}

/** A Telegram chat id: a signed integer (groups are negative). */
export function normalizeChatId(input: string, field = 'telegram_chat_id'): Result<string> {
  const raw = input.trim();
  if (!/^-?\d{1,20}$/.test(raw))
    return fail(field, input, `\`${input}\` is not a Telegram chat id (a whole number)`);
  return ok(raw);
}

/**
 * Validation of a contact as it comes in from the API, the command line or (later) an import:
 * every problem is reported with its field and value, and all of them at once.
 */
import { normalizeChatId, normalizeEmail, normalizePhone } from './address.ts';
import type { FieldProblem } from './result.ts';

export interface ContactInput {
  externalId?: string | null;
  lastName?: string;
  firstName?: string;
  middleName?: string;
  phone?: string | null;
  email?: string | null;
  telegramChatId?: string | null;
  timeZone?: string | null;
  gender?: 'male' | 'female' | null;
  birthDate?: string | null;
  attributes?: Record<string, unknown>;
  doNotMessage?: boolean;
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function isIsoDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return (
    d.getUTCFullYear() === Number(m[1]) &&
    d.getUTCMonth() === Number(m[2]) - 1 &&
    d.getUTCDate() === Number(m[3])
  );
}

/**
 * Normalises the fields present in `input` (a partial update leaves absent fields alone).
 * `today` is the caller's date, 'YYYY-MM-DD', so a birth date in the future can be refused.
 */
export function validateContact(
  input: ContactInput,
  today: string,
): { ok: true; value: ContactInput } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const out: ContactInput = { ...input };
  const text = (key: 'lastName' | 'firstName' | 'middleName' | 'externalId', max: number) => {
    const v = input[key];
    if (v === undefined || v === null) return;
    const trimmed = v.trim().replace(/\s+/g, ' ');
    if (trimmed.length > max)
      problems.push({ field: key, value: v, message: `is longer than ${max} characters` });
    if (key === 'externalId') out.externalId = trimmed === '' ? null : trimmed;
    else out[key] = trimmed;
  };
  text('lastName', 100);
  text('firstName', 100);
  text('middleName', 100);
  text('externalId', 200);
  const addr = (
    key: 'phone' | 'email' | 'telegramChatId',
    norm: (s: string, f: string) => ReturnType<typeof normalizePhone>,
  ) => {
    const v = input[key];
    if (v === undefined) return;
    if (v === null || v.trim() === '') {
      out[key] = null;
      return;
    }
    const r = norm(v, key);
    if (r.ok) out[key] = r.value;
    else problems.push(r.problem);
  };
  addr('phone', (s, f) => normalizePhone(s, f));
  addr('email', normalizeEmail);
  addr('telegramChatId', normalizeChatId);
  if (input.timeZone) {
    if (!isTimeZone(input.timeZone)) {
      problems.push({
        field: 'timeZone',
        value: input.timeZone,
        message: `\`${input.timeZone}\` is not a time zone (use e.g. Europe/Moscow)`,
      });
    }
  } else if (input.timeZone !== undefined) out.timeZone = null;
  if (input.birthDate) {
    if (!isIsoDate(input.birthDate)) {
      problems.push({
        field: 'birthDate',
        value: input.birthDate,
        message: `\`${input.birthDate}\` is not a date (YYYY-MM-DD)`,
      });
    } else if (input.birthDate > today || input.birthDate < '1900-01-01') {
      problems.push({
        field: 'birthDate',
        value: input.birthDate,
        message: `\`${input.birthDate}\` is not a plausible birth date`,
      });
    }
  } else if (input.birthDate !== undefined) out.birthDate = null;
  return problems.length ? { ok: false, problems } : { ok: true, value: out };
}

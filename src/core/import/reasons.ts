/**
 * Why a row was rejected, as a code (AU-8): the row parser says it in words for the operator; the
 * summary of an import counts rows per reason, and the rejects can be listed per reason, so each
 * problem gets one code here. A row with several problems counts under each of its reasons.
 */
import type { RowProblem } from './rows.ts';

export const REJECT_REASONS = [
  'unreadable_characters',
  'spoiled_number',
  'invalid_phone',
  'invalid_email',
  /** A well-formed address with non-Latin characters before the @: it needs SMTPUTF8 (core/email/smtputf8.ts). */
  'non_ascii_email',
  'invalid_telegram_chat_id',
  'invalid_time_zone',
  'invalid_gender',
  'invalid_date',
  'implausible_birth_date',
  'invalid_amount',
  'amount_without_object',
  'too_long',
  'no_identifier',
  'past_last_column',
  'broken_row',
  /** A cell over a mebibyte of text (csv.ts, longCells.ts): the row is left out, the rest read on. */
  'cell_too_long',
  'invalid_value',
  /** Valid as read, but the database refused it (a character PostgreSQL cannot store). */
  'not_stored',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

const BY_COLUMN: Record<string, RejectReason> = {
  phone: 'invalid_phone',
  email: 'invalid_email',
  telegramChatId: 'invalid_telegram_chat_id',
  timeZone: 'invalid_time_zone',
  gender: 'invalid_gender',
  birthDate: 'invalid_date',
  'object.charges': 'invalid_amount',
  'object.debt': 'invalid_amount',
};

/** The code of one problem found by parseRow. */
export function reasonOf(p: Pick<RowProblem, 'column' | 'header' | 'message'>): RejectReason {
  const m = p.message;
  if (m.includes('could not be read')) return 'unreadable_characters';
  if (m.includes('spoiled by a spreadsheet') || m.includes('may have lost digits')) return 'spoiled_number';
  if (m.startsWith('is longer than')) return 'too_long';
  if (p.column === 'row' && m.startsWith('has a cell longer than')) return 'cell_too_long';
  if (p.column === 'row') return p.header === '' ? 'broken_row' : 'past_last_column';
  if (m.includes('nothing to find the contact by')) return 'no_identifier';
  if (m.includes('no plot or account number on this row')) return 'amount_without_object';
  if (p.column === 'email' && m.includes('SMTPUTF8')) return 'non_ascii_email';
  if (p.column === 'birthDate' && m.includes('plausible')) return 'implausible_birth_date';
  return BY_COLUMN[p.column] ?? 'invalid_value';
}

/** The distinct codes of a row's problems, in the order they first appear. */
export const reasonsOf = (problems: readonly RowProblem[]): RejectReason[] => [
  ...new Set(problems.map(reasonOf)),
];

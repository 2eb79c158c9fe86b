/** The shapes the contacts and imports API answers with (src/api/schemas.ts, routes/imports.ts). */
import type { Key } from '../../i18n/index.ts';

export interface PageOf<T> {
  items: T[];
  nextCursor: number | null;
}

export interface Contact {
  id: number;
  externalId: string | null;
  lastName: string;
  firstName: string;
  middleName: string;
  phone: string | null;
  email: string | null;
  telegramChatId: string | null;
  timeZone: string | null;
  gender: 'male' | 'female' | null;
  birthDate: string | null;
  attributes: Record<string, unknown>;
  doNotMessage: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ContactObject {
  id: number;
  contactId: number;
  kind: 'plot' | 'account' | 'order' | 'loan' | 'meter';
  number: string;
  chargesKopecks: number;
  debtKopecks: number;
  attributes: Record<string, unknown>;
}

export interface Consent {
  contactId: number;
  channel: string;
  category: string;
  source: string;
  wording: string;
  grantedAt: string;
  withdrawnAt: string | null;
}

export interface Message {
  id: number;
  campaignId: number | null;
  channel: string;
  address: string;
  subject: string | null;
  body: string;
  state: string;
  reason: string | null;
  segments: number;
  priceKopecks: number;
  costKopecks: number | null;
  createdAt: string;
  submittedAt: string | null;
  finalAt: string | null;
}

export type Mapping = Record<string, string[]>;

export interface ImportJob {
  id: number;
  state: 'uploaded' | 'queued' | 'running' | 'done' | 'failed';
  format: 'csv' | 'xlsx';
  fileName: string;
  progress: number;
  processed: number;
  created: number;
  updated: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  objects: number;
  error: string | null;
}

export interface ImportPreview {
  format: 'csv' | 'xlsx';
  encoding: string | null;
  delimiter: string | null;
  headers: string[];
  headerRow: number;
  suggested: Mapping;
  mapping: Mapping;
  mappingProblems: { field?: string; message?: string }[];
  rows: { row: number; cells: Record<string, unknown> }[];
  outcomes: (
    | { status: 'accepted'; row: number }
    | { status: 'rejected'; row: number; problems: Problem[] }
  )[];
}

export interface Problem {
  column: string;
  header: string;
  value: string;
  message: string;
  reason?: string;
}

export interface RejectedRow {
  row: number;
  reasons: string[];
  problems: Problem[];
}

export const fullName = (c: Pick<Contact, 'lastName' | 'firstName' | 'middleName'>) =>
  [c.lastName, c.firstName, c.middleName].filter(Boolean).join(' ');

/** A key built from a value the server sends (a state, a reason); unknown values show as the key's tail. */
export const dynKey = (prefix: string, value: string) => `${prefix}.${value}` as Key;

/** translate() answers the key itself when it has no text: show the raw value then, not the key. */
export const label = (t: (k: Key) => string, prefix: string, value: string) => {
  const s = t(dynKey(prefix, value));
  return s === `${prefix}.${value}` ? value : s;
};

/** A cell as read from the file (text, number, date, boolean) shown as text. */
export const cellText = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

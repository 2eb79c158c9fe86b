/**
 * The wizard's state and how it becomes the API's campaign body. The four choices of seed 000 are not
 * the API's words: three of them are an SMS campaign in one of the three modes (the cascade through
 * the messenger is the server's business), the fourth is an e-mail campaign.
 */
import { useEffect, useState } from 'react';

export type ModeChoice = 'standard' | 'economy' | 'urgent' | 'email';
export const MODE_CHOICES: ModeChoice[] = ['standard', 'economy', 'urgent', 'email'];
export type Channel = 'sms' | 'messenger' | 'email';
export type Category = 'informational' | 'service' | 'advertising';

export const channelOf = (m: ModeChoice): Channel => (m === 'email' ? 'email' : 'sms');
export const apiMode = (m: ModeChoice) => (m === 'email' ? 'standard' : m);
/** Standard and economy try the messenger first, so they may carry a longer messenger text (CH-6). */
export const hasMessengerText = (m: ModeChoice) => m === 'standard' || m === 'economy';

export type FilterKind = 'debt' | 'birthday' | 'field' | 'office' | 'gender' | 'age' | 'meter';
export const FILTER_KINDS: FilterKind[] = ['debt', 'birthday', 'field', 'office', 'gender', 'age', 'meter'];

/** One condition as the form holds it: every kind's inputs are strings until the tree is built. */
export interface FilterRow {
  key: number;
  kind: FilterKind;
  /** debt: roubles; birthday: days; age: min; field: value; office: comma-separated values. */
  a: string;
  /** field: the field name; age: max; gender: male/female; meter: yes/no. */
  b: string;
}

export interface WizardState {
  mode: ModeChoice;
  name: string;
  category: Category;
  everyone: boolean;
  listIds: number[];
  filters: FilterRow[];
  /** Conditions all at once, or any of them. */
  match: 'and' | 'or';
  sms: string;
  messenger: string;
  emailSubject: string;
  emailHtml: string;
  transliterate: boolean;
  schedule: 'now' | 'at';
  /** datetime-local input value, the browser's zone. */
  at: string;
  /** The draft made on reaching step 4; later visits edit it (a new one if the channel changed). */
  draft: { id: number; channel: Channel } | null;
}

export const initialState: WizardState = {
  mode: 'standard',
  name: '',
  category: 'informational',
  everyone: false,
  listIds: [],
  filters: [],
  match: 'and',
  sms: '',
  messenger: '',
  emailSubject: '',
  emailHtml: '',
  transliterate: false,
  schedule: 'now',
  at: '',
  draft: null,
};

export type Patch = (p: Partial<WizardState>) => void;

type Json = Record<string, unknown>;

function predicate(r: FilterRow): Json | null {
  const n = (s: string) => (s.trim() === '' ? Number.NaN : Number(s.replace(',', '.')));
  switch (r.kind) {
    case 'debt': {
      const roubles = n(r.a);
      return {
        type: 'objects',
        measure: 'debt',
        op: 'gt',
        value: Number.isFinite(roubles) ? Math.round(roubles * 100) : 0,
      };
    }
    case 'birthday': {
      const days = n(r.a);
      return Number.isInteger(days) && days >= 0 && days <= 366
        ? { type: 'birthday', window: 'next_days', days }
        : null;
    }
    case 'field':
      return r.b
        ? {
            type: 'field',
            field: r.b,
            op: r.a.trim() ? 'eq' : 'empty',
            ...(r.a.trim() ? { value: r.a.trim() } : {}),
          }
        : null;
    case 'office': {
      const values = r.a
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      return values.length ? { type: 'office', values } : null;
    }
    case 'gender':
      return { type: 'gender', value: r.b === 'female' ? 'female' : 'male' };
    case 'age': {
      const min = n(r.a);
      const max = n(r.b);
      const p: Json = { type: 'age' };
      if (Number.isInteger(min)) p.min = min;
      if (Number.isInteger(max)) p.max = max;
      return 'min' in p || 'max' in p ? p : null;
    }
    case 'meter':
      return { type: 'meter', has: r.b !== 'no' };
  }
}

/**
 * The audience: everyone or the ticked lists (a union), narrowed by the conditions when there are
 * any — «debtors of the list Street 5» is what an operator means by picking both.
 */
export function buildAudience(s: WizardState): Json | null {
  const preds = s.filters.map(predicate).filter((p): p is Json => p !== null);
  const lists = s.listIds.map((listId) => ({ kind: 'list', listId }));
  if (preds.length === 0) {
    if (s.everyone) return { kind: 'all' };
    if (lists.length === 0) return null;
    return lists.length === 1 ? lists[0]! : { kind: 'union', selections: lists };
  }
  const conditions = preds.length === 1 ? preds[0]! : { type: s.match, of: preds };
  if (s.everyone || s.listIds.length === 0) return { kind: 'filter', filter: conditions };
  const inLists =
    s.listIds.length === 1
      ? { type: 'list', listId: s.listIds[0] }
      : { type: 'or', of: s.listIds.map((listId) => ({ type: 'list', listId })) };
  return { kind: 'filter', filter: { type: 'and', of: [inLists, conditions] } };
}

/** The POST /campaigns body (PATCH takes the same without `channel`). */
export function campaignBody(s: WizardState): Json {
  const channel = channelOf(s.mode);
  const texts: Json =
    channel === 'email'
      ? { email: { subject: s.emailSubject, html: s.emailHtml } }
      : {
          sms: s.sms,
          ...(hasMessengerText(s.mode) && s.messenger.trim() ? { messenger: s.messenger } : {}),
        };
  return {
    name: s.name.trim(),
    channel,
    mode: apiMode(s.mode),
    category: s.category,
    audience: buildAudience(s),
    texts,
    ...(channel === 'sms' ? { transliterate: s.transliterate } : {}),
    schedule: s.schedule === 'at' && s.at ? { at: new Date(s.at).toISOString() } : null,
  };
}

/** The value once it has stopped changing for `ms`: the live counts ask the server after typing. */
export function useDebounced<T>(value: T, ms = 400): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return v;
}

export interface AudienceReport {
  selected: number;
  recipients: number;
  excluded: Record<string, number>;
  items: { contactId: number; name: string; address: string | null; reason: string | null }[];
}

export const EXCLUSION_REASONS = [
  'unticked',
  'do_not_message',
  'no_address',
  'invalid_address',
  'unsubscribed',
  'suppressed',
  'no_consent',
  'duplicate',
] as const;

export interface StepProps {
  state: WizardState;
  patch: Patch;
  /** What keeps Next from going on (shown when pressed), or null. */
  onValid: (blocker: string | null) => void;
}

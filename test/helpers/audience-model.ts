/**
 * An independent, in-memory reading of the audience filter and the exclusion rules, written from
 * docs/audience.md and not from the compiler: the property test checks that the SQL selects what
 * this selects. Dates are walked day by day rather than computed with bounds, on purpose.
 */
import type { Filter, Predicate } from '../../src/core/audience/filter.ts';

export interface ModelContact {
  id: number;
  externalId: string | null;
  lastName: string;
  firstName: string;
  phone: string | null;
  email: string | null;
  timeZone: string | null;
  gender: 'male' | 'female' | null;
  birthDate: string | null;
  doNotMessage: boolean;
  attributes: Record<string, unknown>;
}
export interface ModelObject {
  id: number;
  contactId: number;
  kind: 'plot' | 'account' | 'order' | 'loan' | 'meter';
  debt: number;
  charges: number;
  attributes: Record<string, unknown>;
}
export interface ModelPayment {
  objectId: number;
  dueDate: string;
  amount: number;
  paid: number;
}
export interface ModelData {
  contacts: ModelContact[];
  objects: ModelObject[];
  payments: ModelPayment[];
  /** list id → contact ids, and list id → object ids. */
  contactLists: Map<number, Set<number>>;
  objectLists: Map<number, Set<number>>;
  attributeTypes: Record<string, 'number' | 'text' | 'date' | 'boolean' | 'list'>;
  orgTimeZone: string;
}

const leap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const ymd = (s: string) => s.split('-').map(Number) as [number, number, number];
const day = (s: string, n: number) => {
  const [y, m, d] = ymd(s);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
};
/** The contact's calendar date at `now`. */
export function todayOf(now: Date, zone: string): string {
  const p = new Intl.DateTimeFormat('sv-SE', { timeZone: zone }).format(now);
  return p.slice(0, 10);
}
/** Whether the birthday (month, day) is celebrated on `date` (29 Feb on 28 Feb in common years). */
function celebratedOn(birth: string, date: string): boolean {
  const [, bm, bd] = ymd(birth);
  const [y, m, d] = ymd(date);
  if (bm === 2 && bd === 29 && !leap(y)) return m === 2 && d === 28;
  return bm === m && bd === d;
}
function age(birth: string, today: string): number {
  const [by, bm, bd] = ymd(birth);
  const [ty, tm, td] = ymd(today);
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

type Value = { type: 'text' | 'number' | 'date' | 'boolean'; v: string | number | boolean | null };

function rawText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function fieldValue(c: ModelContact, field: string, types: ModelData['attributeTypes']): Value | undefined {
  const cols: Record<string, Value> = {
    externalId: { type: 'text', v: c.externalId },
    lastName: { type: 'text', v: c.lastName },
    firstName: { type: 'text', v: c.firstName },
    phone: { type: 'text', v: c.phone },
    email: { type: 'text', v: c.email },
    timeZone: { type: 'text', v: c.timeZone },
    gender: { type: 'text', v: c.gender },
    birthDate: { type: 'date', v: c.birthDate },
    doNotMessage: { type: 'boolean', v: c.doNotMessage },
  };
  if (field in cols) return cols[field];
  const name = field.replace(/^attributes\./, '');
  const t = types[name];
  if (!t) return undefined;
  const raw = rawText(c.attributes[name]);
  if (t === 'number')
    return { type: 'number', v: raw !== null && /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : null };
  if (t === 'date') return { type: 'date', v: raw !== null && /^\d{4}-\d{2}-\d{2}$/.test(raw) ? raw : null };
  if (t === 'boolean') return { type: 'boolean', v: raw === 'true' ? true : raw === 'false' ? false : null };
  return { type: 'text', v: raw === '' ? null : raw };
}

function cmp(a: string | number | boolean, op: string, b: string | number | boolean): boolean {
  if (op === 'eq') return a === b;
  if (op === 'ne') return a !== b;
  if (op === 'lt') return a < b;
  if (op === 'gt') return a > b;
  if (op === 'le') return a <= b;
  return a >= b;
}

function predicate(p: Predicate, c: ModelContact, d: ModelData, now: Date): boolean {
  const today = todayOf(now, c.timeZone ?? d.orgTimeZone);
  const mine = d.objects.filter((o) => o.contactId === c.id);
  switch (p.type) {
    case 'field': {
      const f = fieldValue(c, p.field, d.attributeTypes)!;
      if (p.op === 'filled' || p.op === 'empty') {
        const filled = f.v !== null && f.v !== '';
        return p.op === 'filled' ? filled : !filled;
      }
      if (p.op === 'in') return f.v !== null && (p.value as unknown[]).includes(f.v);
      if (f.v === null) return p.op === 'ne';
      return cmp(f.v, p.op, p.value as string | number | boolean);
    }
    case 'gender':
      return c.gender === p.value;
    case 'age': {
      if (!c.birthDate) return false;
      const a = age(c.birthDate, today);
      return (p.min === undefined || a >= p.min) && (p.max === undefined || a <= p.max);
    }
    case 'birthday': {
      if (!c.birthDate) return false;
      const birth = c.birthDate;
      if (p.window === 'next_month') return ymd(birth)[1] === (ymd(today)[1] % 12) + 1;
      const [from, to] =
        p.window === 'today' ? [0, 0] : p.window === 'next_days' ? [0, p.days!] : [-p.days!, 0];
      for (let i = from; i <= to; i++) if (celebratedOn(birth, day(today, i))) return true;
      return false;
    }
    case 'objects': {
      const of = mine.filter((o) => !p.kind || o.kind === p.kind);
      const m =
        p.measure === 'count'
          ? of.length
          : of.reduce((s, o) => s + (p.measure === 'debt' ? o.debt : o.charges), 0);
      return cmp(m, p.op, p.value);
    }
    case 'list':
      return (
        (d.contactLists.get(p.listId)?.has(c.id) ?? false) ||
        mine.some((o) => d.objectLists.get(p.listId)?.has(o.id))
      );
    case 'visited': {
      const countries = (p.countries ?? []).map((s) => s.trim().toUpperCase());
      const directions = (p.directions ?? []).map((s) => s.trim().toLowerCase());
      return mine.some(
        (o) =>
          o.kind === 'order' &&
          (countries.includes(String(o.attributes.country ?? '').toUpperCase()) ||
            directions.includes(
              String(o.attributes.direction ?? '')
                .trim()
                .toLowerCase(),
            )),
      );
    }
    case 'rating':
    case 'office': {
      const raw = rawText(c.attributes[p.type]);
      return raw !== null && p.values.includes(raw);
    }
    case 'meter':
      return mine.some((o) => o.kind === 'meter') === p.has;
    case 'payment': {
      const [from, to] = p.state === 'planned' ? [0, p.days - 1] : [-(p.days - 1), 0];
      const dates = new Set<string>();
      for (let i = from; i <= to; i++) dates.add(day(today, i));
      const loans = new Set(
        mine
          .filter(
            (o) =>
              o.kind === 'loan' &&
              !['closed', 'cancelled', 'закрыт', 'аннулирован'].includes(
                String(o.attributes.status ?? '').toLowerCase(),
              ),
          )
          .map((o) => o.id),
      );
      return d.payments.some((x) => loans.has(x.objectId) && x.paid < x.amount && dates.has(x.dueDate));
    }
  }
}

export function evaluate(f: Filter, c: ModelContact, d: ModelData, now: Date): boolean {
  if (f.type === 'and') return f.of.every((x) => evaluate(x, c, d, now));
  if (f.type === 'or') return f.of.some((x) => evaluate(x, c, d, now));
  if (f.type === 'not') return !evaluate(f.filter, c, d, now);
  return predicate(f, c, d, now);
}

export interface ModelExtras {
  suppressions: { channel: string; address: string; reason: string }[];
  consents: { contactId: number; channel: string; category: string; withdrawn: boolean }[];
}

/** Each selected contact's reason (null: gets the message), by the rules of docs/audience.md. */
export function reasons(
  selected: ModelContact[],
  channel: 'sms' | 'email',
  category: string,
  x: ModelExtras,
): Map<number, string | null> {
  const out = new Map<number, string | null>();
  const valid = channel === 'sms' ? /^\+[1-9]\d{6,14}$/ : /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
  const kept = new Set<string>();
  for (const c of [...selected].sort((a, b) => a.id - b.id)) {
    const addr = channel === 'sms' ? c.phone : c.email;
    const sup = x.suppressions.find((s) => s.channel === channel && s.address === addr);
    const consent = x.consents.some(
      (k) => k.contactId === c.id && k.channel === channel && k.category === 'advertising' && !k.withdrawn,
    );
    let r: string | null = null;
    if (c.doNotMessage) r = 'do_not_message';
    else if (!addr) r = 'no_address';
    else if (!valid.test(addr)) r = 'invalid_address';
    else if (sup) r = sup.reason === 'unsubscribed' ? 'unsubscribed' : 'suppressed';
    else if (category === 'advertising' && !consent) r = 'no_consent';
    else if (kept.has(addr)) r = 'duplicate';
    else kept.add(addr);
    out.set(c.id, r);
  }
  return out;
}

/**
 * The filter tree → a boolean SQL expression over `c` (a row of contacts). Every value becomes a
 * parameter of `params`; nothing the operator typed is ever concatenated into the SQL text. Each
 * predicate yields true or false, never NULL (a missing value fails a comparison, and ≠ holds for it),
 * so NOT means "all the others" exactly as `evaluateFilter` reads it.
 *
 * Dates are the recipient's: today is `now` in the contact's time zone, else the organisation's.
 */
import type { FieldProblem } from '../result.ts';
import { addDays, birthdayKeys, localDate, minusYears, nextMonth } from './dates.ts';
import type { CompareOp, ContactField, FieldOp, Filter, Predicate, Scalar } from './filter.ts';
import { CONTACT_FIELDS, MAX_DEPTH } from './filter.ts';

export type AttributeType = 'number' | 'text' | 'date' | 'boolean' | 'list';
export type ValueType = 'text' | 'number' | 'date' | 'boolean' | 'timestamp';

/** Collects positional parameters: `add` returns `$n` (with a cast when given). */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown, cast?: string): string {
    this.values.push(value);
    return `$${this.values.length}${cast ? `::${cast}` : ''}`;
  }
}

export interface CompileContext {
  params: SqlParams;
  /** The parameter holding the organisation id, e.g. `$1`. */
  org: string;
  /** Custom attributes of the organisation, by name. */
  attributes: Record<string, AttributeType>;
  now: Date;
  orgTimeZone: string;
}

const COLUMN: Record<ContactField, [string, ValueType]> = {
  externalId: ['c.external_id', 'text'],
  lastName: ['c.last_name', 'text'],
  firstName: ['c.first_name', 'text'],
  middleName: ['c.middle_name', 'text'],
  phone: ['c.phone', 'text'],
  email: ['c.email', 'text'],
  telegramChatId: ['c.telegram_chat_id', 'text'],
  timeZone: ['c.time_zone', 'text'],
  gender: ['c.gender', 'text'],
  birthDate: ['c.birth_date', 'date'],
  doNotMessage: ['c.do_not_message', 'boolean'],
  createdAt: ['c.created_at', 'timestamp'],
};

const SQL_OP: Record<CompareOp, string> = { eq: '=', ne: '<>', lt: '<', gt: '>', le: '<=', ge: '>=' };
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Whether `a op b` holds (used at compile time and by the in-memory evaluator). */
export function compare(a: number | string, op: CompareOp, b: number | string): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'lt':
      return a < b;
    case 'gt':
      return a > b;
    case 'le':
      return a <= b;
    case 'ge':
      return a >= b;
  }
}

type Out = { ok: true; sql: string } | { ok: false; problems: FieldProblem[] };
const bad = (field: string, value: unknown, message: string): Out => ({
  ok: false,
  problems: [{ field, value, message }],
});

/** The value's type and its SQL expression (NULL when missing or not of the type). */
export function fieldExpr(
  field: string,
  ctx: Pick<CompileContext, 'params' | 'attributes'>,
): { expr: string; type: ValueType } | undefined {
  if ((CONTACT_FIELDS as readonly string[]).includes(field)) {
    const [expr, type] = COLUMN[field as ContactField];
    return { expr, type };
  }
  if (!field.startsWith('attributes.')) return undefined;
  const name = field.slice('attributes.'.length);
  const type = ctx.attributes[name];
  if (!type) return undefined;
  const raw = `(c.attributes->>${ctx.params.add(name, 'text')})`;
  switch (type) {
    case 'number':
      return {
        expr: `(CASE WHEN ${raw} ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN ${raw}::numeric END)`,
        type: 'number',
      };
    // ISO dates compare correctly as text; a malformed value is treated as missing.
    case 'date':
      return { expr: `(CASE WHEN ${raw} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN ${raw} END)`, type: 'date' };
    case 'boolean':
      return { expr: `(CASE WHEN ${raw} IN ('true', 'false') THEN ${raw} = 'true' END)`, type: 'boolean' };
    default:
      return { expr: `nullif(${raw}, '')`, type: 'text' };
  }
}

/** Checks a comparison value against the field's type; returns it as the parameter to send. */
export function checkValue(type: ValueType, value: unknown): string | number | boolean | undefined {
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  if (type === 'boolean') return typeof value === 'boolean' ? value : undefined;
  if (type === 'date') return typeof value === 'string' && DATE_RE.test(value) ? value : undefined;
  if (type === 'timestamp')
    return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? value : undefined;
  return typeof value === 'string' ? value : undefined;
}

const CAST: Record<ValueType, string> = {
  text: 'text',
  number: 'numeric',
  date: 'text',
  boolean: 'boolean',
  timestamp: 'timestamptz',
};

function compileField(p: Extract<Predicate, { type: 'field' }>, path: string, ctx: CompileContext): Out {
  const f = fieldExpr(p.field, ctx);
  if (!f)
    return bad(
      `${path}.field`,
      p.field,
      `unknown field; use ${CONTACT_FIELDS.join(', ')} or attributes.NAME of a defined attribute`,
    );
  // Dates of contact columns compare as text too, in ISO form.
  const expr =
    f.type === 'date' && f.expr === 'c.birth_date' ? "to_char(c.birth_date, 'YYYY-MM-DD')" : f.expr;
  const op: FieldOp = p.op;
  if (op === 'filled' || op === 'empty') {
    const filled = f.type === 'text' ? `coalesce(${expr} <> '', false)` : `(${expr} IS NOT NULL)`;
    return { ok: true, sql: op === 'filled' ? filled : `NOT ${filled}` };
  }
  if (op === 'in') {
    const list = Array.isArray(p.value) ? p.value : undefined;
    const checked = list?.map((v) => checkValue(f.type, v));
    if (!list || list.length === 0 || checked!.some((v) => v === undefined))
      return bad(`${path}.value`, p.value, `«in» needs a non-empty list of ${f.type} values`);
    return {
      ok: true,
      sql: `coalesce(${expr} = ANY(${ctx.params.add(checked, `${CAST[f.type]}[]`)}), false)`,
    };
  }
  const v = checkValue(f.type, p.value);
  if (v === undefined)
    return bad(`${path}.value`, p.value ?? null, `must be a ${f.type} value for ${p.field}`);
  if (f.type === 'boolean' && op !== 'eq' && op !== 'ne')
    return bad(`${path}.op`, op, 'a yes/no field compares only with eq or ne');
  const cmp = `${expr} ${SQL_OP[op]} ${ctx.params.add(v, CAST[f.type])}`;
  // A missing value is "not equal" to anything and fails every other comparison.
  return { ok: true, sql: op === 'ne' ? `coalesce(${cmp}, true)` : `coalesce(${cmp}, false)` };
}

/**
 * Dates are the recipient's. Most contacts have no zone of their own and take the organisation's:
 * for them the compiler works out today's bounds once and the SQL compares the column with a
 * parameter (`org`); only contacts with a zone of their own compute today per row (`own`).
 */
function byZone(alias: string, org: string, own: string): string {
  return `(CASE WHEN ${alias}.time_zone IS NULL THEN ${org} ELSE ${own} END)`;
}

/** The recipient's local date today, for a contact whose `time_zone` is set. */
function ownToday(ctx: CompileContext, alias = 'c'): string {
  return `((${ctx.params.add(ctx.now.toISOString(), 'timestamptz')} AT TIME ZONE ${alias}.time_zone)::date)`;
}

const orgToday = (ctx: CompileContext): string => localDate(ctx.now, ctx.orgTimeZone);

/** Month × 100 + day of the birth date, compared with birthdayKeys. */
const BIRTH_KEY = "(date_part('month', c.birth_date) * 100 + date_part('day', c.birth_date))::int";

function birthdayPredicate(
  p: Extract<Predicate, { type: 'birthday' }>,
  path: string,
  ctx: CompileContext,
): Out {
  const P = ctx.params;
  const today = orgToday(ctx);
  const own = ownToday(ctx);
  const keys = (from: string, to: string) => `${BIRTH_KEY} = ANY(${P.add(birthdayKeys(from, to), 'int[]')})`;
  let org: string;
  let mine: string;
  if (p.window === 'today') {
    org = keys(today, today);
    mine = `next_birthday(c.birth_date, ${own}) = ${own}`;
  } else if (p.window === 'next_days' || p.window === 'past_days') {
    if (p.days === undefined) return bad(`${path}.days`, null, `${p.window} needs days`);
    const days = P.add(p.days, 'int');
    if (p.window === 'next_days') {
      org = keys(today, addDays(today, p.days));
      mine = `next_birthday(c.birth_date, ${own}) <= ${own} + ${days}`;
    } else {
      // Seed 004's «за прошедшие N дней»: a birthday from today − days through today.
      org = keys(addDays(today, -p.days), today);
      mine = `next_birthday(c.birth_date, ${own} - ${days}) <= ${own}`;
    }
  } else {
    org = `date_part('month', c.birth_date) = ${P.add(nextMonth(today), 'int')}`;
    mine = `date_part('month', c.birth_date) = date_part('month', date_trunc('month', ${own}) + interval '1 month')`;
  }
  return { ok: true, sql: `coalesce(${byZone('c', org, mine)}, false)` };
}

function agePredicate(p: Extract<Predicate, { type: 'age' }>, path: string, ctx: CompileContext): Out {
  if (p.min === undefined && p.max === undefined) return bad(path, p, 'give min, max or both');
  if (p.min !== undefined && p.max !== undefined && p.min > p.max)
    return bad(`${path}.min`, p.min, `is above max ${p.max}`);
  const P = ctx.params;
  const today = orgToday(ctx);
  const own = ownToday(ctx);
  // At least `min` full years: born on or before today − min years. At most `max`: born after
  // today − (max + 1) years. 29 February steps back to 28 February in a common year on both sides.
  const org: string[] = [];
  const mine: string[] = [];
  if (p.min !== undefined) {
    org.push(`c.birth_date <= ${P.add(minusYears(today, p.min), 'date')}`);
    mine.push(`c.birth_date <= (${own} - make_interval(years => ${P.add(p.min, 'int')}))::date`);
  }
  if (p.max !== undefined) {
    org.push(`c.birth_date > ${P.add(minusYears(today, p.max + 1), 'date')}`);
    mine.push(`c.birth_date > (${own} - make_interval(years => ${P.add(p.max + 1, 'int')}))::date`);
  }
  return { ok: true, sql: `coalesce(${byZone('c', org.join(' AND '), mine.join(' AND '))}, false)` };
}

function objectsPredicate(p: Extract<Predicate, { type: 'objects' }>, ctx: CompileContext): string {
  const agg =
    p.measure === 'count'
      ? 'count(*)'
      : p.measure === 'debt'
        ? 'sum(o.debt_kopecks)'
        : 'sum(o.charges_kopecks)';
  const kind = p.kind ? ` AND o.kind = ${ctx.params.add(p.kind, 'text')}` : '';
  const holds = `${agg} ${SQL_OP[p.op]} ${ctx.params.add(p.value, 'bigint')}`;
  const groups = `SELECT o.contact_id FROM objects o WHERE o.org_id = ${ctx.org}${kind} GROUP BY o.contact_id`;
  // A contact without objects has count 0 and sums 0: when that satisfies the comparison, the
  // contact matches unless its objects fail it. Both shapes let the planner hash the subquery once.
  return compare(0, p.op, p.value)
    ? `c.id NOT IN (${groups} HAVING NOT (${holds}))`
    : `c.id IN (${groups} HAVING ${holds})`;
}

/** Loan statuses whose schedules no longer call for reminders (seed 004: «закрыт», «аннулирован»). */
export const INACTIVE_LOAN_STATUSES = ['closed', 'cancelled', 'закрыт', 'аннулирован'];

/**
 * Contacts with an unpaid instalment in the window, in their own time zone. The subquery is not
 * correlated: it reads only the instalments within two days of the organisation's window (no time
 * zone is further apart), then checks each against its contact's own today.
 */
function paymentPredicate(p: Extract<Predicate, { type: 'payment' }>, ctx: CompileContext): string {
  const P = ctx.params;
  const today = orgToday(ctx);
  const span = p.days - 1;
  const [from, to] = p.state === 'planned' ? [0, span] : [-span, 0];
  const own = ownToday(ctx, 'cc');
  const lo = byZone('cc', P.add(addDays(today, from), 'date'), `${own} + ${P.add(from, 'int')}`);
  const hi = byZone('cc', P.add(addDays(today, to), 'date'), `${own} + ${P.add(to, 'int')}`);
  return (
    `c.id IN (SELECT o.contact_id FROM loan_payments p JOIN objects o ON o.id = p.object_id ` +
    `JOIN contacts cc ON cc.id = o.contact_id WHERE p.org_id = ${ctx.org} AND o.org_id = ${ctx.org} ` +
    `AND o.kind = 'loan' AND NOT coalesce(lower(o.attributes->>'status') = ANY(${P.add(INACTIVE_LOAN_STATUSES, 'text[]')}), false) ` +
    `AND p.paid_kopecks < p.amount_kopecks ` +
    `AND p.due_date BETWEEN ${P.add(addDays(today, from - 2), 'date')} AND ${P.add(addDays(today, to + 2), 'date')} ` +
    `AND p.due_date BETWEEN ${lo} AND ${hi})`
  );
}

function compilePredicate(p: Predicate, path: string, ctx: CompileContext): Out {
  const P = ctx.params;
  switch (p.type) {
    case 'field':
      return compileField(p, path, ctx);
    case 'gender':
      return { ok: true, sql: `coalesce(c.gender = ${P.add(p.value, 'text')}, false)` };
    case 'age':
      return agePredicate(p, path, ctx);
    case 'birthday':
      return birthdayPredicate(p, path, ctx);
    case 'objects':
      return { ok: true, sql: objectsPredicate(p, ctx) };
    case 'list': {
      const id = P.add(p.listId, 'bigint');
      return {
        ok: true,
        sql:
          `(c.id IN (SELECT lc.contact_id FROM list_contacts lc WHERE lc.list_id = ${id} AND lc.org_id = ${ctx.org}) OR ` +
          `c.id IN (SELECT o.contact_id FROM list_objects lo JOIN objects o ON o.id = lo.object_id ` +
          `WHERE lo.list_id = ${id} AND lo.org_id = ${ctx.org}))`,
      };
    }
    case 'visited': {
      if (!p.countries?.length && !p.directions?.length)
        return bad(path, p, 'give countries, directions or both');
      const countries = (p.countries ?? []).map((s) => s.trim().toUpperCase());
      const directions = (p.directions ?? []).map((s) => s.trim().toLowerCase());
      return {
        ok: true,
        sql:
          `c.id IN (SELECT o.contact_id FROM objects o WHERE o.org_id = ${ctx.org} AND o.kind = 'order' AND ` +
          `(upper(o.attributes->>'country') = ANY(${P.add(countries, 'text[]')}) OR ` +
          `lower(trim(o.attributes->>'direction')) = ANY(${P.add(directions, 'text[]')})))`,
      };
    }
    case 'rating':
    case 'office':
      return {
        ok: true,
        sql: `coalesce((c.attributes->>${P.add(p.type, 'text')}) = ANY(${P.add(p.values, 'text[]')}), false)`,
      };
    case 'payment':
      return { ok: true, sql: paymentPredicate(p, ctx) };
    case 'meter': {
      const sub = `c.id IN (SELECT o.contact_id FROM objects o WHERE o.org_id = ${ctx.org} AND o.kind = 'meter')`;
      return { ok: true, sql: p.has ? sub : `NOT ${sub}` };
    }
  }
}

function compileNode(f: Filter, path: string, ctx: CompileContext, depth: number): Out {
  if (f.type === 'and' || f.type === 'or') {
    if (depth >= MAX_DEPTH) return bad(path, f.type, `groups nest at most ${MAX_DEPTH} deep`);
    if (f.of.length === 0) return bad(`${path}.of`, f.of, 'needs at least one filter');
    const parts: string[] = [];
    const problems: FieldProblem[] = [];
    f.of.forEach((x, i) => {
      const r = compileNode(x, `${path}.of[${i}]`, ctx, depth + 1);
      if (r.ok) parts.push(`(${r.sql})`);
      else problems.push(...r.problems);
    });
    if (problems.length) return { ok: false, problems };
    return { ok: true, sql: parts.join(f.type === 'and' ? ' AND ' : ' OR ') };
  }
  if (f.type === 'not') {
    if (depth >= MAX_DEPTH) return bad(path, f.type, `groups nest at most ${MAX_DEPTH} deep`);
    const r = compileNode(f.filter, `${path}.filter`, ctx, depth + 1);
    return r.ok ? { ok: true, sql: `NOT (${r.sql})` } : r;
  }
  return compilePredicate(f, path, ctx);
}

/** The filter as SQL over `c`, or every problem found, each naming its place in the tree. */
export function compileFilter(filter: Filter, ctx: CompileContext, path = 'filter'): Out {
  return compileNode(filter, path, ctx, 0);
}

export type { Scalar };

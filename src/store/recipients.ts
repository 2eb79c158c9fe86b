/**
 * Resolving an audience to recipients (AU-5, AU-6, AU-7): the one query behind the launch, the
 * estimate and the audience preview. Each selected contact comes with its address on the channel
 * and, when it gets no message, the reason (core/audience EXCLUSION_REASONS, first that applies).
 *
 * De-duplication rule: among the selected contacts sharing an address, the one with the lowest id
 * that is itself eligible (not unticked, not do-not-message, consenting when needed) keeps it; the
 * others are `duplicate`. The lowest id is the oldest record, stable between the preview and the
 * launch, and the first met by the keyset walk.
 */
import {
  type Audience,
  type Category,
  type ExclusionReason,
  selectionsOf,
} from '../core/audience/audience.ts';
import {
  type AttributeType,
  type CompileContext,
  compileFilter,
  SqlParams,
} from '../core/audience/compile.ts';
import type { FieldProblem } from '../core/result.ts';
import type { Channel } from '../core/states.ts';
import type { ContactRow } from './contacts.ts';
import type { Db, Queryable } from './db.ts';

/**
 * work_mem for the count (see countRecipients): the hash of a million contacts' ids fits, yet it is
 * small enough that the planner still sums objects in index order rather than in a hash of numeric
 * sums (about 200 bytes a contact), which measured slower (910 against 1,070 ms of CPU).
 */
const COUNT_WORK_MEM = '24MB';

export interface ResolveInput {
  orgId: number;
  orgTimeZone: string;
  channel: Channel;
  category: Category;
  audience: Audience;
  attributes: Record<string, AttributeType>;
  /** Its unticked recipients are excluded (campaign_exclusions). */
  campaignId?: number | null;
  now?: Date;
}

export interface Recipient extends ContactRow {
  address: string | null;
  reason: ExclusionReason | null;
}

const ADDRESS: Record<Channel, string> = {
  sms: 'c.phone',
  email: 'c.email',
  messenger: 'c.telegram_chat_id',
};
/** The forms stored addresses must have; anything else is an invalid address, not sent. */
const VALID: Record<Channel, string> = {
  sms: '^\\+[1-9][0-9]{6,14}$',
  email: '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$',
  messenger: '^-?[0-9]{1,20}$',
};

export interface RecipientQuery {
  params: SqlParams;
  /** Every selected contact with address and reason, optionally after a keyset and limited. */
  sql(page?: { after: string; limit: string }, slim?: boolean): string;
  /** Counts per first reason in one pass: `reason`, `n` contacts, `groups` distinct addresses. */
  countSql(): string;
}

/** Builds the query, or the problems with the audience's filters (each naming where). */
export function recipientQuery(
  input: ResolveInput,
): { ok: true; query: RecipientQuery } | { ok: false; problems: FieldProblem[] } {
  const params = new SqlParams();
  const org = params.add(input.orgId, 'bigint');
  const ctx: CompileContext = {
    params,
    org,
    attributes: input.attributes,
    now: input.now ?? new Date(),
    orgTimeZone: input.orgTimeZone,
  };
  const parts: string[] = [];
  const problems: FieldProblem[] = [];
  const selections = selectionsOf(input.audience);
  selections.forEach((s, i) => {
    const where = input.audience.kind === 'union' ? `audience.selections[${i}]` : 'audience';
    if (s.kind === 'all') parts.push('true');
    else if (s.kind === 'contacts') parts.push(`c.id = ANY(${params.add(s.contactIds, 'bigint[]')})`);
    else if (s.kind === 'list') {
      const r = compileFilter({ type: 'list', listId: s.listId }, ctx, where);
      if (r.ok) parts.push(r.sql);
    } else {
      const r = compileFilter(s.filter, ctx, `${where}.filter`);
      if (r.ok) parts.push(`(${r.sql})`);
      else problems.push(...r.problems);
    }
  });
  if (problems.length) return { ok: false, problems };
  const selected = parts.map((p) => `(${p})`).join(' OR ');
  const addr = ADDRESS[input.channel];
  const channel = params.add(input.channel, 'text');
  const unticked = input.campaignId
    ? `c.id IN (SELECT e.contact_id FROM campaign_exclusions e WHERE e.org_id = ${org} AND e.campaign_id = ${params.add(input.campaignId, 'bigint')})`
    : 'false';
  const advertising = input.category === 'advertising';
  // In the main query consent is a join on its primary key (one row at most): an IN (subquery) inside
  // a CASE becomes a per-row scan once the consenting ids outgrow work_mem. The index probe of a
  // correlated EXISTS serves the per-address look-up of a page.
  const consentJoin = advertising
    ? `LEFT JOIN consents k ON k.contact_id = c.id AND k.org_id = c.org_id AND k.channel = ${channel} ` +
      `AND k.category = 'advertising' AND k.withdrawn_at IS NULL`
    : '';
  const consented = advertising ? 'k.contact_id IS NOT NULL' : 'true';
  const consentedProbe = advertising
    ? `EXISTS (SELECT 1 FROM consents k WHERE k.contact_id = c.id AND k.org_id = ${org} AND k.channel = ${channel} ` +
      `AND k.category = 'advertising' AND k.withdrawn_at IS NULL)`
    : 'true';
  const valid = params.add(VALID[input.channel], 'text');
  const pre = `CASE WHEN ${unticked} THEN 'unticked' WHEN c.do_not_message THEN 'do_not_message'
      WHEN coalesce(${addr}, '') = '' THEN 'no_address' WHEN ${addr} !~ ${valid} THEN 'invalid_address'
      WHEN sp.reason = 'unsubscribed' THEN 'unsubscribed' WHEN sp.reason IS NOT NULL THEN 'suppressed'
      WHEN NOT ${consented} THEN 'no_consent' END`;
  // Same address, so the same suppression and validity: only the contact's own reasons matter here.
  const earlierKeeper = `EXISTS (SELECT 1 FROM contacts c WHERE c.org_id = ${org} AND ${addr} = x.address AND c.id < x.id
      AND (${selected}) AND NOT (${unticked}) AND NOT c.do_not_message AND ${consentedProbe})`;
  const from = `FROM contacts c LEFT JOIN suppressions sp ON sp.org_id = c.org_id AND sp.channel = ${channel} AND sp.address = ${addr} ${consentJoin}
              WHERE c.org_id = ${org} AND (${selected})`;
  const query: RecipientQuery = {
    params,
    // Within one address the contacts without a reason of their own are exactly those that may keep
    // it (same address, so the same validity and suppression), and the lowest id of them does: so
    // per address one is a recipient and the rest are duplicates. Grouping by address counts that
    // without the sort a window over the address needs. OFFSET 0 keeps the subquery whole, so the
    // reason (a regular expression per address) is worked out once per contact, not once per use.
    countSql() {
      return `SELECT g.reason, sum(g.n)::int AS n, count(*)::int AS groups
        FROM (SELECT x.pre_reason AS reason, count(*) AS n
              FROM (SELECT ${addr} AS address, ${pre} AS pre_reason ${from} OFFSET 0) x
              GROUP BY x.pre_reason, CASE WHEN x.pre_reason IS NULL THEN x.address END) g
        GROUP BY g.reason`;
    },
    sql(page, slim) {
      const keyset = page ? `AND c.id > ${page.after} ORDER BY c.id LIMIT ${page.limit}` : '';
      // A page looks up earlier holders of its addresses by index; the whole set (the report) finds
      // them in one pass with a window over the address — the same rule either way.
      const duplicate = page
        ? earlierKeeper
        : 'min(x.id) FILTER (WHERE x.keeper_ok) OVER (PARTITION BY x.address) < x.id';
      return `SELECT x.*, CASE WHEN x.pre_reason IS NOT NULL THEN x.pre_reason
          WHEN ${duplicate} THEN 'duplicate' END AS reason
        FROM (SELECT ${slim ? 'c.id' : 'c.*'}, ${addr} AS address, ${pre} AS pre_reason,
                     (NOT (${unticked}) AND NOT c.do_not_message AND ${consented}) AS keeper_ok
              ${from} ${keyset}) x
        ${page ? 'ORDER BY x.id' : ''}`;
    },
  };
  return { ok: true, query };
}

/**
 * A launch's recipient: the contact without its bookkeeping columns, with address and reason (which
 * already says «do not message»).
 */
export type BatchRecipient = Omit<
  Recipient,
  'org_id' | 'external_id' | 'created_at' | 'updated_at' | 'do_not_message'
>;

/**
 * The recipients a batch at a time, in id order (keyset: memory stays flat at any size). Each batch
 * comes as one JSON value: a launch is bound by this process's CPU, and JSON.parse of one value costs
 * a fraction of decoding a thousand rows field by field.
 */
export async function* recipientBatches(
  db: Queryable,
  query: RecipientQuery,
  batch = 1000,
): AsyncGenerator<BatchRecipient[]> {
  const base = query.params.values;
  const n = base.length;
  const page = query.sql({ after: `$${n + 1}::bigint`, limit: `$${n + 2}::int` });
  const sql = `SELECT json_agg(r ORDER BY r.id) AS rows
    FROM (SELECT id, last_name, first_name, middle_name, phone, email, telegram_chat_id, time_zone, gender,
                 birth_date, attributes, address, reason FROM (${page}) p) r`;
  let after = 0;
  for (;;) {
    const { rows } = await db.query<{ rows: BatchRecipient[] | null }>(sql, [...base, after, batch]);
    const got = rows[0]?.rows;
    if (!got?.length) return;
    yield got;
    after = got[got.length - 1]!.id;
  }
}

/** How many are selected, how many would get a message, and how many are excluded for each reason. */
export async function countRecipients(
  db: Queryable,
  query: RecipientQuery,
): Promise<{ selected: number; recipients: number; excluded: Partial<Record<ExclusionReason, number>> }> {
  type Row = { reason: ExclusionReason | null; n: number; groups: number };
  const run = (q: Queryable) => q.query<Row>(query.countSql(), query.params.values);
  // The hashes of this one query (contact ids with their sums over objects) outgrow the default 4 MB
  // at a million contacts and spill to disk in batches; give this transaction room instead.
  const { rows } =
    'transaction' in db
      ? await (db as Db).transaction(async (tx) => {
          await tx.query(`SET LOCAL work_mem = '${COUNT_WORK_MEM}'`);
          return run(tx);
        })
      : await run(db);
  let selected = 0;
  let recipients = 0;
  const excluded: Partial<Record<ExclusionReason, number>> = {};
  for (const r of rows) {
    selected += r.n;
    if (r.reason !== null) excluded[r.reason] = r.n;
    else {
      recipients = r.groups;
      if (r.n > r.groups) excluded.duplicate = r.n - r.groups;
    }
  }
  return { selected, recipients, excluded };
}

/** One page of the recipients (or of those excluded for `reason`), after a contact id. */
export async function listRecipients(
  db: Queryable,
  query: RecipientQuery,
  page: { after: number; limit: number; reason?: ExclusionReason | 'included' },
): Promise<Recipient[]> {
  const n = query.params.values.length;
  const { rows } = await db.query<Recipient & { pre_reason?: unknown; keeper_ok?: unknown }>(
    `SELECT y.* FROM (${query.sql()}) y WHERE y.id > $${n + 1}::bigint
       AND ($${n + 3}::text IS NULL OR ($${n + 3}::text = 'included' AND y.reason IS NULL) OR y.reason = $${n + 3}::text)
     ORDER BY y.id LIMIT $${n + 2}::int`,
    [...query.params.values, page.after, page.limit, page.reason ?? null],
  );
  for (const r of rows) {
    delete r.pre_reason;
    delete r.keeper_ok;
  }
  return rows;
}

/**
 * Audiences from the command line: lists (AU-3), consent and the suppression list (AC-4), and the
 * count and exclusion report of a filter (AU-4 … AU-6), which an operator reads in Russian.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { Value } from 'typebox/value';
import {
  type Audience,
  AudienceSchema,
  CATEGORIES,
  type Category,
  EXCLUSION_REASONS,
  type ExclusionReason,
} from '../../core/audience/audience.ts';
import { FilterSchema } from '../../core/audience/filter.ts';
import { CHANNELS, type Channel } from '../../core/states.ts';
import { buildAudienceQuery, checkAudience } from '../../services/audience.ts';
import { countRecipients, listRecipients } from '../../store/recipients.ts';
import { CliError } from '../io.ts';
import { parseId, printJson, type Runtime, resolveOrg, withDb } from '../runtime.ts';
import { registerConsentCommands } from './consent.ts';
import { registerListCommands } from './lists.ts';

const ORG = ['--org <id>', 'the organisation (default: the only one)'] as const;

/** What the operator reads for each reason, in the order they are checked. */
export const REASON_RU: Record<ExclusionReason, string> = {
  unticked: 'сняты вручную',
  do_not_message: '«не беспокоить»',
  no_address: 'нет адреса',
  invalid_address: 'неверный адрес',
  unsubscribed: 'отписались',
  suppressed: 'в стоп-листе',
  no_consent: 'нет согласия на рекламу',
  duplicate: 'дубли адреса',
};

export function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new CliError(`${option} ${value}: use ${allowed.join(', ')}`);
  return value as T;
}

type Schema = { properties?: { type?: { const?: string } } };
/** The predicate schemas by their `type`. */
const BRANCHES = new Map(
  ((FilterSchema as unknown as { anyOf: Schema[] }).anyOf ?? []).map((b) => [b.properties?.type?.const, b]),
);

/**
 * Where a filter tree is wrong, as `/of/1/min: must be >= 0`: the node's own schema by its `type`,
 * so the message is about the node meant rather than every kind of node it is not.
 */
function explainFilter(v: unknown, at: string): string | undefined {
  const types = [...BRANCHES.keys()].join(', ');
  if (
    typeof v !== 'object' ||
    v === null ||
    Array.isArray(v) ||
    typeof (v as { type?: unknown }).type !== 'string'
  )
    return `${at || '/'}: an object with "type": ${types}`;
  const node = v as { type: string; of?: unknown; filter?: unknown };
  if (node.type === 'and' || node.type === 'or') {
    if (!Array.isArray(node.of) || node.of.length === 0) return `${at}/of: a non-empty list of filters`;
    for (const [i, x] of node.of.entries()) {
      const p = explainFilter(x, `${at}/of/${i}`);
      if (p) return p;
    }
    return undefined;
  }
  if (node.type === 'not') return explainFilter(node.filter, `${at}/filter`);
  const branch = BRANCHES.get(node.type);
  if (!branch) return `${at}/type: "${node.type}" is not a filter; use ${types}`;
  const e = [...Value.Errors(branch as never, v)][0];
  if (!e) return undefined;
  const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
  return `${at}${e.instancePath || ''} (${node.type}): ${e.message}${allowed ? ` (${allowed.join(', ')})` : ''}`;
}

/** `--filter` is a filter tree or a whole audience, as JSON inline or `@file`. */
function readAudience(rt: Runtime, given: string | undefined, list: string | undefined): Audience {
  if (given !== undefined && list !== undefined) throw new CliError('give --filter or --list, not both');
  if (list !== undefined) return { kind: 'list', listId: parseId(list, '--list') };
  if (given === undefined) return { kind: 'all' };
  let text = given;
  if (given.startsWith('@')) {
    const file = given.slice(1);
    // Inside a running server the path would be taken from the server's directory, not the caller's.
    if (rt.serverDb && !path.isAbsolute(file))
      throw new CliError(
        `--filter ${given}: a server is running, so give the file's absolute path (or the JSON itself)`,
      );
    try {
      text = fs.readFileSync(file, 'utf8').replace(/^\ufeff/, '');
    } catch (err) {
      throw new CliError(`--filter: cannot read ${file}: ${(err as Error).message}`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError(`--filter: not JSON: ${(err as Error).message}`);
  }
  const isAudience = typeof value === 'object' && value !== null && 'kind' in value;
  const problem = isAudience
    ? (value as { kind: unknown }).kind === 'filter'
      ? explainFilter((value as { filter?: unknown }).filter, '/filter')
      : Value.Check({ AudienceFilter: FilterSchema } as never, AudienceSchema, value)
        ? undefined
        : '/: use {"kind": "all"}, {"kind": "list", "listId": N}, {"kind": "contacts", "contactIds": [...]}, {"kind": "filter", "filter": …} or {"kind": "union", "selections": [...]}'
    : explainFilter(value, '');
  if (problem)
    throw new CliError(
      `--filter: not ${isAudience ? 'an audience' : 'a filter'} (see docs/audience.md): ${problem}`,
    );
  return isAudience ? (value as Audience) : { kind: 'filter', filter: value as never };
}

const num = (n: number) => n.toLocaleString('ru-RU');

export function registerAudienceCommands(program: Command, rt: Runtime): void {
  const { io } = rt;
  registerListCommands(program, rt);

  const audience = program.command('audience').description('who a campaign would reach (AU-4 … AU-6)');
  for (const name of ['count', 'report'] as const)
    audience
      .command(name)
      .description(
        name === 'count'
          ? 'how many are selected, get the message, and are excluded for each reason'
          : 'the counts, then the recipients excluded for each reason (or --reason)',
      )
      .option('--filter <json>', 'a filter tree or an audience, as JSON or @file (default: everyone)')
      .option('--list <id>', 'the contacts of a list instead of a filter')
      .option('--channel <channel>', CHANNELS.join(', '), 'sms')
      .option('--category <category>', CATEGORIES.join(', '), 'informational')
      .option('--campaign <id>', "honour a campaign's unticked recipients")
      .option('--reason <reason>', `report: only these (${[...EXCLUSION_REASONS, 'included'].join(', ')})`)
      .option('--limit <n>', 'report: contacts shown per reason', '20')
      .option('--json', 'print JSON')
      .option(...ORG)
      .action(
        async (o: {
          filter?: string;
          list?: string;
          channel: string;
          category: string;
          campaign?: string;
          reason?: string;
          limit: string;
          json?: boolean;
          org?: string;
        }) => {
          const channel = oneOf<Channel>('--channel', o.channel, CHANNELS);
          const category = oneOf<Category>('--category', o.category, CATEGORIES);
          const reasonWanted =
            o.reason === undefined
              ? undefined
              : oneOf('--reason', o.reason, [...EXCLUSION_REASONS, 'included' as const]);
          const limit = Number(o.limit);
          if (!Number.isInteger(limit) || limit < 0 || limit > 10_000)
            throw new CliError(`--limit ${o.limit}: a whole number from 0 to 10000`);
          const aud = readAudience(rt, o.filter, o.list);
          const campaignId = o.campaign === undefined ? null : parseId(o.campaign, '--campaign');
          const r = await withDb(rt, `audience ${name}`, async (db) => {
            const orgId = await resolveOrg(db, o.org);
            const problems = await checkAudience(db, orgId, aud);
            if (problems.length)
              throw new CliError(problems.map((p) => `${p.field}: ${p.message}`).join('\n'));
            const built = await buildAudienceQuery(db, orgId, {
              audience: aud,
              channel,
              category,
              campaignId,
            });
            if (!built.ok)
              throw new CliError(built.problems.map((p) => `${p.field}: ${p.message}`).join('\n'));
            const counts = await countRecipients(db, built.query);
            const shown: Partial<
              Record<ExclusionReason | 'included', Awaited<ReturnType<typeof listRecipients>>>
            > = {};
            if (name === 'report' && limit > 0) {
              const wanted = reasonWanted
                ? [reasonWanted]
                : EXCLUSION_REASONS.filter((x) => (counts.excluded[x] ?? 0) > 0);
              for (const reason of wanted)
                shown[reason] = await listRecipients(db, built.query, { after: 0, limit, reason });
            }
            return { counts, shown };
          });
          const { counts, shown } = r;
          if (o.json) {
            const items = Object.fromEntries(
              Object.entries(shown).map(([k, rows]) => [
                k,
                rows!.map((x) => ({ contactId: x.id, name: fullName(x), address: x.address })),
              ]),
            );
            return printJson(io, name === 'report' ? { ...counts, items } : counts);
          }
          io.out(`Канал ${channel}, категория ${category}`);
          io.out(`Выбрано контактов: ${num(counts.selected)}`);
          io.out(`Получат сообщение: ${num(counts.recipients)}`);
          io.out(`Исключено: ${num(counts.selected - counts.recipients)}`);
          for (const reason of EXCLUSION_REASONS) {
            const n = counts.excluded[reason];
            if (n) io.out(`  ${REASON_RU[reason]} (${reason}): ${num(n)}`);
          }
          for (const [reason, rows] of Object.entries(shown)) {
            const label = reason === 'included' ? 'получат сообщение' : REASON_RU[reason as ExclusionReason];
            io.out(`\n${label[0]!.toUpperCase()}${label.slice(1)} — первые ${num(rows!.length)}:`);
            for (const x of rows!) io.out(`  ${x.id}\t${fullName(x) || '—'}\t${x.address ?? '—'}`);
          }
        },
      );
  registerConsentCommands(program, rt);
}

const fullName = (r: { last_name: string; first_name: string; middle_name: string }) =>
  [r.last_name, r.first_name, r.middle_name].filter(Boolean).join(' ');

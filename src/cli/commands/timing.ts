/**
 * When messages go (issue 7) from the command line: a campaign's mode, schedule and recurrence
 * options, the organisation's delivery settings, automations, a recurring campaign's runs, and why a
 * message waits.
 */
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import {
  AUTOMATION_KINDS,
  type AutomationKind,
  DEDUP_KEYS,
  type DedupKey,
} from '../../core/schedule/automations.ts';
import {
  checkRecurrence,
  type EconomyDay,
  MODES,
  type Mode,
  type Recurrence,
  type Schedule,
} from '../../core/schedule/plan.ts';
import { checkWindow } from '../../core/schedule/window.ts';
import { CHANNELS, type Channel } from '../../core/states.ts';
import { createAutomation } from '../../services/automations.ts';
import { type DeliverySettings, getOrg, updateDeliverySettings } from '../../store/orgs.ts';
import { explainMessage, listRuns } from '../../store/timing.ts';
import { CliError } from '../io.ts';
import { parseId, printJson, type Runtime, resolveOrg, withDb } from '../runtime.ts';

const ORG = ['--org <id>', 'the organisation (default: the only one)'] as const;

export interface TimingFlags {
  mode?: string;
  collection?: boolean;
  at?: string;
  local?: string;
  every?: string;
  time?: string;
  weekday?: string;
  day?: string;
  cron?: string;
  dedup?: string;
}

/** The options `campaign create` takes for issue 7. */
export function timingOptions(cmd: Command): Command {
  return cmd
    .option(
      '--mode <mode>',
      `${MODES.join(', ')}: messenger first then SMS / slower and cheaper / SMS at once`,
    )
    .option('--collection', 'debt collection: 230-FZ hours and caps (2 a day, 4 a week, 16 a month)')
    .option('--at <when>', "send once at this time, e.g. '2026-12-01 10:00' (the organisation's zone)")
    .option(
      '--local <when>',
      "send once at this local time in each recipient's zone, e.g. '2026-12-01 11:00'",
    )
    .option('--every <period>', 'recurring: day, week or month (with --time, --weekday, --day)')
    .option('--time <HH:MM>', 'recurring: the time of day', '10:00')
    .option('--weekday <1-7>', 'recurring weekly: 1 = Monday … 7 = Sunday')
    .option('--day <1-28|-1>', 'recurring monthly: the day of the month, -1 for the last')
    .option('--cron <expr>', "recurring by cron, in the organisation's zone")
    .option('--dedup <key>', `recurring: never repeat per ${DEDUP_KEYS.join(', ')}`);
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})$/;

/** A whole number option, or a clear error naming it. */
function whole(flag: string, value: string): number {
  if (!/^-?\d+$/.test(value)) throw new CliError(`${flag} ${value}: give a whole number`);
  return Number(value);
}

/** A recurrence's problem with the option that gave the field: recurrence.day → --day. */
function cliRecurrenceProblem(problem: string, cron: boolean): string {
  const m = /^recurrence\.(\w+)(.*)$/s.exec(problem);
  const flags: Record<string, string> = { at: '--time', weekday: '--weekday', day: '--day' };
  const given = cron ? '--cron' : '--every';
  if (m) return flags[m[1]!] ? `${given} … ${flags[m[1]!]}${m[2]}` : `${given}${m[2]}`;
  return problem.replace(/^recurrence/, cron ? '--cron' : '--every');
}

/** The issue-7 fields of a new campaign from the options; `zone` reads `--at` without an offset. */
export function parseTiming(
  o: TimingFlags,
  zone: string,
): {
  mode?: Mode;
  collection?: boolean;
  schedule?: Schedule;
  recurrence?: Recurrence;
  dedupKey?: DedupKey;
} {
  const out: ReturnType<typeof parseTiming> = {};
  if (o.mode !== undefined) {
    if (!(MODES as readonly string[]).includes(o.mode))
      throw new CliError(`--mode ${o.mode}: use ${MODES.join(', ')}`);
    out.mode = o.mode as Mode;
  }
  if (o.collection) out.collection = true;
  if (o.at !== undefined) {
    const m = DATE_TIME.exec(o.at.trim());
    const at = m
      ? DateTime.fromISO(`${m[1]}T${m[2]}`, { zone })
      : DateTime.fromISO(o.at.trim(), { setZone: true });
    if (!at.isValid) throw new CliError(`--at ${o.at}: not a date and time (e.g. 2026-12-01 10:00)`);
    out.schedule = { at: at.toUTC().toISO()! };
  }
  if (o.local !== undefined) {
    const m = DATE_TIME.exec(o.local.trim());
    if (!m || !DateTime.fromISO(`${m[1]}T${m[2]}`).isValid)
      throw new CliError(`--local ${o.local}: give a date and a time of day, e.g. 2026-12-01 11:00`);
    out.schedule = { date: m[1]!, localTime: m[2]! };
  }
  if (o.cron !== undefined) out.recurrence = { cron: o.cron };
  else if (o.every !== undefined) {
    const at = o.time ?? '10:00';
    if (o.every === 'day') out.recurrence = { every: 'day', at };
    else if (o.every === 'week')
      out.recurrence = { every: 'week', at, weekday: whole('--weekday', o.weekday ?? '1') };
    else if (o.every === 'month') out.recurrence = { every: 'month', at, day: whole('--day', o.day ?? '1') };
    else throw new CliError(`--every ${o.every}: use day, week or month`);
  }
  if (out.recurrence) {
    const p = checkRecurrence(out.recurrence, zone);
    if (p) throw new CliError(cliRecurrenceProblem(p, o.cron !== undefined));
  }
  if (out.schedule && out.recurrence)
    throw new CliError('--at/--local and --every/--cron: give one or the other');
  if (o.dedup !== undefined) {
    if (!(DEDUP_KEYS as readonly string[]).includes(o.dedup))
      throw new CliError(`--dedup ${o.dedup}: use ${DEDUP_KEYS.join(', ')}`);
    out.dedupKey = o.dedup as DedupKey;
  }
  return out;
}

/** An economy plan for people, a line per day. */
export function planLines(plan: EconomyDay[], zone: string): string[] {
  const t = (d: Date) => DateTime.fromJSDate(d, { zone }).toFormat('HH:mm');
  return plan.map((d) => `  ${d.date}: ${d.count} (${t(d.from)}–${t(d.to)})`);
}

const SETTINGS: [string, keyof DeliverySettings, string][] = [
  ['--urgent-rate <n>', 'urgentPerMinute', 'urgent mode: SMS a minute'],
  ['--economy-capacity <n>', 'economyDailyCapacity', 'economy mode: messages a day per gateway'],
  ['--messenger-wait <s>', 'messengerWaitSeconds', 'the cascade: seconds the messenger has'],
  ['--economy-messenger-wait <s>', 'economyMessengerWaitSeconds', 'the same in economy mode'],
];

function printDelivery(rt: Runtime, d: DeliverySettings): void {
  rt.io.out(`Daytime window:          ${d.windowStart}–${d.windowEnd} (each recipient's local time)`);
  rt.io.out(`Urgent mode:             ${d.urgentPerMinute} SMS a minute`);
  rt.io.out(`Economy capacity:        ${d.economyDailyCapacity} a day per gateway`);
  rt.io.out(
    `Messenger wait:          ${d.messengerWaitSeconds} s (economy ${d.economyMessengerWaitSeconds} s)`,
  );
  rt.io.out(`Cap per recipient a day: ${d.dailyCapPerRecipient ?? 'none'}`);
}

export function registerTimingCommands(program: Command, rt: Runtime): void {
  const delivery = program.command('delivery').description('when messages may go: window, modes, caps');
  delivery
    .command('show')
    .option(...ORG)
    .action(async (o: { org?: string }) => {
      const org = await withDb(rt, 'delivery show', async (db) => getOrg(db, await resolveOrg(db, o.org)));
      printDelivery(rt, org!);
    });
  const set = delivery
    .command('set')
    .description('change the delivery settings')
    .option('--window <HH:MM-HH:MM>', "the daytime window in each recipient's local time, e.g. 10:00-23:00")
    .option('--daily-cap <n|none>', 'at most this many messages per recipient and local day');
  for (const [flag, , help] of SETTINGS) set.option(flag, help);
  set.option(...ORG).action(async (o: Record<string, string | undefined>) => {
    const change: Partial<DeliverySettings> = {};
    if (o.window !== undefined) {
      const m = /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec(o.window);
      const problem = m ? checkWindow({ start: m[1]!, end: m[2]! }) : 'give it as HH:MM-HH:MM';
      if (problem) throw new CliError(`--window ${o.window}: ${problem}`);
      [change.windowStart, change.windowEnd] = [m![1]!, m![2]!];
    }
    for (const [flag, key] of SETTINGS) {
      const name = flag.slice(2, flag.indexOf(' ')).replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
      const v = o[name];
      if (v === undefined) continue;
      if (!/^\d+$/.test(v) || Number(v) < 1)
        throw new CliError(`${flag.split(' ')[0]} ${v}: give a whole number ≥ 1`);
      (change as Record<string, number>)[key] = Number(v);
    }
    if (o.dailyCap !== undefined) {
      if (o.dailyCap !== 'none' && (!/^\d+$/.test(o.dailyCap) || Number(o.dailyCap) < 1))
        throw new CliError(`--daily-cap ${o.dailyCap}: give a whole number ≥ 1, or none`);
      change.dailyCapPerRecipient = o.dailyCap === 'none' ? null : Number(o.dailyCap);
    }
    const org = await withDb(rt, 'delivery set', async (db) =>
      updateDeliverySettings(db, await resolveOrg(db, o.org), change),
    );
    printDelivery(rt, org!);
  });

  program
    .command('automation')
    .description('automations (SD-5): a recurring campaign with a ready filter, text and duplicate key')
    .command('create')
    .requiredOption('--name <name>', 'its name')
    .requiredOption('--kind <kind>', AUTOMATION_KINDS.join(', '))
    .option('--days <n>', 'birthday: N days ahead; payments: the next / past N days')
    .option('--channel <channel>', 'sms, messenger or email', 'sms')
    .option('--text <template>', 'instead of the ready text')
    .option('--time <HH:MM>', "when it runs each day, in the organisation's zone", '10:00')
    .option(...ORG)
    .action(
      async (o: {
        name: string;
        kind: string;
        days?: string;
        channel: string;
        text?: string;
        time: string;
        org?: string;
      }) => {
        if (!(AUTOMATION_KINDS as readonly string[]).includes(o.kind))
          throw new CliError(`--kind ${o.kind}: use ${AUTOMATION_KINDS.join(', ')}`);
        if (!(CHANNELS as readonly string[]).includes(o.channel))
          throw new CliError(`--channel ${o.channel}: use ${CHANNELS.join(', ')}`);
        if (o.days !== undefined && !/^\d+$/.test(o.days))
          throw new CliError(`--days ${o.days}: give a whole number of days`);
        const automation = {
          kind: o.kind as AutomationKind,
          ...(o.days !== undefined ? { days: Number(o.days) } : {}),
        };
        const r = await withDb(rt, 'automation create', async (db) =>
          createAutomation(
            db,
            await resolveOrg(db, o.org),
            {
              name: o.name,
              automation,
              channel: o.channel as Channel,
              at: o.time,
              ...(o.text !== undefined ? { textTemplate: o.text } : {}),
            },
            'cli',
            rt.config,
          ),
        );
        if (!r.ok)
          throw new CliError(
            r.problems
              ? r.problems.map((p) => `${p.field === 'at' ? '--time' : '--text'}: ${p.message}`).join('\n')
              : r.message,
          );
        const c = r.campaign;
        rt.io.out(
          `Automation ${c.id} «${c.name}»: runs daily at ${o.time}, next ${c.nextRunAt?.toISOString()}`,
        );
      },
    );

  program
    .command('message')
    .description('single messages')
    .command('why <id>')
    .description('why a message is due when it is: window, cap, economy slot, cascade, retry')
    .option('--json', 'print JSON')
    .option(...ORG)
    .action(async (id: string, o: { json?: boolean; org?: string }) => {
      const t = await withDb(rt, 'message why', async (db) =>
        explainMessage(db, await resolveOrg(db, o.org), parseId(id, 'message')),
      );
      if (!t) throw new CliError(`no message ${id}`);
      if (o.json) return printJson(rt.io, t);
      const local =
        t.dueAt && t.zone
          ? DateTime.fromJSDate(t.dueAt, { zone: t.zone }).toFormat('yyyy-MM-dd HH:mm ZZ')
          : '—';
      rt.io.out(`Message ${t.id} (${t.channel}, ${t.state}): ${t.explanation}`);
      rt.io.out(
        `  due ${t.dueAt?.toISOString() ?? '—'} (recipient's clock: ${local}${t.zone ? `, ${t.zone}` : ''})`,
      );
      if (t.cascade)
        rt.io.out(
          `  cascade: ${t.cascade.role}, the other is ${t.cascade.otherId} (${t.cascade.otherState})`,
        );
    });
}

/** `campaign runs <id>`: a recurring campaign's runs. */
export function registerRunsCommand(campaign: Command, rt: Runtime): void {
  campaign
    .command('runs <id>')
    .description("a recurring campaign's runs, newest first")
    .option(...ORG)
    .action(async (id: string, o: { org?: string }) => {
      const runs = await withDb(rt, 'campaign runs', async (db) =>
        listRuns(db, await resolveOrg(db, o.org), parseId(id, 'campaign')),
      );
      if (runs.length === 0) rt.io.out('No runs yet.');
      for (const r of runs)
        rt.io.out(`${r.id}\t${r.state}\t${r.launchedAt?.toISOString() ?? '—'}\t${r.name}`);
    });
}

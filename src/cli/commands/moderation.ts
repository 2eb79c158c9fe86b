/**
 * `vestnik moderation check`: what a text and a sender name would get from moderation (issue 18
 * item 3). Prints the matches in Russian, then one JSON line: {"verdict", "matches": [{"word",
 * "found", "group", "field"}]}. With --org the organisation must exist; its dictionary edits apply
 * once they are stored — until then every organisation gets the shipped default.
 *
 * `queue`, `approve`, `reject`, `mode` (issue 18 MD-3, MD-4): the command line works on the
 * database directly, as the instance's operator — staff — and decides as «cli».
 */
import type { Command } from 'commander';
import { checkContent, describeMatchRu } from '../../core/moderation/check.ts';
import { defaultModerationDictionary, ModerationError } from '../../core/moderation/edit.ts';
import { decide, queueView } from '../../services/moderation.ts';
import { insertAudit, setOrgModeration, setStaff } from '../../store/moderation.ts';
import { getOrg, MODERATION_MODES, type ModerationMode } from '../../store/orgs.ts';
import { CliError } from '../io.ts';
import { parseId, printJson, type Runtime, resolveOrg, withDb } from '../runtime.ts';

const KINDS = ['campaign', 'message'] as const;

function kindOf(value: string): 'campaign' | 'message' {
  if (!(KINDS as readonly string[]).includes(value))
    throw new CliError(`kind: «${value}» is not campaign or message`);
  return value as 'campaign' | 'message';
}

export function registerModerationCommands(program: Command, rt: Runtime): void {
  const moderation = program
    .command('moderation')
    .description('moderation: the stop-word check, the queue, the organisations’ modes');
  moderation
    .command('check')
    .description('check a text and a sender name against the stop-word dictionary')
    .requiredOption('--text <text>', 'the text to check')
    .option('--sender <name>', 'the sender name to check')
    .option('--org <id>', 'the organisation whose dictionary applies (default: the shipped one)')
    .action(async (o: { text: string; sender?: string; org?: string }) => {
      if (o.org !== undefined) await withDb(rt, 'moderation check', (db) => resolveOrg(db, o.org));
      let result: ReturnType<typeof checkContent>;
      try {
        result = checkContent(defaultModerationDictionary(), { text: o.text, sender: o.sender ?? null });
      } catch (e) {
        if (e instanceof ModerationError) throw new CliError(e.message);
        throw e;
      }
      if (!result.matches.length) rt.io.out('Стоп-слов нет: сообщение уйдёт без модерации.');
      else {
        rt.io.out(
          `Найдено стоп-слов: ${result.matches.length}. В автоматическом режиме сообщение ждёт модератора.`,
        );
        for (const m of result.matches) rt.io.out(`  ${describeMatchRu(m)}`);
      }
      rt.io.out(
        JSON.stringify({
          verdict: result.verdict,
          matches: result.matches.map(({ word, found, group, field }) => ({ word, found, group, field })),
        }),
      );
    });

  moderation
    .command('queue')
    .description('what waits for a moderator, oldest first (every organisation, or --org)')
    .option('--org <id>', 'one organisation')
    .option('--json', 'print the queue as JSON')
    .action(async (o: { org?: string; json?: boolean }) => {
      const view = await withDb(rt, 'moderation queue', async (db) =>
        queueView(db, o.org === undefined ? null : await resolveOrg(db, o.org)),
      );
      if (o.json) return printJson(rt.io, view);
      rt.io.out(
        `На модерации: ${view.items.length}; старейшее ждёт ${view.oldestSeconds} с (SLA ${view.slaMinutes} мин)`,
      );
      for (const i of view.items) {
        const words = i.matches.map((m) => m.found).join(', ') || '—';
        rt.io.out(
          `${i.kind} ${i.id}\torg ${i.org.id} ${i.org.name}\t${i.audienceSize} recipients\t${i.ageSeconds} s${i.overdue ? ' (overdue)' : ''}\tstop-words: ${words}`,
        );
        if (i.preview) rt.io.out(`  ${i.preview.address}: ${i.preview.body.slice(0, 200)}`);
      }
    });
  const decideCommand = (action: 'approve' | 'reject') =>
    moderation
      .command(`${action} <kind> <id>`)
      .description(
        action === 'approve'
          ? 'approve a waiting campaign or message: it goes (the daytime window still applies)'
          : 'reject a waiting campaign or message with a reason: its reservation is released',
      )
      .option('--reason <text>', 'why (required to reject; the sender sees it)')
      .action(async (k: string, id: string, o: { reason?: string }) => {
        const kind = kindOf(k);
        const refId = parseId(id, kind);
        const reason = o.reason?.trim() ?? '';
        if (action === 'reject' && !reason) throw new CliError('--reason: a rejection needs a reason');
        const r = await withDb(rt, `moderation ${action}`, (db) =>
          decide(db, kind, refId, action === 'approve' ? { action } : { action, reason }, 'cli', null),
        );
        if (r !== 'ok') throw new CliError(`${kind} ${refId} is not in the moderation queue`);
        rt.io.out(
          action === 'approve' ? `Approved ${kind} ${refId}` : `Rejected ${kind} ${refId}: ${reason}`,
        );
      });
  decideCommand('approve');
  decideCommand('reject');
  moderation
    .command('mode <org> [mode]')
    .description('show or set an organisation’s mode: none, automatic or manual')
    .option('--self-moderation <on|off>', 'its own moderators decide its queue')
    .action(async (orgArg: string, mode: string | undefined, o: { selfModeration?: string }) => {
      if (mode !== undefined && !(MODERATION_MODES as readonly string[]).includes(mode))
        throw new CliError(`mode: «${mode}» is not none, automatic or manual`);
      if (o.selfModeration !== undefined && !['on', 'off'].includes(o.selfModeration))
        throw new CliError(`--self-moderation: «${o.selfModeration}» is not on or off`);
      const org = await withDb(rt, 'moderation mode', async (db) => {
        const orgId = parseId(orgArg, 'organisation');
        if (!(await getOrg(db, orgId))) throw new CliError(`organisation ${orgId} not found`);
        const change = {
          ...(mode ? { mode: mode as ModerationMode } : {}),
          ...(o.selfModeration ? { selfModeration: o.selfModeration === 'on' } : {}),
        };
        if (Object.keys(change).length)
          await db.transaction(async (tx) => {
            await setOrgModeration(tx, orgId, change);
            await insertAudit(tx, {
              orgId,
              kind: 'org',
              refId: orgId,
              action: 'mode',
              reason: null,
              decidedBy: 'cli',
              texts: change,
            });
          });
        return (await getOrg(db, orgId))!;
      });
      rt.io.out(
        `Organisation ${org.id}: moderation ${org.moderationMode}${org.selfModeration ? ', its own moderators decide' : ''}`,
      );
    });

  const staff = program.command('staff').description('instance staff: every organisation’s moderation');
  for (const [verb, value] of [
    ['grant', true],
    ['revoke', false],
  ] as const)
    staff
      .command(`${verb} <email>`)
      .description(value ? 'make a user instance staff' : 'take instance staff away from a user')
      .action(async (email: string) => {
        const id = await withDb(rt, `staff ${verb}`, (db) => setStaff(db, email, value));
        if (id === undefined) throw new CliError(`no user with e-mail ${email}`);
        rt.io.out(`User ${id} ${email}: ${value ? 'instance staff' : 'not staff'}`);
      });
}

/**
 * `vestnik moderation check`: what a text and a sender name would get from moderation (issue 18
 * item 3). Prints the matches in Russian, then one JSON line: {"verdict", "matches": [{"word",
 * "found", "group", "field"}]}. With --org the organisation must exist; its dictionary edits apply
 * once they are stored — until then every organisation gets the shipped default.
 */
import type { Command } from 'commander';
import { checkContent, describeMatchRu } from '../../core/moderation/check.ts';
import { defaultModerationDictionary, ModerationError } from '../../core/moderation/edit.ts';
import { CliError } from '../io.ts';
import { type Runtime, resolveOrg, withDb } from '../runtime.ts';

export function registerModerationCommands(program: Command, rt: Runtime): void {
  const moderation = program.command('moderation').description('moderation: the stop-word check');
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
}

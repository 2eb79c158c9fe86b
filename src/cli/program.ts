/** The `vestnik` command line: one program, built per run so it can print wherever it is told. */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../app.ts';
import { registerAccountCommands } from './commands/accounts.ts';
import { registerAudienceCommands } from './commands/audience.ts';
import { registerBillingCommands } from './commands/billing.ts';
import { registerCampaignCommands } from './commands/campaigns.ts';
import { registerContactCommands } from './commands/contacts.ts';
import { registerDocumentCommands } from './commands/documents.ts';
import { registerGatewayCommands } from './commands/gateways.ts';
import { registerModerationCommands } from './commands/moderation.ts';
import { registerSandboxCommand } from './commands/sandbox.ts';
import { registerSendCommand } from './commands/send.ts';
import { registerServerCommands } from './commands/server.ts';
import { registerTemplateCommands } from './commands/templates.ts';
import { registerTimingCommands } from './commands/timing.ts';
import { CliError } from './io.ts';
import type { Runtime } from './runtime.ts';

/**
 * Commands that always run in this process, never through a running server: the processes
 * themselves, and `sms`, which needs no database and may read standard input.
 */
export const LOCAL_ONLY = new Set(['serve', 'worker', 'migrate', 'sms', 'sandbox']);

export function createProgram(rt: Runtime): Command {
  const program = new Command('vestnik')
    .description('Vestnik: mass and transactional messaging by SMS, messengers and e-mail')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => rt.io.out(s), writeErr: (s) => rt.io.err(s) })
    .addHelpText(
      'after',
      '\nConfiguration comes from the environment: DATABASE_URL (PostgreSQL; unset = embedded PGlite in ' +
        'VESTNIK_DATA_DIR, default ./data), PORT, HOST, VESTNIK_WORKERS, VESTNIK_ADMIN_EMAIL, VESTNIK_ADMIN_PASSWORD, VESTNIK_DEMO, VESTNIK_SECRET_KEY (seals gateway credentials).',
    );
  registerServerCommands(program, rt);
  registerAccountCommands(program, rt);
  registerSendCommand(program, rt);
  registerBillingCommands(program, rt);
  registerCampaignCommands(program, rt);
  registerTimingCommands(program, rt);
  registerSandboxCommand(program, rt);
  registerTemplateCommands(program, rt);
  registerAudienceCommands(program, rt);
  registerContactCommands(program, rt);
  registerDocumentCommands(program, rt);
  registerGatewayCommands(program, rt);
  registerModerationCommands(program, rt);
  return program;
}

/** Runs argv (without `node vestnik`); returns the exit code. */
export async function runProgram(rt: Runtime, argv: string[]): Promise<number> {
  const program = createProgram(rt);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError) {
      rt.io.err(`error: ${err.message}`);
      return err.exitCode;
    }
    rt.io.err(`error: ${(err as Error).message ?? String(err)}`);
    return 1;
  }
}

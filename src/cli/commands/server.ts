/** The long-running processes: `serve` (API + interface + workers), `worker`, and `migrate`. */
import type { Command } from 'commander';
import { startVestnik } from '../../app.ts';
import { formatRoubles } from '../../core/pricing.ts';
import { migrate } from '../../store/migrate.ts';
import { openDatabase } from '../../store/open.ts';
import { CliError } from '../io.ts';
import type { Runtime } from '../runtime.ts';
import { runWorker, untilSignal, WORKER_NEEDS_POSTGRES } from '../worker.ts';

export function registerServerCommands(program: Command, rt: Runtime): void {
  const { io, config } = rt;

  program
    .command('serve')
    .description('run the HTTP API, its documentation and the dispatch workers (PORT, HOST, VESTNIK_WORKERS)')
    .action(async () => {
      if (rt.serverDb) throw new CliError('the server is running already');
      const running = await startVestnik(config, (line) => io.err(line));
      const first = running.firstStart;
      if (running.migrations.length) io.out(`Migrations applied: ${running.migrations.join(', ')}`);
      if (first) {
        io.out(`Created organisation «${first.orgName}» (id ${first.orgId}) and its owner ${first.email}.`);
        if (first.generatedPassword)
          io.out(`Owner's password (shown once, change it): ${first.generatedPassword}`);
        if (first.demo) {
          io.out(
            `Demo data: ${first.demo.contacts} owners of ${first.demo.plots} plots and a balance of ` +
              `${formatRoubles(first.demo.balanceKopecks)} (VESTNIK_DEMO=0 to skip).`,
          );
        } else
          io.out(
            'The balance is 0,00 ₽: top it up before sending SMS (`vestnik balance topup --amount 1000`).',
          );
      }
      io.out(`Vestnik is listening on ${running.url}`);
      io.out(`  API:           ${running.url}/api/v1`);
      io.out(`  Documentation: ${running.url}/api/docs  (OpenAPI: ${running.url}/api/openapi.json)`);
      io.out(
        `  Database:      ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`}`,
      );
      io.out(`  Workers:       ${config.workers}`);
      const sig = await untilSignal();
      io.out(`${sig}: stopping`);
      await running.stop();
    });

  program
    .command('worker')
    .description(
      'run dispatch workers only (VESTNIK_WORKERS of them); any number of these may share one PostgreSQL',
    )
    .action(async () => {
      if (rt.serverDb || !config.databaseUrl) throw new CliError(WORKER_NEEDS_POSTGRES);
      // main.ts starts a worker without the command line; this is the path of `runProgram` callers.
      const code = await runWorker(config, io);
      if (code !== 0) throw new CliError('the worker stopped with an error', code);
    });

  program
    .command('migrate')
    .description('apply pending database migrations (the server also does this at start)')
    .action(async () => {
      if (rt.serverDb) {
        io.out('The server is running and applied the migrations at its start.');
        return;
      }
      const opened = await openDatabase(config, 'migrate', 1);
      try {
        const applied = await migrate(opened.db);
        io.out(
          applied.length ? `Applied: ${applied.join(', ')}` : 'Nothing to apply: the schema is up to date.',
        );
      } finally {
        await opened.close();
      }
    });
}

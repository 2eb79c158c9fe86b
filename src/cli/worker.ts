/**
 * `vestnik worker`: dispatch workers only, against a PostgreSQL server. Started from main.ts without
 * the rest of the command line, so the process loads only what sending needs — the API, the
 * template engine and the spreadsheet readers stay out of its memory (issue 6: a worker's peak
 * memory).
 */
import v8 from 'node:v8';
import type { Config } from '../config.ts';
import { startDispatcher } from '../dispatch/dispatcher.ts';
import { GatewayPool } from '../dispatch/gatewayPool.ts';
import { workerOptions } from '../dispatch/options.ts';
import { migrate } from '../store/migrate.ts';
import { openDatabase } from '../store/open.ts';
import type { CliIO } from './io.ts';

export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => () => resolve(sig);
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
  });
}

export const WORKER_NEEDS_POSTGRES =
  'separate workers need a PostgreSQL server (DATABASE_URL): the embedded database belongs to one process, ' +
  'and `vestnik serve` already runs workers on it';

/** Runs until SIGINT or SIGTERM, then finishes the batches in hand; the exit code. */
export async function runWorker(config: Config, io: CliIO): Promise<number> {
  if (!config.databaseUrl) {
    io.err(`error: ${WORKER_NEEDS_POSTGRES}`);
    return 1;
  }
  keepHeapSmall();
  const opened = await openDatabase(config, 'worker', config.workers + 2);
  await migrate(opened.db);
  const gateways = GatewayPool.forConfig(opened.db, config);
  const workers = Math.max(1, config.workers);
  const dispatcher = await startDispatcher(opened.db, {
    workers,
    gateways,
    worker: workerOptions(config),
    scheduler: { links: config },
    onError: (err) => io.err(`dispatch: ${(err as Error).message}`),
  });
  io.out(`Vestnik worker running ${workers} worker(s): ${dispatcher.workerIds.join(', ')}`);
  const sig = await untilSignal();
  io.out(`${sig}: finishing the batches in hand`);
  await dispatcher.stop();
  await gateways.close();
  await opened.close();
  return 0;
}

/**
 * A worker's garbage lives for one batch, yet V8 sizes its heap for a program that keeps what it
 * makes: under a steady stream of batches it grows the young generation from 1 MB to 16 MB a
 * semi-space and lets the old one reach up to four times what is alive before collecting it — most
 * of a loaded worker's growth over its resting size (issue 6, decision 0015). Here the young
 * generation keeps its starting size and the old one may grow by 30 % between full collections.
 * V8 reads both flags each time it resizes, so setting them now, after start, takes effect (a
 * process cannot give itself `--max-semi-space-size`).
 */
function keepHeapSmall(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  v8.setFlagsFromString('--heap-growing-percent=30');
}

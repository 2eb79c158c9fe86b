/**
 * `vestnik serve` put together: open and migrate the database, first-start bootstrap, dispatch
 * workers, and the HTTP server. Also used by tests that want a whole server in their process.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildServer } from './api/server.ts';
import type { Config } from './config.ts';
import { startDispatcher } from './dispatch/dispatcher.ts';
import { GatewayPool } from './dispatch/gatewayPool.ts';
import { workerOptions } from './dispatch/options.ts';
import { ROOT } from './paths.ts';
import { type FirstStart, firstStart } from './services/bootstrap.ts';
import { resealSecrets } from './services/resealSecrets.ts';
import type { Db } from './store/db.ts';
import { migrate } from './store/migrate.ts';
import { openDatabase } from './store/open.ts';
import { storeSecretBox } from './store/sealed.ts';

export const VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

export { workerOptions };

export interface Running {
  url: string;
  db: Db;
  firstStart: FirstStart | undefined;
  migrations: string[];
  stop(): Promise<void>;
}

/** The server could not take its address: what the address is and why, for the person starting it. */
export class ListenError extends Error {
  override name = 'ListenError';
}

/** «port 8080 on 127.0.0.1 is in use», from the error `listen` failed with. */
export function listenFailure(host: string, port: number, err: unknown): ListenError {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `port ${port} on ${host}`;
  if (code === 'EADDRINUSE')
    return new ListenError(`${where} is in use by another program: stop it, or choose another PORT`);
  if (code === 'EACCES')
    return new ListenError(`${where} needs privileges this process does not have: choose a PORT above 1023`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return new ListenError(`${where} cannot be taken: ${host} is not an address of this machine (HOST)`);
  return new ListenError(`${where} cannot be taken: ${(err as Error).message ?? String(err)}`);
}

export async function startVestnik(
  config: Config,
  log: (line: string) => void,
  opts: { logger?: boolean } = {},
): Promise<Running> {
  const opened = await openDatabase(config, 'serve');
  const { db } = opened;
  // Everything started so far, stopped in reverse when a later step fails (a busy port must not
  // leave the workers polling a closed database and the data directory locked).
  const started: (() => Promise<void>)[] = [() => opened.close()];
  const stopAll = async () => {
    for (const stop of started.reverse())
      await stop().catch((err) => log(`stopping: ${(err as Error).message}`));
  };
  try {
    const migrations = await migrate(db);
    // Secrets at rest sealed with the key in force (decision 0020): openDatabase set it for the store.
    const resealed = await resealSecrets(db, storeSecretBox());
    if (resealed.gateways + resealed.orgs > 0)
      log(
        `Secrets sealed with the configured key: ${resealed.gateways} gateway(s), ${resealed.orgs} organisation(s)`,
      );
    const first = await firstStart(db, config);
    const gateways = GatewayPool.forConfig(db, config);
    started.push(() => gateways.close());
    const dispatcher =
      config.workers > 0
        ? await startDispatcher(db, {
            workers: config.workers,
            gateways,
            worker: workerOptions(config),
            scheduler: { links: config },
            onError: (err) => log(`dispatch: ${(err as Error).message}`),
          })
        : undefined;
    if (dispatcher) started.push(() => dispatcher.stop());
    const localToken = crypto.randomBytes(24).toString('base64url');
    const app = await buildServer({
      db,
      config,
      gateways,
      dispatcher,
      localToken,
      version: VERSION,
      logger: opts.logger ?? false,
    });
    started.push(() => app.close());
    let address: string;
    try {
      address = await app.listen({ host: config.host, port: config.port });
    } catch (err) {
      throw listenFailure(config.host, config.port, err);
    }
    const port = new URL(address).port;
    const url = `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host}:${port}`;
    opened.advertise(url, localToken);
    return {
      url,
      db,
      firstStart: first,
      migrations,
      async stop() {
        await app.close();
        await dispatcher?.stop();
        await gateways.close();
        await opened.close();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

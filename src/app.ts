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
import type { Db } from './store/db.ts';
import { migrate } from './store/migrate.ts';
import { openDatabase } from './store/open.ts';

export const VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

export { workerOptions };

export interface Running {
  url: string;
  db: Db;
  firstStart: FirstStart | undefined;
  migrations: string[];
  stop(): Promise<void>;
}

export async function startVestnik(
  config: Config,
  log: (line: string) => void,
  opts: { logger?: boolean } = {},
): Promise<Running> {
  const opened = await openDatabase(config, 'serve');
  const { db } = opened;
  try {
    const migrations = await migrate(db);
    const first = await firstStart(db, config);
    const gateways = GatewayPool.forConfig(db, config);
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
    const address = await app.listen({ host: config.host, port: config.port });
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
    await opened.close();
    throw err;
  }
}

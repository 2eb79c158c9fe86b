/**
 * Opens the configured database. PGlite is one process's file store: two processes opening the same
 * data directory would corrupt it, so the opener takes `vestnik.lock` in the data directory. A
 * server records its address and a local token there, so the command line can run its commands
 * through the running server instead (see cli/remote.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { type Db, openPglite, openPostgres } from './db.ts';
import { setStoreSecretKey } from './sealed.ts';

export interface LockInfo {
  pid: number;
  /** What holds it: 'serve', or the command line's command. */
  holder: string;
  /** Set by a server: where to reach it and the token for local commands. */
  url?: string;
  token?: string;
}

export const lockPath = (config: Config) => path.join(config.dataDir, 'vestnik.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live holder of the embedded data, if any (a stale lock of a dead process is ignored). */
export function readLock(config: Config): LockInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(lockPath(config), 'utf8')) as LockInfo;
    return alive(info.pid) && info.pid !== process.pid ? info : undefined;
  } catch {
    return undefined;
  }
}

export class DataInUseError extends Error {
  constructor(readonly holder: LockInfo) {
    super(
      `the embedded database in use by another Vestnik process (pid ${holder.pid}, ${holder.holder}); ` +
        'stop it, or set DATABASE_URL to use a PostgreSQL server that many processes can share',
    );
  }
}

export interface OpenedDb {
  db: Db;
  /** Records the server's address in the lock (embedded database only). */
  advertise(url: string, token: string): void;
  close(): Promise<void>;
}

export async function openDatabase(config: Config, holder: string, poolSize = 10): Promise<OpenedDb> {
  // Callback and link secrets in the rows are sealed with this process's key (store/sealed.ts).
  setStoreSecretKey(config.secretKey);
  if (config.databaseUrl) {
    const db = openPostgres(config.databaseUrl, { max: poolSize, applicationName: `vestnik ${holder}` });
    return { db, advertise() {}, close: () => db.close() };
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  const file = lockPath(config);
  const write = (info: LockInfo, flag: 'wx' | 'w') =>
    fs.writeFileSync(file, JSON.stringify(info), { flag, mode: 0o600 });
  try {
    write({ pid: process.pid, holder }, 'wx');
  } catch {
    const current = readLock(config);
    if (current) throw new DataInUseError(current);
    write({ pid: process.pid, holder }, 'w'); // the previous holder died without cleaning up
  }
  const release = () => {
    try {
      const info = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
      if (info.pid === process.pid) fs.unlinkSync(file);
    } catch {}
  };
  process.once('exit', release);
  let db: Db;
  try {
    db = await openPglite(path.join(config.dataDir, 'pglite'));
  } catch (err) {
    release();
    throw err;
  }
  return {
    db,
    advertise: (url, token) => write({ pid: process.pid, holder, url, token }, 'w'),
    async close() {
      await db.close();
      release();
    },
  };
}

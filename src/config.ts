/**
 * Environment → validated, typed, frozen configuration. The only module that reads `process.env`
 * (the CLI passes `process.env` in; tests pass their own object), so every other module is given its
 * settings and can be run side by side with different ones.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseSecretKey } from './core/secrets.ts';

export interface Config {
  /** `postgres://…` for a PostgreSQL server; undefined means the embedded PGlite database. */
  readonly databaseUrl: string | undefined;
  /** Where the embedded database and the server's lock file live. */
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /** The address gateways call back on and public links (documents, unsubscribe) point to; defaults to the server's own. */
  readonly publicUrl: string;
  readonly adminEmail: string | undefined;
  readonly adminPassword: string | undefined;
  /** Load the demo garden association on first start. */
  readonly demo: boolean;
  /** Dispatch workers inside `vestnik serve` (0 disables them) and in `vestnik worker`. */
  readonly workers: number;
  /** Messages a worker claims at a time (VESTNIK_BATCH_SIZE). */
  readonly batchSize: number;
  /** How long a claim holds a message before another worker may take it (VESTNIK_LEASE_SECONDS). */
  readonly leaseSeconds: number;
  /** Between status polls of a submitted message (VESTNIK_STATUS_POLL_SECONDS). */
  readonly statusPollSeconds: number;
  /** How many days a signed document link (`%kvit`) works (VESTNIK_LINK_DAYS). */
  readonly linkDays: number;
  readonly logLevel: string;
  /**
   * Seals gateway credentials and callback and link secrets (core/secrets.ts): VESTNIK_SECRET_KEY;
   * unset, with the embedded database, the key kept in `VESTNIK_DATA_DIR/secret.key` (made on first
   * use when loadConfig is asked to: the command line does); otherwise undefined — the development
   * key, with a warning, refused on PostgreSQL when NODE_ENV=production.
   */
  readonly secretKey: Buffer | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${raw} is not a whole number between ${min} and ${max}`);
  }
  return value;
}

function boolVar(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name}=${env[name]} is not a yes/no value (use 1 or 0)`);
}

/** The embedded database's own key, beside its data. */
export const SECRET_KEY_FILE = 'secret.key';

/**
 * The key in `dataDir/secret.key`, made on first use: 32 random bytes as hex, mode 0600. Written to
 * a temporary file and linked into place, so two processes starting at once agree on one key and
 * none reads a half-written file.
 */
export function keyFromFile(dataDir: string): Buffer {
  const file = path.join(dataDir, SECRET_KEY_FILE);
  const read = (): Buffer => {
    const key = parseSecretKey(fs.readFileSync(file, 'utf8'));
    if (!key)
      throw new ConfigError(
        `${file} is not a key (64 hex digits): restore it from a backup, or set VESTNIK_SECRET_KEY`,
      );
    // A copy restored with a looser mode is narrowed again: the file is as secret as the key.
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
    return key;
  };
  if (fs.existsSync(file)) return read();
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(temporary, `${crypto.randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(temporary, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.unlinkSync(temporary);
  }
  return read();
}

/**
 * `keyFile`: with the embedded database and no VESTNIK_SECRET_KEY, `secretKey` is the data
 * directory's own key (keyFromFile), read or made when it is first used. The command line asks for
 * it; tests that build a configuration for an in-memory database do not, and run on the development key.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
  opts: { keyFile?: boolean } = {},
): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must start with postgres:// (got ${databaseUrl.slice(0, 20)}…)`);
  }
  const port = intVar(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST?.trim() || '127.0.0.1';
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const rawKey = env.VESTNIK_SECRET_KEY?.trim();
  const secretKey = rawKey ? parseSecretKey(rawKey) : undefined;
  if (secretKey === null)
    throw new ConfigError(
      'VESTNIK_SECRET_KEY must be 32 bytes as 64 hex digits or base64 (openssl rand -hex 32)',
    );
  const production = env.NODE_ENV?.trim().toLowerCase() === 'production';
  // The embedded database has its own key beside its data; PostgreSQL's processes may run on other
  // machines, which could not share such a file, so there the key must come from the environment.
  if (!secretKey && production && databaseUrl)
    throw new ConfigError(
      'VESTNIK_SECRET_KEY is required when NODE_ENV=production with DATABASE_URL (openssl rand -hex 32)',
    );
  const dataDir = path.resolve(cwd, env.VESTNIK_DATA_DIR?.trim() || 'data');
  const publicUrl = (env.VESTNIK_PUBLIC_URL?.trim() || `http://${shownHost}:${port}`).replace(/\/+$/, '');
  let fileKey: Buffer | undefined;
  const keyFile = !secretKey && !databaseUrl && opts.keyFile === true;
  return Object.freeze({
    databaseUrl,
    dataDir,
    host,
    port,
    publicUrl,
    adminEmail: env.VESTNIK_ADMIN_EMAIL?.trim() || undefined,
    adminPassword: env.VESTNIK_ADMIN_PASSWORD || undefined,
    demo: boolVar(env, 'VESTNIK_DEMO', true),
    workers: intVar(env, 'VESTNIK_WORKERS', 2, 0, 64),
    batchSize: intVar(env, 'VESTNIK_BATCH_SIZE', 500, 1, 10_000),
    leaseSeconds: intVar(env, 'VESTNIK_LEASE_SECONDS', 60, 1, 3600),
    statusPollSeconds: intVar(env, 'VESTNIK_STATUS_POLL_SECONDS', 5, 1, 3600),
    linkDays: intVar(env, 'VESTNIK_LINK_DAYS', 90, 1, 3650),
    logLevel: env.VESTNIK_LOG_LEVEL?.trim() || 'info',
    get secretKey(): Buffer | undefined {
      if (!keyFile) return secretKey;
      fileKey ??= keyFromFile(dataDir);
      return fileKey;
    },
  });
}

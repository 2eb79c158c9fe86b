/**
 * Environment → validated, typed, frozen configuration. The only module that reads `process.env`
 * (the CLI passes `process.env` in; tests pass their own object), so every other module is given its
 * settings and can be run side by side with different ones.
 */
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
   * VESTNIK_SECRET_KEY: seals gateway credentials (core/secrets.ts). Unset: the development key, with
   * a warning — refused when NODE_ENV=production.
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

export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): Config {
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
  if (!secretKey && env.NODE_ENV === 'production')
    throw new ConfigError('VESTNIK_SECRET_KEY is required when NODE_ENV=production (openssl rand -hex 32)');
  const publicUrl = (env.VESTNIK_PUBLIC_URL?.trim() || `http://${shownHost}:${port}`).replace(/\/+$/, '');
  return Object.freeze({
    databaseUrl,
    dataDir: path.resolve(cwd, env.VESTNIK_DATA_DIR?.trim() || 'data'),
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
    secretKey,
  });
}

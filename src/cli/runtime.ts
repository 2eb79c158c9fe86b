/**
 * What a command runs against: the configuration, where it prints, and a database — opened for the
 * command and closed after, or, when the command runs inside the server, the server's own.
 */
import type { Config } from '../config.ts';
import type { Db } from '../store/db.ts';
import { migrate } from '../store/migrate.ts';
import { openDatabase } from '../store/open.ts';
import { listOrgs } from '../store/orgs.ts';
import { CliError, type CliIO } from './io.ts';

export interface Runtime {
  config: Config;
  io: CliIO;
  /** Set when the command runs inside `vestnik serve` on behalf of the command line. */
  serverDb?: Db;
  /** Set by the server: wakes its workers after a command queued messages. */
  wake?: () => void;
  /** Set when the command runs inside the server: the files the command line read and sent (document upload). */
  sentFiles?: readonly import('./files.ts').SentFile[];
  /**
   * Set when a command runs inside the server with the file the command line sent (contacts import):
   * the path given on the command line → the server's copy of that file.
   */
  inputFile?: (given: string) => string;
  /** Set likewise for an output file (contacts export): streamed back to the command line. */
  outputFile?: () => import('node:stream').Writable;
  /** Set likewise: progress text for the command line's terminal (`tty`: redraw one line with \r). */
  progress?: { tty: boolean; write(text: string): void };
}

export async function withDb<T>(rt: Runtime, holder: string, fn: (db: Db) => Promise<T>): Promise<T> {
  if (rt.serverDb) return fn(rt.serverDb);
  const opened = await openDatabase(rt.config, holder, 2);
  try {
    await migrate(opened.db);
    return await fn(opened.db);
  } finally {
    await opened.close();
  }
}

/** `--org ID`, or the only organisation there is. */
export async function resolveOrg(db: Db, given: string | undefined): Promise<number> {
  const orgs = await listOrgs(db);
  if (given !== undefined) {
    const id = Number(given);
    if (!orgs.some((o) => o.id === id))
      throw new CliError(`no organisation ${given} (see \`vestnik org list\`)`);
    return id;
  }
  if (orgs.length === 1) return orgs[0]!.id;
  if (orgs.length === 0)
    throw new CliError(
      'there is no organisation yet: `vestnik org create --name …` or start the server once',
    );
  throw new CliError(
    `there are ${orgs.length} organisations: say which with --org ID (see \`vestnik org list\`)`,
  );
}

export function printJson(io: CliIO, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** An id given on the command line: a positive whole number, or a clear error naming the option. */
export function parseId(value: string, what: string): number {
  const id = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(id) || id < 1) {
    throw new CliError(`${what} ${value}: not an id (a positive whole number)`);
  }
  return id;
}

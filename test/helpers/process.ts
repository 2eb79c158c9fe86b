/**
 * Real `vestnik` processes for end-to-end tests: a server started as a user would start it, and
 * commands run as a user would run them, on the engine of this test run (a fresh data directory for
 * PGlite, a fresh schema for PostgreSQL).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { createSchema, TEST_ENGINE, urlWithSchema } from './db.ts';

export const BIN = path.resolve(import.meta.dirname, '..', '..', 'bin', 'vestnik.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Environment for processes sharing one fresh database of this run's engine. */
export async function vestnikEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const base: Record<string, string> = { VESTNIK_LOG_LEVEL: 'warn', ...extra };
  if (TEST_ENGINE === 'postgres') return { ...base, DATABASE_URL: urlWithSchema(await createSchema()) };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vestnik-test-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return { ...base, VESTNIK_DATA_DIR: dir };
}

function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env, ...env };
  // The test runner's own variables must not leak into the product's configuration.
  for (const k of ['DATABASE_URL', 'VESTNIK_DATA_DIR']) if (!(k in env)) delete out[k];
  return out;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `vestnik …args` to the end (bounded by `timeoutMs`). */
export function runVestnik(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
  input?: string,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: childEnv(env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vestnik ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

export interface Server {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

/** Starts `vestnik serve` on a free port and waits until it says it listens. */
export async function startServer(env: Record<string, string>, timeoutMs = 60_000): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: childEnv({ ...env, PORT: String(port), HOST: '127.0.0.1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const stop = () =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', (code) => {
        clearTimeout(kill);
        resolve(code);
      });
      child.kill('SIGTERM');
    });
  after(stop);
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(
      () => reject(new Error(`the server did not start in ${timeoutMs} ms:\n${out}`)),
      timeoutMs,
    );
    const check = () => {
      // The banner's last line: everything above it has been printed.
      if (/\n {2}Workers: +\d+/.test(out)) {
        clearTimeout(deadline);
        child.stdout!.off('data', check);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`the server exited with ${code} before listening:\n${out}`));
    });
  });
  return { url: `http://127.0.0.1:${port}`, child, output: () => out, stop };
}

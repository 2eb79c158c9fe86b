/**
 * Entry of the `vestnik` command. With the embedded database, only one process may open the data;
 * when a server holds it, every command except serve/worker/migrate is sent to that server and run
 * there, against the same data, with its output relayed here.
 */
import { ConfigError, loadConfig } from '../config.ts';
import { readLock } from '../store/open.ts';
import { CliError, processIO } from './io.ts';

async function viaServer(url: string, token: string, argv: string[]): Promise<number> {
  // `document upload` reads its files here and sends them with the command: the server may not
  // see this file system (decision 0003).
  const { documentFilesToSend } = await import('./commands/documents.ts');
  let files: ReturnType<typeof documentFilesToSend>;
  try {
    files = documentFilesToSend(argv);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    processIO.err(`error: ${err.message}`);
    return err.exitCode;
  }
  const res = await fetch(`${url}/internal/cli`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-vestnik-local-token': token },
    body: JSON.stringify({ argv, ...(files ? { files } : {}) }),
  });
  if (!res.ok) {
    processIO.err(
      `error: the running server (${url}) refused the command: HTTP ${res.status} ${await res.text()}`,
    );
    return 1;
  }
  const r = (await res.json()) as { exitCode: number; stdout: string; stderr: string };
  if (r.stdout) process.stdout.write(r.stdout);
  if (r.stderr) process.stderr.write(r.stderr);
  return r.exitCode;
}

async function main(argv: string[]): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    // The embedded database keeps its own secret key beside its data (config.ts, keyFromFile).
    config = loadConfig(process.env, process.cwd(), { keyFile: true });
  } catch (err) {
    if (err instanceof ConfigError) {
      processIO.err(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const command = argv.find((a) => !a.startsWith('-'));
  // A worker process loads only what sending needs (cli/worker.ts); the rest is imported on demand.
  if (command === 'worker' && !argv.includes('--help') && !argv.includes('-h')) {
    const { runWorker } = await import('./worker.ts');
    return runWorker(config, processIO);
  }
  const { LOCAL_ONLY, runProgram } = await import('./program.ts');
  const { fileCommand, viaServerWithFile } = await import('./remoteFiles.ts');
  if (!config.databaseUrl && command && !LOCAL_ONLY.has(command)) {
    const lock = readLock(config);
    // A command with a file reads or writes it here and sends or receives its bytes.
    if (lock?.url && lock.token && fileCommand(argv)) return viaServerWithFile(lock.url, lock.token, argv);
    if (lock?.url && lock.token) return viaServer(lock.url, lock.token, argv);
  }
  return runProgram({ config, io: processIO }, argv);
}

const code = await main(process.argv.slice(2));
// Long-running commands (serve, worker) return only when they are stopped.
process.exitCode = code;

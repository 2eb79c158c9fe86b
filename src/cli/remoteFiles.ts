/**
 * The command line's side of commands that carry a file through a running server (decision 0003):
 * `contacts import FILE` reads FILE here and sends its bytes; `contacts export` receives the file's
 * bytes and writes them here (to -o FILE or standard output). The server never opens a path of
 * this machine's user: it may run elsewhere in the file system, or as another user.
 *
 * The answer is a stream of JSON lines — {"out"}, {"err"}, {"progress"}, {"data": base64}, then
 * {"exit"} — so the progress bar moves while the server imports.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { processIO } from './io.ts';

/** Options of these commands that take a value, to tell FILE from an option's value. */
const VALUED = new Set(['--mapping', '--map', '--format', '--org', '--list', '-o', '--output']);

/** The positional arguments and the value of each option, as commander will read them. */
function scan(argv: readonly string[]): { positionals: string[]; options: Map<string, string> } {
  const positionals: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a.length > 1) {
      const eq = a.indexOf('=');
      if (eq > 0) options.set(a.slice(0, eq), a.slice(eq + 1));
      else if (VALUED.has(a)) options.set(a, argv[++i] ?? '');
      continue;
    }
    positionals.push(a);
  }
  return { positionals, options };
}

/** Which file-carrying command argv is, if any. */
export function fileCommand(argv: readonly string[]): 'import' | 'export' | null {
  const [command, sub] = scan(argv).positionals;
  if (command !== 'contacts') return null;
  return sub === 'import' || sub === 'export' ? sub : null;
}

export async function viaServerWithFile(url: string, token: string, argv: string[]): Promise<number> {
  const kind = fileCommand(argv);
  const { positionals, options } = scan(argv);
  let body: ReadableStream | undefined;
  if (kind === 'import' && positionals[2] !== undefined && !argv.includes('--help') && !argv.includes('-h')) {
    const file = positionals[2];
    try {
      if (!fs.statSync(file).isFile()) throw new Error('not a file');
      fs.accessSync(file, fs.constants.R_OK);
    } catch (err) {
      processIO.err(`error: cannot read ${file}: ${(err as Error).message}`);
      return 1;
    }
    body = Readable.toWeb(fs.createReadStream(file)) as ReadableStream;
  }
  const res = await fetch(`${url}/internal/cli/files`, {
    method: 'POST',
    headers: {
      'x-vestnik-local-token': token,
      'x-vestnik-argv': Buffer.from(JSON.stringify(argv)).toString('base64'),
      'x-vestnik-tty': process.stderr.isTTY ? '1' : '0',
      ...(body ? { 'content-type': 'application/octet-stream' } : {}),
    },
    ...(body ? { body, duplex: 'half' } : {}),
  } as RequestInit);
  if (!res.ok || !res.body) {
    processIO.err(
      `error: the running server (${url}) refused the command: HTTP ${res.status} ${await res.text()}`,
    );
    return 1;
  }
  const output = options.get('-o') ?? options.get('--output');
  let out: fs.WriteStream | null = null;
  const write = async (bytes: Buffer) => {
    if (kind === 'export' && output) {
      out ??= fs.createWriteStream(output);
      const o: fs.WriteStream = out;
      if (!o.write(bytes)) await new Promise<void>((r) => o.once('drain', () => r()));
    } else if (!process.stdout.write(bytes))
      await new Promise<void>((r) => process.stdout.once('drain', () => r()));
  };
  let exit = 1;
  let pending = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
      if (!line) continue;
      const e = JSON.parse(line) as {
        out?: string;
        err?: string;
        progress?: string;
        data?: string;
        exit?: number;
      };
      if (e.out !== undefined) process.stdout.write(e.out);
      if (e.err !== undefined) process.stderr.write(e.err);
      if (e.progress !== undefined) process.stderr.write(e.progress);
      if (e.data !== undefined) await write(Buffer.from(e.data, 'base64'));
      if (e.exit !== undefined) exit = e.exit;
    }
  }
  if (out) {
    const o: fs.WriteStream = out;
    await new Promise<void>((r) => o.end(() => r()));
  } else if (kind === 'export' && output && exit === 0) fs.writeFileSync(output, '');
  return exit;
}

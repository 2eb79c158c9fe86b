/**
 * Files a command reads from the user's machine. Run directly, that is the file system; run inside
 * a server on the user's behalf (decision 0003), the command line has read them and sent their bytes
 * along (`sentFilesFor`), because the server may see another file system or run as another user.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CliError } from './io.ts';

export interface FileSource {
  /** The file's bytes; a CliError naming the path when it cannot be read. */
  read(file: string): Buffer;
  /** The regular files directly in `dir` (names, sorted), not its subdirectories. */
  list(dir: string): string[];
}

export interface SentFile {
  path: string;
  /** base64 */
  data: string;
}

/** What one call through the server may carry (the server's route accepts a little more, as base64). */
export const MAX_SENT_BYTES = 100 * 1024 * 1024;

export const localFiles: FileSource = {
  read(file) {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new CliError(
        `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  },
  list(dir) {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      throw new CliError(
        `cannot read the directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    return entries
      .filter((e) => e.isFile() || (e.isSymbolicLink() && fs.statSync(path.join(dir, e.name)).isFile()))
      .map((e) => e.name)
      .sort();
  },
};

const norm = (p: string) => path.normalize(p).replace(/(.)\/+$/, '$1');

/** The files the command line sent, under the paths it was given. */
export function sentFiles(files: readonly SentFile[]): FileSource {
  const byPath = new Map(files.map((f) => [norm(f.path), f.data]));
  return {
    read(file) {
      const data = byPath.get(norm(file));
      if (data === undefined) throw new CliError(`${file} was not sent by the command line`);
      return Buffer.from(data, 'base64');
    },
    list(dir) {
      const d = norm(dir);
      return [...byPath.keys()]
        .filter((p) => path.dirname(p) === d)
        .map((p) => path.basename(p))
        .sort();
    },
  };
}

/** Reads the given files here for sending; refuses what one call cannot carry. */
export function readForSending(paths: readonly string[]): SentFile[] {
  let total = 0;
  return paths.map((p) => {
    const data = localFiles.read(p);
    total += data.length;
    if (total > MAX_SENT_BYTES) {
      throw new CliError(
        `the files come to more than ${MAX_SENT_BYTES / 1024 / 1024} MB, more than one command can send to the running server; upload them in parts, or through the API`,
      );
    }
    return { path: p, data: data.toString('base64') };
  });
}

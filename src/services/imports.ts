/**
 * Import jobs (AU-8): an upload is spooled to a file under the data directory (never held in
 * memory), previewed, then imported by a job that runs in the server's process and reports its
 * progress in the job row. The command line runs the same import in its own process.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ImportFormat, ImportMappingError, type ImportPreview, preview } from '../core/import/index.ts';
import type { Db } from '../store/db.ts';
import {
  failStaleImportJobs,
  finishImportJob,
  getImportJob,
  type ImportJob,
  insertImportJob,
  startImportJob,
} from '../store/imports.ts';
import { type ImportSummary, type RunImportOptions, runImport } from './importRun.ts';

/** The largest upload accepted (a million rows of a wide sheet fit well within it). */
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
/** An upload whose import was never started is removed after this long. */
const SPOOL_TTL_MS = 24 * 3600_000;
/** A running job whose heartbeat is older than this has lost its process. */
export const STALE_SECONDS = 120;

export const spoolDir = (dataDir: string) => path.join(dataDir, 'imports');
export const spoolPath = (dataDir: string, name: string) => path.join(spoolDir(dataDir), path.basename(name));

export class UploadTooLarge extends Error {}

/**
 * A file to import, read in chunks of 256 KiB: with the default 64 KiB, a quarter of an import's
 * time went to waiting for the next read on a busy machine.
 */
export const openFile = (file: string) => fs.createReadStream(file, { highWaterMark: 256 * 1024 });

/** Removes uploads left longer than a day (imports never started). */
function sweep(dir: string): void {
  try {
    for (const f of fs.readdirSync(dir)) {
      const p = path.join(dir, f);
      if (Date.now() - fs.statSync(p).mtimeMs > SPOOL_TTL_MS) fs.rmSync(p, { force: true });
    }
  } catch {}
}

/** Writes a request body to a new file under the data directory; returns its name and size. */
export async function spoolUpload(
  dataDir: string,
  body: AsyncIterable<Uint8Array> | Readable,
  maxBytes = MAX_UPLOAD_BYTES,
): Promise<{ name: string; size: number }> {
  const dir = spoolDir(dataDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  sweep(dir);
  const name = `${Date.now()}-${crypto.randomBytes(8).toString('hex')}.upload`;
  const file = path.join(dir, name);
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxBytes)
        done(new UploadTooLarge(`the file is larger than ${Math.round(maxBytes / 1024 / 1024)} MB`));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(body, limit, fs.createWriteStream(file, { mode: 0o600 }));
  } catch (err) {
    fs.rmSync(file, { force: true });
    throw err;
  }
  return { name, size };
}

/** csv or xlsx: as given, else by the file name, else by the bytes (an XLSX is a zip: `PK\3\4`). */
export function detectFormat(file: string, given?: string, fileName = ''): ImportFormat {
  if (given === 'csv' || given === 'xlsx') return given;
  const ext = path.extname(fileName).toLowerCase();
  if (ext === '.xlsx') return 'xlsx';
  if (ext === '.csv' || ext === '.txt' || ext === '.tsv') return 'csv';
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 4, 0);
  } finally {
    fs.closeSync(fd);
  }
  return head.equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) ? 'xlsx' : 'csv';
}

/** The header, suggested mapping and first rows of a file on disk. */
export function previewFile(
  file: string,
  format: ImportFormat,
  options: { mapping?: Record<string, unknown>; rows?: number } = {},
): Promise<ImportPreview> {
  return preview(openFile(file), { format, ...options });
}

/** A job for a spooled upload, waiting for its mapping. */
export async function createUploadJob(
  db: Db,
  orgId: number,
  u: { spool: string; size: number; format: ImportFormat; fileName: string; createdBy: string },
): Promise<ImportJob> {
  return insertImportJob(db, orgId, {
    format: u.format,
    fileName: u.fileName,
    sizeBytes: u.size,
    spool: u.spool,
    createdBy: u.createdBy,
  });
}

/**
 * Runs a job to its end: `done` with its counters, or `failed` with the reason (a mapping that
 * cannot be used, a file that cannot be read); what was stored before a failure stays stored.
 */
export async function runImportJob(
  db: Db,
  job: { orgId: number; id: number },
  opts: Omit<RunImportOptions, 'orgId' | 'jobId'>,
): Promise<ImportSummary> {
  try {
    const summary = await runImport(db, { ...opts, orgId: job.orgId, jobId: job.id });
    await finishImportJob(db, job.orgId, job.id, { state: 'done' });
    return summary;
  } catch (err) {
    const message =
      err instanceof ImportMappingError
        ? err.message
        : `the import stopped: ${(err as Error).message ?? err}`;
    await finishImportJob(db, job.orgId, job.id, { state: 'failed', error: message }).catch(() => {});
    throw err;
  }
}

/** Jobs running in this process, so one is never started twice from here. */
const running = new Set<number>();

export type StartResult =
  | { ok: true; job: ImportJob; done: Promise<void> }
  | { ok: false; code: 'not_found' | 'not_waiting' | 'file_gone'; message: string };

/**
 * Starts an uploaded job in the background of this process; `done` settles when it ends (the
 * API does not wait for it; tests may).
 */
export async function startUploadedJob(
  db: Db,
  dataDir: string,
  orgId: number,
  id: number,
  s: { mapping?: Record<string, unknown>; dryRun?: boolean },
): Promise<StartResult> {
  const job = await getImportJob(db, orgId, id);
  if (!job) return { ok: false, code: 'not_found', message: `import ${id} not found` };
  if (job.state !== 'uploaded' || running.has(id))
    return {
      ok: false,
      code: 'not_waiting',
      message: `import ${id} is ${job.state}; it can be started once`,
    };
  const file = job.spool ? spoolPath(dataDir, job.spool) : null;
  if (!file || !fs.existsSync(file))
    return {
      ok: false,
      code: 'file_gone',
      message: `the file of import ${id} is no longer here (uploads are kept a day, on the server that received them); upload it again`,
    };
  // The mapping is checked against the headers before the job is taken, so a bad one is a 400.
  const checked = await previewFile(file, job.format, { mapping: s.mapping, rows: 0 });
  if (checked.mappingProblems.length) throw new ImportMappingError(checked.mappingProblems);
  const taken = await startImportJob(db, orgId, id, {
    mapping: checked.mapping,
    dryRun: Boolean(s.dryRun),
    from: ['uploaded'],
  });
  if (!taken)
    return { ok: false, code: 'not_waiting', message: `import ${id} was started by another request` };
  running.add(id);
  const done = runImportJob(
    db,
    { orgId, id },
    {
      format: job.format,
      open: () => openFile(file),
      mapping: checked.mapping,
      dryRun: s.dryRun,
    },
  )
    .then(() => undefined)
    .catch(() => undefined)
    .finally(() => {
      running.delete(id);
      fs.rmSync(file, { force: true });
    });
  return { ok: true, job: (await getImportJob(db, orgId, id))!, done };
}

/** A job as it is now; a running one whose heartbeat stopped is marked failed first. */
export async function currentJob(db: Db, orgId: number, id: number): Promise<ImportJob | undefined> {
  const job = await getImportJob(db, orgId, id);
  if (job?.state === 'running' && !running.has(id)) {
    await failStaleImportJobs(db, orgId, STALE_SECONDS);
    return getImportJob(db, orgId, id);
  }
  return job;
}

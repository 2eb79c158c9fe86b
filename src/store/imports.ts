/** Import jobs and their rejected rows (AU-8): one function per query, always scoped by organisation. */
import type { RowProblem } from '../core/import/rows.ts';
import type { Queryable } from './db.ts';

export const IMPORT_STATES = ['uploaded', 'queued', 'running', 'done', 'failed'] as const;
export type ImportState = (typeof IMPORT_STATES)[number];

export interface ImportCounts {
  processed: number;
  created: number;
  updated: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  objects: number;
  bytesRead: number;
}

export interface ImportJob extends ImportCounts {
  id: number;
  state: ImportState;
  format: 'csv' | 'xlsx';
  fileName: string;
  sizeBytes: number;
  encoding: string | null;
  delimiter: string | null;
  headers: string[];
  mapping: Record<string, string[]> | null;
  dryRun: boolean;
  error: string | null;
  createdBy: string;
  createdAt: Date;
  startedAt: Date | null;
  heartbeatAt: Date | null;
  finishedAt: Date | null;
  /** The spooled upload's name under the data directory, while it is kept. */
  spool: string | null;
}

interface JobRow {
  id: number;
  state: ImportState;
  format: 'csv' | 'xlsx';
  file_name: string;
  size_bytes: number;
  encoding: string | null;
  delimiter: string | null;
  headers: string[];
  mapping: Record<string, string[]> | null;
  dry_run: boolean;
  processed: number;
  created: number;
  updated: number;
  rejected: number;
  rejected_by_reason: Record<string, number>;
  objects: number;
  bytes_read: number;
  error: string | null;
  created_by: string;
  created_at: Date;
  started_at: Date | null;
  heartbeat_at: Date | null;
  finished_at: Date | null;
  spool: string | null;
}

const toJob = (r: JobRow): ImportJob => ({
  id: r.id,
  state: r.state,
  format: r.format,
  fileName: r.file_name,
  sizeBytes: r.size_bytes,
  encoding: r.encoding,
  delimiter: r.delimiter,
  headers: r.headers,
  mapping: r.mapping,
  dryRun: r.dry_run,
  processed: r.processed,
  created: r.created,
  updated: r.updated,
  rejected: r.rejected,
  rejectedByReason: r.rejected_by_reason,
  objects: r.objects,
  bytesRead: r.bytes_read,
  error: r.error,
  createdBy: r.created_by,
  createdAt: r.created_at,
  startedAt: r.started_at,
  heartbeatAt: r.heartbeat_at,
  finishedAt: r.finished_at,
  spool: r.spool,
});

export async function insertImportJob(
  db: Queryable,
  orgId: number,
  j: { format: 'csv' | 'xlsx'; fileName: string; sizeBytes: number; spool: string | null; createdBy: string },
): Promise<ImportJob> {
  const { rows } = await db.query<JobRow>(
    `INSERT INTO import_jobs (org_id, format, file_name, size_bytes, spool, created_by)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [orgId, j.format, j.fileName, j.sizeBytes, j.spool, j.createdBy],
  );
  return toJob(rows[0]!);
}

export async function getImportJob(db: Queryable, orgId: number, id: number): Promise<ImportJob | undefined> {
  const { rows } = await db.query<JobRow>('SELECT * FROM import_jobs WHERE org_id = $1 AND id = $2', [
    orgId,
    id,
  ]);
  return rows[0] ? toJob(rows[0]) : undefined;
}

/** Newest first, before `beforeId`. */
export async function listImportJobs(
  db: Queryable,
  orgId: number,
  page: { beforeId: number; limit: number },
): Promise<ImportJob[]> {
  const { rows } = await db.query<JobRow>(
    'SELECT * FROM import_jobs WHERE org_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3',
    [orgId, page.beforeId, page.limit],
  );
  return rows.map(toJob);
}

/** Takes an uploaded (or stale running) job to `running`; false when another start took it first. */
export async function startImportJob(
  db: Queryable,
  orgId: number,
  id: number,
  s: { mapping: Record<string, string[]>; dryRun: boolean; from: ImportState[] },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE import_jobs SET state = 'running', mapping = $3, dry_run = $4, started_at = now(),
       heartbeat_at = now(), processed = 0, created = 0, updated = 0, rejected = 0, objects = 0,
       rejected_by_reason = '{}', bytes_read = 0, error = NULL, finished_at = NULL
     WHERE org_id = $1 AND id = $2 AND state = ANY($5::text[])`,
    [orgId, id, JSON.stringify(s.mapping), s.dryRun, s.from],
  );
  if (rowCount > 0)
    await db.query('DELETE FROM import_rejects WHERE org_id = $1 AND job_id = $2', [orgId, id]);
  return rowCount > 0;
}

/** What the reader found in the file: recorded once the header is read. */
export async function setImportFileInfo(
  db: Queryable,
  orgId: number,
  id: number,
  info: { encoding: string | null; delimiter: string | null; headers: string[]; mapping?: unknown },
): Promise<void> {
  await db.query(
    `UPDATE import_jobs SET encoding = $3, delimiter = $4, headers = $5, mapping = coalesce($6, mapping)
     WHERE org_id = $1 AND id = $2`,
    [
      orgId,
      id,
      info.encoding,
      info.delimiter,
      JSON.stringify(info.headers),
      info.mapping === undefined ? null : JSON.stringify(info.mapping),
    ],
  );
}

/** The counters so far (absolute values), and a heartbeat. */
export async function recordImportProgress(
  db: Queryable,
  orgId: number,
  id: number,
  c: ImportCounts & { encoding?: string | null },
): Promise<void> {
  await db.query(
    `UPDATE import_jobs SET processed = $3, created = $4, updated = $5, rejected = $6,
       rejected_by_reason = $7, objects = $8, bytes_read = $9, heartbeat_at = now(),
       encoding = coalesce($10, encoding)
     WHERE org_id = $1 AND id = $2`,
    [
      orgId,
      id,
      c.processed,
      c.created,
      c.updated,
      c.rejected,
      JSON.stringify(c.rejectedByReason),
      c.objects,
      c.bytesRead,
      c.encoding ?? null,
    ],
  );
}

export async function finishImportJob(
  db: Queryable,
  orgId: number,
  id: number,
  end: { state: 'done' | 'failed'; error?: string | null },
): Promise<void> {
  await db.query(
    `UPDATE import_jobs SET state = $3, error = $4, finished_at = now(), spool = NULL
     WHERE org_id = $1 AND id = $2`,
    [orgId, id, end.state, end.error ?? null],
  );
}

export interface ImportReject {
  row: number;
  reasons: string[];
  problems: (RowProblem & { reason: string })[];
}

/** Rejected rows of a batch, in one statement. */
export async function insertImportRejects(
  db: Queryable,
  orgId: number,
  jobId: number,
  rejects: readonly ImportReject[],
): Promise<void> {
  if (rejects.length === 0) return;
  await db.query(
    `INSERT INTO import_rejects (job_id, org_id, row, problems, reasons)
     SELECT $1, $2, u.row, u.problems::jsonb, string_to_array(u.reasons, ',')
     FROM unnest($3::int[], $4::text[], $5::text[]) AS u(row, problems, reasons)
     ON CONFLICT (job_id, row) DO NOTHING`,
    [
      jobId,
      orgId,
      rejects.map((r) => r.row),
      rejects.map((r) => JSON.stringify(r.problems)),
      rejects.map((r) => r.reasons.join(',')),
    ],
  );
}

/** A page of rejected rows in row order after `afterRow`, optionally only those with `reason`. */
export async function listImportRejects(
  db: Queryable,
  orgId: number,
  jobId: number,
  page: { afterRow: number; limit: number; reason?: string },
): Promise<ImportReject[]> {
  const { rows } = await db.query<ImportReject>(
    `SELECT row, reasons, problems FROM import_rejects
     WHERE org_id = $1 AND job_id = $2 AND row > $3 AND ($5::text IS NULL OR $5::text = ANY(reasons))
     ORDER BY row LIMIT $4`,
    [orgId, jobId, page.afterRow, page.limit, page.reason ?? null],
  );
  return rows;
}

/** Running jobs whose heartbeat is older than `seconds`: their process stopped during the import. */
export async function failStaleImportJobs(db: Queryable, orgId: number, seconds: number): Promise<void> {
  await db.query(
    `UPDATE import_jobs SET state = 'failed', finished_at = now(),
       error = 'the import stopped: the server stopped during it; start a new import of the file — rows already imported are updated, not duplicated'
     WHERE org_id = $1 AND state = 'running' AND heartbeat_at < now() - make_interval(secs => $2)`,
    [orgId, seconds],
  );
}

/**
 * Import and export of contacts (AU-8). An upload is the raw file as the body (CSV or XLSX), never
 * parsed into memory: it is spooled to the data directory, previewed (headers, the suggested
 * mapping, the first rows, the encoding and delimiter found), and imported by a job that reports
 * its progress; rejected rows are listed with their reasons. Exports stream CSV or XLSX.
 */
import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { FilterRef } from '../../core/audience/filter.ts';
import { ImportMappingError, type ImportPreview } from '../../core/import/index.ts';
import { REJECT_REASONS } from '../../core/import/reasons.ts';
import { exportContacts, exportSelection } from '../../services/exports.ts';
import {
  createUploadJob,
  currentJob,
  detectFormat,
  previewFile,
  spoolPath,
  spoolUpload,
  startUploadedJob,
  UploadTooLarge,
} from '../../services/imports.ts';
import { getImportJob, type ImportJob, listImportJobs, listImportRejects } from '../../store/imports.ts';
import { who } from '../auth.ts';
import { ApiError, invalid, notFound } from '../errors.ts';
import { DateTime, errorResponses, Id, IdParams, Nullable, Page, StringEnum } from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const UPLOAD_TYPES = ['text/csv', 'text/plain', 'application/octet-stream', XLSX_MIME];

const Counts = {
  processed: Type.Integer({ description: 'rows read so far (empty rows are skipped, not counted)' }),
  created: Type.Integer(),
  updated: Type.Integer(),
  rejected: Type.Integer(),
  rejectedByReason: Type.Record(Type.String(), Type.Integer(), {
    description: `rows per reason (${REJECT_REASONS.join(', ')}); a row with several counts under each`,
  }),
  objects: Type.Integer({ description: 'plots and accounts created or updated' }),
};

const Job = Type.Object(
  {
    id: Id,
    state: StringEnum(['uploaded', 'queued', 'running', 'done', 'failed'] as const),
    format: StringEnum(['csv', 'xlsx'] as const),
    fileName: Type.String(),
    sizeBytes: Type.Integer(),
    bytesRead: Type.Integer(),
    progress: Type.Number({ description: 'share of the file read, 0 to 1' }),
    encoding: Nullable(Type.String()),
    delimiter: Nullable(Type.String()),
    headers: Type.Array(Type.String()),
    mapping: Nullable(Type.Record(Type.String(), Type.Array(Type.String()))),
    dryRun: Type.Boolean(),
    ...Counts,
    error: Nullable(Type.String()),
    createdBy: Type.String(),
    createdAt: DateTime,
    startedAt: Nullable(DateTime),
    finishedAt: Nullable(DateTime),
  },
  { $id: 'ImportJob' },
);

const Preview = Type.Object({
  format: StringEnum(['csv', 'xlsx'] as const),
  encoding: Nullable(Type.String({ description: 'CSV: utf-8, utf-16le, utf-16be, windows-1251, or ascii' })),
  delimiter: Nullable(Type.String()),
  headers: Type.Array(Type.String()),
  headerRow: Type.Integer(),
  suggested: Type.Record(Type.String(), Type.Array(Type.String())),
  mapping: Type.Record(Type.String(), Type.Array(Type.String())),
  mappingProblems: Type.Array(Type.Unknown()),
  rows: Type.Array(Type.Unknown()),
  outcomes: Type.Array(Type.Unknown()),
});

const Mapping = Type.Record(
  Type.String(),
  Type.Union([Type.String(), Type.Array(Type.String()), Type.Null()]),
  {
    description:
      'header → target (externalId, fullName, lastName, phone, object.plot, object.debt, attributes.NAME …), a list of targets, or null to skip',
  },
);

const jobView = (j: ImportJob) => {
  const { spool: _, heartbeatAt: __, ...rest } = j;
  const progress = j.state === 'done' ? 1 : j.sizeBytes > 0 ? Math.min(1, j.bytesRead / j.sizeBytes) : 0;
  return { ...rest, progress };
};

const previewView = (p: ImportPreview) => ({
  ...p,
  rows: p.rows.map((r) => ({ row: r.row, cells: r.cells, ...(r.overflow ? { overflow: r.overflow } : {}) })),
});

/** A mapping from the querystring or the X-Import-Mapping header (JSON, URI-encoded in a header). */
function mappingParam(raw: string | undefined, where: string): Record<string, unknown> | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {}
  throw invalid([{ field: where, value: raw, message: 'is not a JSON object of header → target' }]);
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' ? decodeURIComponent(v) : undefined;
};

const mappingError = (err: unknown) => {
  if (err instanceof ImportMappingError) return invalid(err.problems);
  return err;
};

export const importRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db, config } = deps;
    const tags = ['imports'];
    // The file is the body, passed on as a stream (and spooled), whatever its size: no body limit here.
    app.addContentTypeParser(UPLOAD_TYPES, (_req, payload, done) => done(null, payload));

    app.post(
      '/api/v1/imports',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags,
          summary: 'Upload a CSV or XLSX file of contacts: a job waiting for its mapping, and the preview',
          description:
            'The body is the file itself (`Content-Type: text/csv`, `application/octet-stream` or the XLSX type). ' +
            'CSV may be UTF-8 (with or without BOM), UTF-16 with BOM or Windows-1251, with `,` `;` or tab. ' +
            'With `start=true` the import starts at once with `mapping` (or the suggested one).',
          querystring: Type.Object({
            filename: Type.Optional(Type.String({ maxLength: 255 })),
            format: Type.Optional(StringEnum(['csv', 'xlsx'] as const)),
            mapping: Type.Optional(
              Type.String({ description: 'JSON: header → target; default the suggestion' }),
            ),
            start: Type.Optional(Type.Boolean()),
            dryRun: Type.Optional(Type.Boolean({ description: 'check every row, store only the rejects' })),
          }),
          response: {
            201: Type.Object({ job: Job, preview: Preview }),
            ...errorResponses,
            413: errorResponses[400],
          },
        },
      },
      async (req, reply) => {
        const principal = who(req);
        const body = req.body as Readable | undefined;
        if (!body || typeof (body as Readable).pipe !== 'function')
          throw new ApiError(
            400,
            'no_file',
            `send the file as the body with Content-Type ${UPLOAD_TYPES.join(', ')}`,
          );
        const fileName = req.query.filename ?? header(req, 'x-import-filename') ?? '';
        const mapping = mappingParam(req.query.mapping ?? header(req, 'x-import-mapping'), 'mapping');
        let spooled: { name: string; size: number };
        try {
          spooled = await spoolUpload(config.dataDir, body);
        } catch (err) {
          if (err instanceof UploadTooLarge) throw new ApiError(413, 'too_large', err.message);
          throw err;
        }
        const file = spoolPath(config.dataDir, spooled.name);
        const contentType = String(req.headers['content-type'] ?? '');
        const format = detectFormat(
          file,
          req.query.format ?? (contentType.startsWith(XLSX_MIME) ? 'xlsx' : undefined),
          fileName,
        );
        let preview: ImportPreview;
        try {
          preview = await previewFile(file, format, { mapping });
        } catch (err) {
          throw new ApiError(
            400,
            'unreadable_file',
            `the file cannot be read as ${format}: ${(err as Error).message}`,
          );
        }
        let job = await createUploadJob(db, principal.orgId, {
          spool: spooled.name,
          size: spooled.size,
          format,
          fileName,
          createdBy: principal.initiator,
        });
        if (req.query.start) {
          const started = await startUploadedJob(db, config.dataDir, principal.orgId, job.id, {
            mapping,
            dryRun: req.query.dryRun,
          }).catch((err) => {
            throw mappingError(err);
          });
          if (!started.ok) throw new ApiError(409, 'conflict', started.message);
          job = started.job;
        }
        return reply.status(201).send({ job: jobView(job), preview: previewView(preview) });
      },
    );

    app.get(
      '/api/v1/imports',
      {
        schema: {
          tags,
          summary: 'Import jobs, newest first',
          querystring: Type.Object({
            before: Type.Optional(Id),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          }),
          response: { 200: Page(Job), ...errorResponses },
        },
      },
      async (req) => {
        const limit = req.query.limit ?? 50;
        const items = await listImportJobs(db, who(req).orgId, {
          beforeId: req.query.before ?? Number.MAX_SAFE_INTEGER,
          limit,
        });
        return {
          items: items.map(jobView),
          nextCursor: items.length === limit ? items[items.length - 1]!.id : null,
        };
      },
    );

    app.get(
      '/api/v1/imports/:id',
      {
        schema: {
          tags,
          summary: 'An import job: its state, progress and counters (created, updated, rejected by reason)',
          params: IdParams,
          response: { 200: Job, ...errorResponses },
        },
      },
      async (req) => {
        const job = await currentJob(db, who(req).orgId, req.params.id);
        if (!job) throw notFound(`import ${req.params.id}`);
        return jobView(job);
      },
    );

    app.get(
      '/api/v1/imports/:id/preview',
      {
        schema: {
          tags,
          summary: 'The uploaded file again, with a mapping to try, before the import starts',
          params: IdParams,
          querystring: Type.Object({
            mapping: Type.Optional(Type.String({ description: 'JSON: header → target' })),
            rows: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
          }),
          response: { 200: Preview, ...errorResponses, 409: errorResponses[400] },
        },
      },
      async (req) => {
        const job = await getImportJob(db, who(req).orgId, req.params.id);
        if (!job) throw notFound(`import ${req.params.id}`);
        if (job.state !== 'uploaded' || !job.spool)
          throw new ApiError(409, 'conflict', `import ${job.id} is ${job.state}: its file is no longer kept`);
        const mapping = mappingParam(req.query.mapping, 'mapping');
        return previewView(
          await previewFile(spoolPath(config.dataDir, job.spool), job.format, {
            mapping,
            rows: req.query.rows,
          }),
        );
      },
    );

    app.post(
      '/api/v1/imports/:id/start',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags,
          summary: 'Start the import of an uploaded file; follow it with GET /api/v1/imports/{id}',
          params: IdParams,
          body: Type.Object(
            {
              mapping: Type.Optional(Mapping),
              dryRun: Type.Optional(Type.Boolean({ description: 'check every row, store only the rejects' })),
            },
            { additionalProperties: false },
          ),
          response: { 202: Job, ...errorResponses, 409: errorResponses[400] },
        },
      },
      async (req, reply) => {
        const started = await startUploadedJob(
          db,
          config.dataDir,
          who(req).orgId,
          req.params.id,
          req.body,
        ).catch((err) => {
          throw mappingError(err);
        });
        if (!started.ok) {
          if (started.code === 'not_found') throw notFound(`import ${req.params.id}`);
          throw new ApiError(409, 'conflict', started.message);
        }
        return reply.status(202).send(jobView(started.job));
      },
    );

    app.get(
      '/api/v1/imports/:id/rejects',
      {
        schema: {
          tags,
          summary:
            'Rejected rows in row order, each with every problem: column, header, value as in the file, reason',
          params: IdParams,
          querystring: Type.Object({
            after: Type.Optional(Type.Integer({ minimum: 0, description: 'a row number' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            reason: Type.Optional(StringEnum(REJECT_REASONS)),
          }),
          response: {
            200: Page(
              Type.Object({
                row: Type.Integer(),
                reasons: Type.Array(Type.String()),
                problems: Type.Array(
                  Type.Object({
                    column: Type.String(),
                    header: Type.String(),
                    value: Type.String(),
                    message: Type.String(),
                    reason: Type.String(),
                  }),
                ),
              }),
            ),
            ...errorResponses,
          },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        if (!(await getImportJob(db, orgId, req.params.id))) throw notFound(`import ${req.params.id}`);
        const limit = req.query.limit ?? 100;
        const items = await listImportRejects(db, orgId, req.params.id, {
          afterRow: req.query.after ?? 0,
          limit,
          reason: req.query.reason,
        });
        return { items, nextCursor: items.length === limit ? items[items.length - 1]!.row : null };
      },
    );

    const ExportQuery = {
      format: Type.Optional(
        StringEnum(['csv', 'xlsx'] as const, 'csv (default: `;`, UTF-8 with BOM) or xlsx'),
      ),
      listId: Type.Optional(Id),
    };
    const sendExport = async (
      req: FastifyRequest,
      reply: import('fastify').FastifyReply,
      q: { format?: 'csv' | 'xlsx'; listId?: number; filter?: unknown },
    ) => {
      const orgId = who(req).orgId;
      const format = q.format ?? 'csv';
      const sel = await exportSelection(db, orgId, { listId: q.listId, filter: q.filter as never });
      if (!sel.ok) throw invalid(sel.problems);
      const out = new PassThrough();
      exportContacts(db, orgId, format, sel.selection, out).catch((err) => {
        req.log.error(err);
        out.destroy(err as Error);
      });
      const stamp = new Date().toISOString().slice(0, 10);
      return reply
        .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : XLSX_MIME)
        .header('content-disposition', `attachment; filename="contacts-${stamp}.${format}"`)
        .send(out);
    };

    app.get(
      '/api/v1/contacts/export',
      {
        schema: {
          tags: ['contacts'],
          summary: 'Export contacts (all, or a list) as CSV or XLSX, with the columns the import reads back',
          description:
            "Text cells that begin with = + - @, a tab or a carriage return are written with a leading `'`, so no " +
            "spreadsheet runs them as formulas; the import removes that `'` again.",
          querystring: Type.Object(ExportQuery),
          response: { 200: Type.String({ description: 'the file' }), ...errorResponses },
        },
      },
      (req, reply) => sendExport(req, reply, req.query),
    );

    app.post(
      '/api/v1/contacts/export',
      {
        schema: {
          tags: ['contacts'],
          summary: 'Export the contacts a filter selects (and, with listId, only a list’s) as CSV or XLSX',
          body: Type.Object(
            { ...ExportQuery, filter: Type.Optional(FilterRef) },
            { additionalProperties: false },
          ),
          response: { 200: Type.String({ description: 'the file' }), ...errorResponses },
        },
      },
      (req, reply) => sendExport(req, reply, req.body),
    );
  };

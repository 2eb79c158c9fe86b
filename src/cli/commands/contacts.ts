/**
 * Contacts from the command line (AU-8): `contacts import FILE` with a progress bar and a summary,
 * `contacts export` to CSV or XLSX. With the embedded database and a running server, the command
 * line reads FILE itself and sends its bytes (cli/remoteFiles.ts); the server never opens a path
 * it was given.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { ImportMappingError } from '../../core/import/index.ts';
import { exportContacts, exportSelection } from '../../services/exports.ts';
import { detectFormat, openFile, previewFile, runImportJob } from '../../services/imports.ts';
import {
  type ImportCounts,
  type ImportReject,
  insertImportJob,
  startImportJob,
} from '../../store/imports.ts';
import { CliError } from '../io.ts';
import { parseId, printJson, type Runtime, resolveOrg, withDb } from '../runtime.ts';

const ORG = ['--org <id>', 'the organisation (default: the only one)'] as const;

const n = (x: number) => x.toLocaleString('en');

/**
 * `--mapping '{"Телефон": "phone"}'` is the whole mapping (columns left out are skipped); each
 * `--map Header=target` changes one column of it, or of the suggested mapping when there is no
 * --mapping (`Header=` skips the column, `Header=a,b` feeds two fields).
 */
export function parseMapping(
  json: string | undefined,
  pairs: readonly string[],
  suggested: Record<string, unknown>,
): Record<string, unknown> | undefined {
  let mapping: Record<string, unknown> | undefined;
  if (json !== undefined) {
    try {
      const v = JSON.parse(json) as unknown;
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
      mapping = { ...(v as Record<string, unknown>) };
    } catch {
      throw new CliError(
        `--mapping ${json}: give a JSON object of header → target, e.g. '{"Телефон": "phone"}'`,
      );
    }
  }
  for (const pair of pairs) {
    const at = pair.lastIndexOf('=');
    if (at <= 0) throw new CliError(`--map ${pair}: use Header=target, e.g. --map "Моб. телефон=phone"`);
    const header = pair.slice(0, at).trim();
    const targets = pair
      .slice(at + 1)
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    mapping ??= { ...suggested };
    mapping[header] = targets.length === 0 ? null : targets.length === 1 ? targets[0] : targets;
  }
  return mapping;
}

/**
 * Progress on standard error: a bar redrawn in place on a terminal (at most ten times a second),
 * otherwise a line at each tenth of the file or every five seconds; the last state is always shown.
 * The share is of the bytes read, which run a little ahead of the rows stored.
 */
function progressPrinter(rt: Runtime, size: number) {
  const sink =
    rt.progress ??
    (rt.serverDb
      ? { tty: false, write: (t: string) => rt.io.err(t) }
      : { tty: Boolean(process.stderr.isTTY), write: (t: string) => void process.stderr.write(t) });
  let lastAt = 0;
  let lastTenth = -1;
  let shown: ImportCounts | null = null;
  let latest: ImportCounts | null = null;
  const show = (c: ImportCounts) => {
    const p = size > 0 ? Math.min(1, c.bytesRead / size) : 0;
    const percent = String(Math.floor(p * 100));
    if (sink.tty) {
      const full = Math.round(p * 30);
      sink.write(
        `\r[${'#'.repeat(full)}${'-'.repeat(30 - full)}] ${percent.padStart(3)}%  ${n(c.processed)} rows, ${n(c.rejected)} rejected`,
      );
    } else {
      lastTenth = Math.floor(p * 10);
      sink.write(`progress: ${n(c.processed)} rows read (${percent}%), ${n(c.rejected)} rejected\n`);
    }
    shown = c;
    lastAt = Date.now();
  };
  return {
    update(c: ImportCounts) {
      latest = { ...c };
      const now = Date.now();
      if (
        sink.tty
          ? now - lastAt >= 100
          : Math.floor((size > 0 ? c.bytesRead / size : 0) * 10) !== lastTenth || now - lastAt >= 5000
      )
        show(latest);
    },
    done() {
      if (latest && latest !== shown) show(latest);
      if (sink.tty && shown) sink.write('\n');
    },
  };
}

function rejectLine(r: ImportReject): string {
  const what = r.problems.map((p) => `${p.header ? `«${p.header}» ` : ''}${p.message}`).join('; ');
  return `  row ${r.row}: ${what}`;
}

export function registerContactCommands(program: Command, rt: Runtime): void {
  const { io } = rt;
  const contacts = program
    .command('contacts')
    .description('contacts: import from CSV or XLSX, export (AU-8)');

  contacts
    .command('import')
    .description('import contacts (and their plots and accounts) from a CSV or XLSX file')
    .argument('<file>', 'the file: CSV (UTF-8, UTF-16 or Windows-1251; , ; or tab) or XLSX')
    .option('--mapping <json>', 'the columns as JSON, header → target (default: suggested from the headers)')
    .option(
      '--map <header=target>',
      'one column, e.g. "Моб. телефон=phone" (repeatable; "Header=" skips the column)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--format <format>', 'csv or xlsx (default: by the file name or its contents)')
    .option('--dry-run', 'check every row and report, store nothing')
    .option('--json', 'print the summary as JSON')
    .option(...ORG)
    .action(
      async (
        file: string,
        o: {
          mapping?: string;
          map: string[];
          format?: string;
          dryRun?: boolean;
          json?: boolean;
          org?: string;
        },
      ) => {
        if (o.format !== undefined && o.format !== 'csv' && o.format !== 'xlsx')
          throw new CliError(`--format ${o.format}: use csv or xlsx`);
        if (rt.serverDb && !rt.inputFile)
          throw new CliError(
            'contacts import must send its file to the server: run it with the vestnik command',
          );
        const local = rt.inputFile ? rt.inputFile(file) : file;
        let size: number;
        try {
          const st = fs.statSync(local);
          if (!st.isFile()) throw new Error('not a file');
          size = st.size;
        } catch (err) {
          throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
        }
        const format = detectFormat(local, o.format, file);
        const suggested = o.map.length ? (await previewFile(local, format, { rows: 0 })).suggested : {};
        const mapping = parseMapping(o.mapping, o.map, suggested);
        const summary = await withDb(rt, 'contacts import', async (db) => {
          const orgId = await resolveOrg(db, o.org);
          const job = await insertImportJob(db, orgId, {
            format,
            fileName: path.basename(file),
            sizeBytes: size,
            spool: null,
            createdBy: 'cli',
          });
          await startImportJob(db, orgId, job.id, {
            mapping: {},
            dryRun: Boolean(o.dryRun),
            from: ['uploaded'],
          });
          const progress = progressPrinter(rt, size);
          try {
            const s = await runImportJob(
              db,
              { orgId, id: job.id },
              {
                format,
                open: () => openFile(local),
                mapping,
                dryRun: o.dryRun,
                onProgress: (c) => progress.update(c),
              },
            );
            return { ...s, jobId: job.id };
          } catch (err) {
            if (err instanceof ImportMappingError)
              throw new CliError(
                `the column mapping cannot be used:\n${err.problems.map((p) => `  ${p.field}: ${p.message}`).join('\n')}\n` +
                  'map the columns with --map "Header=target" or --mapping JSON (targets: externalId, fullName, lastName, ' +
                  'firstName, middleName, phone, email, telegramChatId, timeZone, gender, birthDate, object.plot, ' +
                  'object.account, object.charges, object.debt, attributes.NAME)',
              );
            throw err;
          } finally {
            progress.done();
          }
        });
        if (o.json) {
          const { info, ...rest } = summary;
          printJson(io, { ...rest, encoding: info?.encoding ?? null, delimiter: info?.delimiter ?? null });
          return;
        }
        const info = summary.info;
        const how = [
          info?.format,
          info?.encoding && info.encoding !== 'ascii' ? info.encoding : null,
          info?.delimiter ? `delimiter ${info.delimiter === '\t' ? 'tab' : info.delimiter}` : null,
        ]
          .filter(Boolean)
          .join(', ');
        const lines = [
          `${summary.dryRun ? 'Checked' : 'Imported'} ${path.basename(file)} (${how}): ${n(summary.processed)} rows`,
          ...(summary.dryRun
            ? [`  valid     ${n(summary.processed - summary.rejected)} (dry run: nothing stored)`]
            : [`  created   ${n(summary.created)}`, `  updated   ${n(summary.updated)}`]),
          `  rejected  ${n(summary.rejected)}`,
          ...Object.entries(summary.rejectedByReason)
            .sort((a, b) => b[1] - a[1])
            .map(([reason, count]) => `    ${reason.padEnd(26)} ${n(count)}`),
        ];
        if (!summary.dryRun && summary.objects > 0)
          lines.splice(3, 0, `  objects   ${n(summary.objects)} plots and accounts`);
        if (summary.firstRejects.length) {
          lines.push('First rejected rows:', ...summary.firstRejects.map(rejectLine));
          if (summary.rejected > summary.firstRejects.length)
            lines.push(`All ${n(summary.rejected)}: GET /api/v1/imports/${summary.jobId}/rejects`);
        }
        io.out(lines.join('\n'));
      },
    );

  contacts
    .command('export')
    .description('export contacts to CSV (; and UTF-8 with BOM, as Excel reads it) or XLSX')
    .option('--format <format>', 'csv or xlsx (default: by the -o file name, else csv)')
    .option('-o, --output <file>', 'where to write (default: standard output)')
    .option('--list <id>', 'only the contacts of this list')
    .option(...ORG)
    .action(async (o: { format?: string; output?: string; list?: string; org?: string }) => {
      const format = o.format ?? (o.output?.toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'csv');
      if (format !== 'csv' && format !== 'xlsx') throw new CliError(`--format ${format}: use csv or xlsx`);
      const listId = o.list === undefined ? undefined : parseId(o.list, 'list');
      if (rt.serverDb && !rt.outputFile)
        throw new CliError('contacts export must send its file back: run it with the vestnik command');
      const count = await withDb(rt, 'contacts export', async (db) => {
        const orgId = await resolveOrg(db, o.org);
        const sel = await exportSelection(db, orgId, { listId });
        if (!sel.ok) throw new CliError(sel.problems.map((p) => `--list ${o.list}: ${p.message}`).join('\n'));
        const out: Writable = rt.outputFile
          ? rt.outputFile()
          : o.output
            ? fs.createWriteStream(o.output)
            : stdoutStream();
        return exportContacts(db, orgId, format, sel.selection, out);
      });
      io.err(`Exported ${n(count)} contacts${o.output ? ` to ${o.output}` : ''} (${format})`);
    });
}

/** Standard output as a stream that export may end without closing the process's stdout. */
function stdoutStream(): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      if (process.stdout.write(chunk)) done();
      else process.stdout.once('drain', () => done());
    },
  });
}

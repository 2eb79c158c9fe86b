/**
 * `vestnik document`: files per object (issue 5 item 6). `upload OBJECT_ID FILE` stores one;
 * `upload-dir DIR` stores a directory of them, each for the object whose number is in its name
 * (seed 003: a receipt per account), and lists the files it could not place.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { matchFilesToObjects, RECEIPT, uploadDocument } from '../../services/documents.ts';
import type { Db } from '../../store/db.ts';
import { listDocumentsOfObject } from '../../store/documents.ts';
import { OBJECT_KINDS } from '../../store/objects.ts';
import { type FileSource, localFiles, readForSending, type SentFile, sentFiles } from '../files.ts';
import { CliError } from '../io.ts';
import { parseId, printJson, type Runtime, resolveOrg, withDb } from '../runtime.ts';

const ORG = ['--org <id>', 'the organisation (default: the only one)'] as const;
const KIND = ['--kind <kind>', 'what the document is', RECEIPT] as const;
const REASONS = {
  no_number: 'no object number in the name',
  ambiguous: 'the name has the numbers of several objects',
  duplicate: 'another file names the same object',
} as const;

const files = (rt: Runtime): FileSource => (rt.sentFiles ? sentFiles(rt.sentFiles) : localFiles);

async function store(db: Db, orgId: number, objectId: number, file: string, bytes: Buffer, kind: string) {
  const r = await uploadDocument(db, orgId, {
    objectId,
    kind,
    fileName: path.basename(file),
    content: bytes,
    by: 'cli',
  });
  if (!r.ok) {
    if ('notFound' in r)
      throw new CliError(`no object ${objectId} (see \`GET /api/v1/contacts/{id}/objects\`)`);
    throw new CliError(
      `${file}: ${r.problem.field === 'kind' ? '--kind' : r.problem.field}: ${r.problem.message}`,
    );
  }
  return r;
}

export function registerDocumentCommands(program: Command, rt: Runtime): void {
  const { io } = rt;
  const document = program
    .command('document')
    .description('documents per object: receipts that %kvit links to');

  document
    .command('upload')
    .description(
      'store a file as a document of the object (a new version; the same bytes again change nothing)',
    )
    .argument('<objectId>', 'the object (plot, account…)')
    .argument('<file>', 'the file, e.g. a PDF receipt')
    .option(...KIND)
    .option(...ORG)
    .action(async (objectId: string, file: string, o: { kind: string; org?: string }) => {
      const id = parseId(objectId, 'OBJECT_ID');
      const bytes = files(rt).read(file);
      const r = await withDb(rt, 'document upload', async (db) =>
        store(db, await resolveOrg(db, o.org), id, file, bytes, o.kind),
      );
      io.out(
        `${r.created ? 'Stored' : 'Already stored'}: document ${r.document.id}, ${r.document.fileName} (${r.document.contentType}, ${r.document.sizeBytes} bytes) of object ${id}`,
      );
    });

  document
    .command('upload-dir')
    .description('store every file of a directory for the object whose number is in its name (seed 003)')
    .argument('<dir>', 'the directory, e.g. of receipts «ЛС 00123.pdf»')
    .option(...KIND)
    .option('--object-kind <kind>', `match only objects of this kind: ${OBJECT_KINDS.join(', ')}`)
    .option('--dry-run', 'only show which file would go to which object')
    .option(...ORG)
    .action(async (dir: string, o: { kind: string; objectKind?: string; dryRun?: boolean; org?: string }) => {
      if (o.objectKind !== undefined && !(OBJECT_KINDS as readonly string[]).includes(o.objectKind)) {
        throw new CliError(`--object-kind ${o.objectKind}: use ${OBJECT_KINDS.join(', ')}`);
      }
      const source = files(rt);
      const names = source.list(dir);
      if (names.length === 0) throw new CliError(`${dir}: no files`);
      const counts = { stored: 0, unchanged: 0, unmatched: 0 };
      await withDb(rt, 'document upload-dir', async (db) => {
        const orgId = await resolveOrg(db, o.org);
        for (const m of await matchFilesToObjects(db, orgId, names, o.objectKind)) {
          if (m.objectId === null) {
            counts.unmatched++;
            const numbers = m.numbers.length ? ` (${m.numbers.join(', ')})` : '';
            io.out(`not matched: ${m.file} — ${REASONS[m.reason]}${numbers}`);
            continue;
          }
          if (o.dryRun) {
            io.out(`${m.file} → ${m.number} (object ${m.objectId})`);
            continue;
          }
          const r = await store(db, orgId, m.objectId, m.file, source.read(path.join(dir, m.file)), o.kind);
          counts[r.created ? 'stored' : 'unchanged']++;
          io.out(
            `${m.file} → ${m.number} (object ${m.objectId}): ${r.created ? 'stored' : 'already stored'}, document ${r.document.id}`,
          );
        }
      });
      io.out(
        o.dryRun
          ? `${names.length - counts.unmatched} would be stored, ${counts.unmatched} not matched`
          : `${counts.stored} stored, ${counts.unchanged} already stored, ${counts.unmatched} not matched`,
      );
      if (counts.unmatched > 0) {
        throw new CliError(
          `${counts.unmatched} of ${names.length} files matched no object (listed above); rename them or use \`vestnik document upload OBJECT_ID FILE\``,
        );
      }
    });

  document
    .command('list')
    .description("the object's documents, newest first")
    .argument('<objectId>', 'the object')
    .option('--kind <kind>', 'only this kind')
    .option('--json', 'print as JSON')
    .option(...ORG)
    .action(async (objectId: string, o: { kind?: string; json?: boolean; org?: string }) => {
      const id = parseId(objectId, 'OBJECT_ID');
      const docs = await withDb(rt, 'document list', async (db) =>
        listDocumentsOfObject(db, await resolveOrg(db, o.org), id, o.kind),
      );
      if (o.json) return printJson(io, docs);
      for (const d of docs) {
        io.out(
          `${d.id}\t${d.kind}\t${d.fileName}\t${d.contentType}\t${d.sizeBytes}\t${d.uploadedAt.toISOString()}`,
        );
      }
    });
}

/** Options of these commands that take a value, to tell FILE and DIR from an option's value. */
const VALUED = new Set(['--kind', '--org', '--object-kind']);

/**
 * The files a `document upload` or `upload-dir` command line will read, read here to be sent to the
 * running server with the command (cli/main.ts); undefined for any other command.
 */
export function documentFilesToSend(argv: readonly string[]): SentFile[] | undefined {
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') return undefined;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a.length > 1) {
      if (!a.includes('=') && VALUED.has(a)) i++;
      continue;
    }
    positionals.push(a);
  }
  const [command, sub, first, second] = positionals;
  if (command !== 'document') return undefined;
  if (sub === 'upload' && second !== undefined) return readForSending([second]);
  if (sub === 'upload-dir' && first !== undefined) {
    return readForSending(localFiles.list(first).map((name) => path.join(first, name)));
  }
  return undefined;
}

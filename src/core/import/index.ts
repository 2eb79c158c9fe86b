/**
 * Contact import (AU-8), the pure part: a file's bytes in, accepted and rejected rows out, in file
 * order, one at a time. The caller upserts the accepted ones (by external id, else by phone) and
 * reports the rejected ones; nothing here touches the database.
 *
 *   const first = await preview(openFile(), { format: 'csv' });   // headers, suggestion, sample
 *   for await (const r of parseImport(openFile(), { format: 'csv', mapping })) …
 *
 * A stream can be read once, so preview and import each get their own (an upload is kept on disk
 * between the two).
 */
import type { Readable } from 'node:stream';
import type { FieldProblem } from '../result.ts';
import { openCsv } from './csv.ts';
import type { TextEncoding } from './decode.ts';
import { restoreQuoted } from './export.ts';
import { type ColumnMapping, checkMapping, suggestMapping } from './mapping.ts';
import { parseRow, type RowOutcome } from './rows.ts';
import type { Delimiter } from './sniff.ts';
import type { SheetRow, Table } from './table.ts';
import { openXlsx } from './xlsx.ts';

export type ImportFormat = 'csv' | 'xlsx';

export interface ImportInfo {
  format: ImportFormat;
  /** CSV: the encoding decided so far (`ascii` while only ASCII has been read); read live. */
  encoding: TextEncoding | null;
  delimiter: Delimiter | null;
  headers: string[];
  headerRow: number;
  /** The mapping used: the caller's, checked, or the suggestion. */
  mapping: ColumnMapping;
}

export interface ImportOptions {
  format: ImportFormat;
  /** header → target, a list of targets, or null; checked by checkMapping. Default: suggestMapping. */
  mapping?: Record<string, unknown>;
  /** YYYY-MM-DD that bounds birth dates; default today (UTC). */
  today?: string;
  /** Called once the header is read, before the first row. */
  onOpen?: (info: ImportInfo) => void;
}

/** The mapping is unusable; `problems` say why, with the header in each `field`. */
export class ImportMappingError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(`the column mapping cannot be used: ${problems.map((p) => p.message).join('; ')}`);
    this.name = 'ImportMappingError';
  }
}

/** Opens a file of either format as a table of rows. */
export function openTable(stream: Readable, format: ImportFormat): Promise<Table> {
  return format === 'xlsx' ? openXlsx(stream) : openCsv(stream);
}

const todayUtc = (): string => new Date().toISOString().slice(0, 10);

/** A row with the `'` that an export puts before `=`, `+`, `-`, `@` taken off again (export.ts). */
function unquoted(row: SheetRow): SheetRow {
  let cells: SheetRow['cells'] | undefined;
  for (const [header, cell] of Object.entries(row.cells)) {
    const restored = restoreQuoted(cell);
    if (restored === cell) continue;
    cells ??= { ...row.cells };
    cells[header] = restored;
  }
  return cells ? { ...row, cells } : row;
}

// `encoding` reads the table's decision when asked: it may be made only after the header, at the
// first non-ASCII byte, so an importer reads it again at the end.
const info = (table: Table, mapping: ColumnMapping): ImportInfo => ({
  format: table.format,
  get encoding() {
    return table.encoding ?? null;
  },
  delimiter: table.delimiter ?? null,
  headers: table.headers,
  headerRow: table.headerRow,
  mapping,
});

const resolveMapping = (table: Table, given: Record<string, unknown> | undefined) =>
  checkMapping(table.headers, given ?? suggestMapping(table.headers));

/**
 * Reads a whole file and yields each non-empty row, accepted or rejected, in file order. Throws
 * ImportMappingError before the first row when the mapping (given or suggested) cannot be used.
 */
export async function* parseImport(
  stream: Readable,
  options: ImportOptions,
): AsyncGenerator<RowOutcome, void, undefined> {
  const table = await openTable(stream, options.format);
  try {
    const checked = resolveMapping(table, options.mapping);
    if (!checked.ok) throw new ImportMappingError(checked.problems);
    options.onOpen?.(info(table, checked.value));
    const today = options.today ?? todayUtc();
    for await (const sheetRow of table.rows()) {
      const outcome = parseRow(unquoted(sheetRow), checked.value, today);
      if (outcome) yield outcome;
    }
  } finally {
    await table.close();
  }
}

export interface ImportPreview extends ImportInfo {
  /** What suggestMapping makes of the headers. */
  suggested: ColumnMapping;
  /** Why `mapping` cannot be used yet (empty when it can). */
  mappingProblems: FieldProblem[];
  /** The first non-empty data rows as read. */
  rows: SheetRow[];
  /** Those rows parsed with `mapping`; empty while the mapping has problems. */
  outcomes: RowOutcome[];
}

/**
 * Reads the header and the first `rows` non-empty data rows (default 10), then stops reading and
 * releases the stream: what the operator sees before choosing the mapping and starting the import.
 */
export async function preview(
  stream: Readable,
  options: Omit<ImportOptions, 'onOpen'> & { rows?: number },
): Promise<ImportPreview> {
  const table = await openTable(stream, options.format);
  const rows: SheetRow[] = [];
  try {
    const limit = options.rows ?? 10;
    if (limit > 0) {
      for await (const row of table.rows()) {
        if (Object.values(row.cells).some((c) => c !== null) || row.overflow || row.broken)
          rows.push(unquoted(row));
        if (rows.length >= limit) break;
      }
    }
  } finally {
    await table.close();
  }
  const suggested = suggestMapping(table.headers);
  const checked = resolveMapping(table, options.mapping);
  const mapping = checked.ok ? checked.value : ((options.mapping as ColumnMapping | undefined) ?? suggested);
  const today = options.today ?? todayUtc();
  return {
    ...info(table, mapping),
    suggested,
    mappingProblems: checked.ok ? [] : checked.problems,
    rows,
    outcomes: checked.ok ? rows.flatMap((r) => parseRow(r, checked.value, today) ?? []) : [],
  };
}

/**
 * An XLSX file as a stream of rows (AU-8), through exceljs's streaming WorkbookReader: the sheet's
 * XML is parsed as it is unzipped, one row at a time, so memory stays flat however many rows there
 * are. What it does hold is the shared-strings table (the file's distinct texts, which an XLSX
 * keeps in one part that every sheet refers to); that is the format's design, not ours.
 *
 * Only the first worksheet is read. Its first non-empty row is the header; row numbers are the ones
 * the sheet shows (exceljs reports each row's own number, and empty rows are simply absent). Cells
 * keep their type: numbers stay numbers (an exact phone, an Excel date serial, an amount), date
 * cells become Dates (styles are read for that), formulas give their cached result, rich text its
 * plain text, and error cells their code (`#N/A`), which then fails as any other wrong value.
 */
import type { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { tableHeaders } from './mapping.ts';
import { isEmptyRow, type SheetRow, sheetRow, type Table } from './table.ts';
import { type CellValue, cellText } from './values.ts';

/** An exceljs cell value (number, string, Date, rich text, formula, hyperlink, error) → CellValue. */
function cellValue(v: unknown): CellValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return v;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText)) {
      return (o.richText as { text?: unknown }[])
        .map((r) => (typeof r.text === 'string' ? r.text : ''))
        .join('');
    }
    if ('formula' in o || 'sharedFormula' in o) return cellValue(o.result);
    if ('hyperlink' in o || 'text' in o) return cellValue(o.text);
    if (typeof o.error === 'string') return o.error;
  }
  return null;
}

/** A row's values from exceljs (1-based, sparse) → 0-based CellValues. */
function rowValues(values: unknown): CellValue[] {
  if (!Array.isArray(values)) return [];
  const out: CellValue[] = [];
  for (let i = 1; i < values.length; i++) out.push(cellValue(values[i]));
  while (out.length > 0 && out[out.length - 1] === null) out.pop();
  return out;
}

/** How much of a sheet's end is kept to find its closing tag (whitespace or a comment may follow). */
const TAIL = 1024;

/** Thrown by wholeSheet; the row after which the rest is missing is added by the reader. */
class SheetCutShort extends Error {}

/**
 * exceljs parses a sheet's XML without closing its parser at the end, so a sheet cut short — a
 * damaged file, or a zip entry not read whole — reads as a sheet with fewer rows, silently. The
 * sheet's bytes pass through here on their way to exceljs: when they end before the closing tag of
 * the root element, reading fails with an error instead of losing the rest of the rows.
 */
export async function* wholeSheet(source: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer | string> {
  let tail = '';
  for await (const chunk of source) {
    // latin1 keeps every byte as one character: enough to find an ASCII tag in UTF-8.
    tail = (tail + (typeof chunk === 'string' ? chunk : chunk.toString('latin1'))).slice(-TAIL);
    yield chunk;
  }
  if (!/<\/(?:[\w.-]+:)?worksheet\s*>/.test(tail))
    throw new SheetCutShort(
      'the first worksheet of the file ends before its closing tag: the file is damaged or incomplete',
    );
}

/**
 * Opens an XLSX file: reads as far as the header row of its first worksheet, and returns the table
 * whose rows() reads the rest. A file with no worksheet, or an empty one, has no headers and no rows.
 */
export async function openXlsx(source: Readable): Promise<Table> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const sheets = workbook[Symbol.asyncIterator]();
  const first = await sheets.next();
  // exceljs's name for the stream a WorksheetReader reads: a zip entry, or a temporary copy (below).
  type Reader = { iterator?: AsyncIterable<Buffer | string> & { destroy?: () => void } };
  const own = first.done ? undefined : (first.value as unknown as Reader).iterator;
  if (own) (first.value as unknown as Reader).iterator = wholeSheet(own);
  const sheetRows = first.done ? null : first.value[Symbol.asyncIterator]();

  let headers: string[] = [];
  let headerRow = 0;
  if (sheetRows) {
    for (let next = await sheetRows.next(); !next.done; next = await sheetRows.next()) {
      const values = rowValues(next.value.values);
      if (isEmptyRow(values)) continue;
      headerRow = next.value.number;
      headers = tableHeaders(values.map((v) => cellText(v)));
      break;
    }
  }

  // exceljs parses a sheet straight from the zip only when the shared strings came before it; a
  // sheet that comes first (Excel and exceljs itself write them so) is copied to a temporary file and
  // parsed after the whole zip is read. It deletes that copy, and closes its descriptor, only when
  // its own loop runs on past the sheet — not when it is stopped. So, in that case, the loop is run
  // to its end, every further sheet's stream destroyed unread: cheap, as the zip is already read.
  const stream = (sheet: unknown) => (sheet as Reader | undefined)?.iterator;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await sheetRows?.return?.(undefined);
    const copied = typeof own?.destroy === 'function';
    own?.destroy?.();
    if (copied) {
      for (let next = await sheets.next(); !next.done; next = await sheets.next())
        stream(next.value)?.destroy?.();
    } else {
      await sheets.return?.(undefined);
    }
    source.destroy();
  };

  async function* rows(): AsyncGenerator<SheetRow, void, undefined> {
    if (!sheetRows) return;
    let last = headerRow;
    try {
      for (let next = await sheetRows.next(); !next.done; next = await sheetRows.next()) {
        last = next.value.number;
        yield sheetRow(last, headers, rowValues(next.value.values));
      }
    } catch (err) {
      if (!(err instanceof SheetCutShort)) throw err;
      throw new Error(
        `the first worksheet of the file ends after row ${last}, before its closing tag: the file is damaged or incomplete, and its rows after ${last} could not be read`,
      );
    } finally {
      await close();
    }
  }

  return { format: 'xlsx', headers, headerRow, rows, close };
}

/**
 * A CSV file as a stream of rows (AU-8): bytes → text (decode.ts, which also drops the BOM) →
 * delimiter sniffed from the beginning (sniff.ts) → csv-parse → one row at a time, so a file of a
 * million rows is never in memory: what is held is one text chunk and the records parsed from it.
 *
 * csv-parse runs with relaxed quotes (a quote inside an unquoted cell, `5" диск`, is a character,
 * as Excel writes it) and relaxed column counts (a short row has empty trailing cells; a long one's
 * extra cells go to `overflow`, and the row parser refuses them). Blank lines are kept as empty
 * records, so row numbers stay those a spreadsheet shows; the row parser skips them.
 *
 * A cell over CELL_LIMIT characters is cut down before csv-parse (longCells.ts) and its row comes
 * out `broken` as too long, the rows after it read as usual. A quote that is never closed swallows
 * the rest of the file into one cell; csv-parse stops at the end of the file, and that row comes out
 * `broken` with the reason, after every row before it.
 */
import { type CsvError, parse } from 'csv-parse';
import { createDecoder, decodeStream } from './decode.ts';
import { CELL_LIMIT, cutLongCells, LONG_CELL_MARK, RECORD_LIMIT } from './longCells.ts';
import { columnLetter, tableHeaders } from './mapping.ts';
import { type Delimiter, sniffDelimiter } from './sniff.ts';
import { isEmptyRow, type SheetRow, sheetRow, type Table } from './table.ts';

/** Text read before sniffing: enough for dozens of records, small enough not to matter. */
const SNIFF_CHARS = 64 * 1024;
const SNIFF_LINES = 20;
/**
 * csv-parse's own limit, a safety net: longCells.ts keeps a record's cells within RECORD_LIMIT, and
 * this leaves room for the marks of a record of many cut cells.
 */
const MAX_RECORD_SIZE = 2 * RECORD_LIMIT;

type Parsed = { record: string[] } | { broken: string };

/** Records of `text` as csv-parse reads them, the error (if any) last, after every good record. */
async function* records(text: AsyncIterable<string>, delimiter: Delimiter): AsyncGenerator<Parsed> {
  const queue: string[][] = [];
  let failure: CsvError | null = null;
  // Records are taken in on_record (and filtered out of the stream), so a parse error, which
  // destroys the stream, cannot drop records still sitting in its buffer.
  const parser = parse({
    delimiter,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: false,
    bom: false,
    max_record_size: MAX_RECORD_SIZE,
    on_record: (record: string[]) => {
      queue.push(record);
      return null;
    },
  });
  parser.on('error', (e: CsvError) => {
    failure ??= e;
  });
  parser.resume();
  // The callbacks of write and end carry the parse error, so it is known before the next write.
  const send = (chunk: string | null) =>
    new Promise<void>((resolve) => {
      const done = (err?: Error | null) => {
        if (err) failure ??= err as CsvError;
        resolve();
      };
      if (chunk === null) parser.end(done);
      else parser.write(chunk, done);
    });
  try {
    // Taken out of the queue whole: shift() moves every element after the first, so draining a
    // chunk of thousands of records one shift at a time costs its length squared.
    const drain = function* (): Generator<Parsed> {
      for (const record of queue.splice(0, queue.length)) yield { record };
    };
    for await (const chunk of text) {
      await send(chunk);
      yield* drain();
      if (failure) break;
    }
    if (!failure) await send(null);
    yield* drain();
    if (failure) yield { broken: explain(failure) };
  } finally {
    parser.destroy();
  }
}

function explain(e: CsvError): string {
  if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
    return 'a quote opened in this row is never closed, so the rest of the file reads as one cell; close it or remove it';
  }
  return `the file cannot be read past this row: ${e.message}`;
}

/**
 * Why a record is refused as too long (a cell cut by longCells.ts), naming the cell; undefined when
 * it is not. reasons.ts knows the message by its start: `cell_too_long`.
 */
function tooLong(record: readonly string[], headers: readonly string[]): string | undefined {
  const at = record.findIndex((cell) => cell.includes(LONG_CELL_MARK));
  if (at < 0) return undefined;
  const name = headers[at] ?? `Column ${columnLetter(at)}`;
  return (
    `has a cell longer than ${CELL_LIMIT.toLocaleString('en')} characters («${name}», column ` +
    `${columnLetter(at)}): the row is left out; shorten that cell`
  );
}

/** Yields `head` first, then the rest of an iterator that was started to read it. */
async function* resume(head: string, rest: AsyncIterator<string>): AsyncGenerator<string> {
  try {
    if (head) yield head;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    await rest.return?.();
  }
}

/**
 * Opens a CSV file: reads as far as the header row, and returns the table whose rows() reads the
 * rest. `source` is a Node Readable of bytes (or any async iterable of byte chunks).
 */
export async function openCsv(source: AsyncIterable<Uint8Array>): Promise<Table> {
  const decoder = createDecoder();
  const text = decodeStream(source, decoder)[Symbol.asyncIterator]();
  let head = '';
  let ended = false;
  let lines = 0;
  while (head.length < SNIFF_CHARS && lines < SNIFF_LINES) {
    const next = await text.next();
    if (next.done) {
      ended = true;
      break;
    }
    head += next.value;
    lines = head.split('\n', SNIFF_LINES + 1).length - 1;
  }
  const delimiter = sniffDelimiter(head, ended);
  const parsed = records(cutLongCells(resume(head, text), delimiter), delimiter);

  let row = 0;
  let headerRow = 0;
  let headers: string[] = [];
  let pending: SheetRow | null = null;
  // The header is the first row that is not empty; rows above it are skipped.
  for (let next = await parsed.next(); !next.done; next = await parsed.next()) {
    row++;
    if ('broken' in next.value) {
      pending = { row, cells: {}, broken: next.value.broken };
      break;
    }
    if (isEmptyRow(next.value.record)) continue;
    const long = tooLong(next.value.record, []);
    if (long) {
      pending = { row, cells: {}, broken: long };
      break;
    }
    headerRow = row;
    headers = tableHeaders(next.value.record);
    break;
  }

  async function* rows(): AsyncGenerator<SheetRow, void, undefined> {
    try {
      if (pending) {
        yield pending;
        return;
      }
      for await (const item of parsed) {
        row++;
        if ('broken' in item) {
          yield { row, cells: sheetRow(row, headers, []).cells, broken: item.broken };
          return;
        }
        const long = tooLong(item.record, headers);
        if (long) {
          const cut = item.record.map((cell) =>
            cell.includes(LONG_CELL_MARK) ? `${cell.slice(0, 100)}…` : cell,
          );
          yield { ...sheetRow(row, headers, cut), broken: long };
        } else yield sheetRow(row, headers, item.record);
      }
    } finally {
      await parsed.return(undefined);
    }
  }

  return {
    format: 'csv',
    headers,
    headerRow,
    delimiter,
    get encoding() {
      return decoder.encoding;
    },
    rows,
    close: async () => {
      await parsed.return(undefined);
    },
  };
}

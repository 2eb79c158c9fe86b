/**
 * Over-long CSV cells cut down before csv-parse sees them (AU-8, issue 20 item 11). csv-parse holds
 * a whole record in memory and gives up on one larger than its limit, with the same error as a quote
 * never closed — the rows after it were lost. This pass walks the text with csv-parse's own quoting
 * rules (relax_quotes: a quote opens a cell only at its start; `""` inside a quoted cell is one
 * quote; a closing quote not followed by a delimiter or a line end is kept as a character and the
 * cell goes on unquoted) and drops the characters of a cell past CELL_LIMIT, or of a record past
 * RECORD_LIMIT, putting LONG_CELL_MARK in their place once. Quotes, delimiters and line ends always
 * pass, so csv-parse sees the same records in the same places; csv.ts rejects a record with the mark
 * as `cell_too_long` and reads on. A quote that is really never closed still reaches the end of the
 * file and is reported as before, having held at most a record's worth of text.
 */

/** Characters one cell may have (1 MiB of text): more is no contact's field. */
export const CELL_LIMIT = 1 << 20;
/** Characters a record's cells may have together. */
export const RECORD_LIMIT = 4 << 20;
/**
 * Put where a cell's dropped characters were: no quote, delimiter or line end in it, and characters
 * (NUL, U+FFFF) that no text a person typed has.
 */
export const LONG_CELL_MARK = '\u0000\uffffcell too long\uffff\u0000';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

enum At {
  /** The start of a cell: a quote here opens a quoted cell. */
  CellStart,
  Unquoted,
  Quoted,
  /** Inside a quoted cell, just after a quote: the next character says what the quote was. */
  QuotedQuote,
}

/** Text chunks → the same chunks with over-long cells cut down (see the module's comment). */
export async function* cutLongCells(text: AsyncIterable<string>, delimiter: string): AsyncGenerator<string> {
  const delim = delimiter.charCodeAt(0);
  let at: At = At.CellStart;
  let cell = 0;
  let record = 0;
  let marked = false;
  for await (const chunk of text) {
    let out = '';
    let from = 0;
    const endCell = (endsRecord: boolean) => {
      at = At.CellStart;
      cell = 0;
      marked = false;
      if (endsRecord) record = 0;
    };
    // One character of a cell's content: kept while the cell and its record are within their limits.
    const content = (i: number, width: number) => {
      cell++;
      record++;
      if (cell <= CELL_LIMIT && record <= RECORD_LIMIT) return;
      out += chunk.slice(from, i);
      if (!marked) out += LONG_CELL_MARK;
      marked = true;
      from = i + width;
    };
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      switch (at) {
        case At.CellStart:
        case At.Unquoted:
          if (c === QUOTE && at === At.CellStart) at = At.Quoted;
          else if (c === delim) endCell(false);
          else if (c === LF || c === CR) endCell(true);
          else {
            at = At.Unquoted;
            content(i, 1);
          }
          break;
        case At.Quoted:
          if (c === QUOTE) at = At.QuotedQuote;
          else content(i, 1);
          break;
        case At.QuotedQuote:
          if (c === QUOTE) {
            // `""`: one quote of content; both characters go when it is dropped. When the first one
            // ended the previous chunk it has gone out already, and a lone quote would close the
            // cell for csv-parse: this one is kept too (one character more, once a chunk at most).
            at = At.Quoted;
            if (i > 0) content(i - 1, 2);
            else {
              cell++;
              record++;
            }
          } else if (c === delim) endCell(false);
          else if (c === LF || c === CR) endCell(true);
          else {
            at = At.Unquoted;
            content(i, 1);
          }
          break;
      }
    }
    out += chunk.slice(from);
    if (out) yield out;
  }
}

/**
 * Which character separates the cells of a CSV file (AU-8). Excel on a Russian Windows writes `;`
 * (the comma is the decimal separator there), everything else writes `,`, and «text (tab
 * delimited)» writes tabs. Nobody says which, so it is read off the first records.
 *
 * Each candidate is tried as the delimiter in turn, with quotes read the way the CSV parser will
 * read them under that delimiter (a quote opens a quoted cell only at the start of a cell), so a
 * `;` inside `"Иванов; Петров"` does not count for `;` when `,` is the delimiter. A candidate wins
 * by appearing in the header and the same number of times in every record — a decimal comma in a
 * `;` file appears in some rows and not others — and, between equally regular candidates, by
 * appearing more often.
 */

export type Delimiter = ',' | ';' | '\t';

/** Candidates in the order that breaks a tie: tab and `;` almost never occur inside values. */
const CANDIDATES: readonly Delimiter[] = ['\t', ';', ','];

/** How many records are looked at; more would not change the answer on a real file. */
const MAX_RECORDS = 50;

/**
 * Counts `delimiter` outside quoted cells in each record of `text`. The last record counts only if
 * the text is `final` (otherwise it may be cut in the middle); blank lines are left out.
 */
function countPerRecord(text: string, delimiter: Delimiter, final: boolean): number[] {
  const counts: number[] = [];
  let count = 0;
  let blank = true;
  let atCellStart = true;
  let inQuotes = false;
  const endRecord = () => {
    if (!blank) counts.push(count);
    count = 0;
    blank = true;
    atCellStart = true;
  };
  for (let i = 0; i < text.length && counts.length < MAX_RECORDS; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') i++;
        else inQuotes = false;
      }
      continue;
    }
    if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      continue;
    }
    blank = false;
    if (ch === delimiter) {
      count++;
      atCellStart = true;
      continue;
    }
    if (ch === '"' && atCellStart) inQuotes = true;
    atCellStart = false;
  }
  if (final && counts.length < MAX_RECORDS) endRecord();
  return counts;
}

/**
 * The delimiter of a CSV file from its beginning (`head`: decoded text, at least a few lines).
 * `final` says that `head` is the whole file, so its last line is complete. A file with one column
 * has no delimiter to find; `,` is returned for it, which parses it the same as any other.
 */
export function sniffDelimiter(head: string, final = false): Delimiter {
  let best: { delimiter: Delimiter; regular: number; perRecord: number } | null = null;
  for (const delimiter of CANDIDATES) {
    const counts = countPerRecord(head, delimiter, final);
    // A file cut before its first line break still has its header as the only (partial) record.
    if (counts.length === 0) counts.push(...countPerRecord(head, delimiter, true).slice(0, 1));
    const header = counts[0] ?? 0;
    if (header === 0) continue;
    const rest = counts.slice(1);
    const regular = rest.length === 0 ? 1 : rest.filter((c) => c === header).length / rest.length;
    if (
      !best ||
      regular > best.regular ||
      (regular === best.regular && header > best.perRecord) // ties keep the earlier candidate
    ) {
      best = { delimiter, regular, perRecord: header };
    }
  }
  return best?.delimiter ?? ',';
}

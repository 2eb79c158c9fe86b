/**
 * What the CSV and XLSX readers have in common (AU-8): a header row, then the data rows one at a
 * time, each keyed by header, so the row parser never knows which format it came from.
 */

import type { TextEncoding } from './decode.ts';
import { columnLetter } from './mapping.ts';
import type { Delimiter } from './sniff.ts';
import type { CellValue } from './values.ts';

export interface SheetRow {
  /** The row number the spreadsheet shows; the header is row 1. */
  row: number;
  /** Every header → its cell (null when empty or missing). */
  cells: Record<string, CellValue>;
  /** Non-empty cells past the header's last column, by column name (`Column F`). */
  overflow?: Record<string, CellValue>;
  /** What the reader found wrong with the row as a whole (a quote never closed). */
  broken?: string;
}

export interface Table {
  readonly format: 'csv' | 'xlsx';
  /** The header row as tableHeaders named it: trimmed, unique, `Column E` for an empty one. */
  readonly headers: string[];
  /** The row number of the header (1 unless the rows above it are empty). */
  readonly headerRow: number;
  /** CSV only: the encoding decided so far (`ascii` until a non-ASCII byte is seen). */
  readonly encoding?: TextEncoding;
  /** CSV only: the delimiter sniffed from the first records. */
  readonly delimiter?: Delimiter;
  /** The data rows after the header, in file order; can be iterated once. */
  rows(): AsyncGenerator<SheetRow, void, undefined>;
  /** Stops reading and releases the source (also done when the rows are read to the end). */
  close(): Promise<void>;
}

const isEmpty = (v: CellValue | undefined): boolean =>
  v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

/** A data row from its cells in column order (index 0 is column A). */
export function sheetRow(row: number, headers: readonly string[], values: readonly CellValue[]): SheetRow {
  const cells: Record<string, CellValue> = {};
  headers.forEach((header, i) => {
    const v = values[i];
    cells[header] = isEmpty(v) ? null : v!;
  });
  let overflow: Record<string, CellValue> | undefined;
  for (let i = headers.length; i < values.length; i++) {
    const v = values[i];
    if (isEmpty(v)) continue;
    overflow ??= {};
    overflow[`Column ${columnLetter(i)}`] = v!;
  }
  return overflow ? { row, cells, overflow } : { row, cells };
}

/** Whether a row of raw cells is empty (the readers skip empty rows above the header). */
export const isEmptyRow = (values: readonly CellValue[]): boolean => values.every(isEmpty);

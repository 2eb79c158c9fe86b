/**
 * Import edges (issue 20 item 11): a CSV cell over a mebibyte is its own row's rejection
 * (`cell_too_long`, with the row number), and every valid row after it is kept; a phone that a
 * spreadsheet stored as 7.91E+10 in an XLSX number cell is a spoiled number, not +79100000000.
 */
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import { parseImport } from '../../src/core/import/index.ts';
import { CELL_LIMIT } from '../../src/core/import/longCells.ts';
import { reasonsOf } from '../../src/core/import/reasons.ts';
import type { RowOutcome } from '../../src/core/import/rows.ts';

const TODAY = '2025-06-15';

const chunked = (bytes: Buffer, size: number) =>
  Readable.from(
    (function* () {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    })(),
  );

async function all(bytes: Buffer, format: 'csv' | 'xlsx', size = 65_536): Promise<RowOutcome[]> {
  const out: RowOutcome[] = [];
  for await (const r of parseImport(chunked(bytes, size), { format, today: TODAY })) out.push(r);
  return out;
}

const phoneOf = (i: number) => `+7912${String(10_000_000 + i).slice(1)}`;
const validRow = (i: number) => `Иванов${i};Иван;8912${String(10_000_000 + i).slice(1)};Тихая`;

/** Rows 2–4 valid, row 5 with `long` as its comment, rows 6–9 valid. */
function csvWithLongCell(long: string): Buffer {
  const lines = ['Фамилия;Имя;Телефон;Комментарий'];
  for (let i = 0; i < 3; i++) lines.push(validRow(i));
  lines.push(`Петров;Пётр;89120000099;${long}`);
  for (let i = 3; i < 7; i++) lines.push(validRow(i));
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}

function assertLongRowAlone(rows: RowOutcome[]) {
  assert.equal(rows.length, 8, 'every row is read, none lost after the long one');
  const rejected = rows.filter((r) => r.status === 'rejected');
  assert.deepEqual(
    rejected.map((r) => r.row),
    [5],
  );
  const problems = rejected[0]!.status === 'rejected' ? rejected[0]!.problems : [];
  assert.deepEqual(reasonsOf(problems), ['cell_too_long']);
  assert.match(
    problems[0]!.message,
    /^has a cell longer than 1,048,576 characters \(«Комментарий», column D\)/,
  );
  const accepted = rows.filter((r) => r.status === 'accepted');
  assert.deepEqual(
    accepted.map((r) => r.row),
    [2, 3, 4, 6, 7, 8, 9],
  );
  assert.deepEqual(
    accepted.map((r) => (r.status === 'accepted' ? r.contact.phone : '')),
    [0, 1, 2, 3, 4, 5, 6].map(phoneOf),
  );
}

test('a CSV cell of 1.2 MB (unquoted) rejects its row as cell_too_long; the rows after it are kept', async () => {
  assertLongRowAlone(await all(csvWithLongCell('я'.repeat(1_200_000)), 'csv'));
});

test('a quoted 1.2 MB cell with delimiters, line ends and doubled quotes across chunk ends: the same', async () => {
  // `""` pairs, `;` and line ends inside the quotes; chunks of an odd size split the pairs.
  const body = 'a""b;c\r\nd'.repeat(Math.ceil(1_200_000 / 9));
  assertLongRowAlone(await all(csvWithLongCell(`"${body}"`), 'csv', 4_099));
  // Just under the limit the cell is read whole and the row is accepted.
  const under = await all(csvWithLongCell('б'.repeat(CELL_LIMIT - 10)), 'csv');
  assert.equal(under.filter((r) => r.status === 'rejected').length, 0);
});

test('a quote never closed still reports the rest of the file as one broken row', async () => {
  const rows = await all(csvWithLongCell(`"${'x'.repeat(1_200_000)}`), 'csv');
  assert.deepEqual(
    rows.map((r) => r.row),
    [2, 3, 4, 5],
  );
  const last = rows.at(-1)!;
  assert.equal(last.status, 'rejected');
  const problems = last.status === 'rejected' ? last.problems : [];
  assert.equal(reasonsOf(problems)[0], 'broken_row');
  assert.match(problems.map((p) => p.message).join('\n'), /a quote opened in this row is never closed/);
});

async function xlsx(rows: ExcelJS.CellValue[][]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => out.on('end', resolve));
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: true });
  const ws = wb.addWorksheet('Лист1');
  rows.forEach((cells, i) => {
    const row = ws.getRow(i + 1);
    row.values = cells;
    row.commit();
  });
  ws.commit();
  await wb.commit();
  await done;
  return Buffer.concat(chunks);
}

test('7.91e10 and 7.91E+10 in XLSX number cells are spoiled numbers; 79123456789 is a phone', async () => {
  const bytes = await xlsx([
    ['Фамилия', 'Телефон'],
    ['Иванов', 7.91e10],
    ['Петров', Number('7.91E+10')],
    ['Сидоров', 79123456789],
    ['Кузнецов', 7.91235e10],
    ['Смирнов', 89123400001],
  ]);
  const rows = await all(bytes, 'xlsx');
  assert.deepEqual(
    rows.map((r) => [r.row, r.status]),
    [
      [2, 'rejected'],
      [3, 'rejected'],
      [4, 'accepted'],
      [5, 'rejected'],
      [6, 'accepted'],
    ],
  );
  for (const r of rows) {
    if (r.status !== 'rejected') continue;
    assert.deepEqual(reasonsOf(r.problems), ['spoiled_number']);
    assert.equal(r.problems[0]!.header, 'Телефон');
  }
  const first = rows[0]!;
  assert.match(
    first.status === 'rejected' ? first.problems[0]!.message : '',
    /`79100000000` was spoiled by a spreadsheet \(scientific notation: 7\.91E\+10/,
  );
  assert.deepEqual(
    rows.filter((r) => r.status === 'accepted').map((r) => (r.status === 'accepted' ? r.contact.phone : '')),
    ['+79123456789', '+79123400001'],
  );
});

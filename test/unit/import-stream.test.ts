/**
 * Import streaming (AU-8): a large CSV is read one row at a time with flat memory, and a quote left
 * open does not make the reader swallow the rest of the file into memory.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { parseImport } from '../../src/core/import/index.ts';

const TODAY = '2025-06-15';
const ROWS = 200_000;

/** 200,000 rows in Windows-1251, generated as they are read: the file never exists in memory. */
function* file(): Generator<Buffer> {
  yield iconv.encode('Лицевой счёт;ФИО;Телефон;Дата рождения;Пол;Долг\r\n', 'win1251');
  let batch = '';
  for (let i = 0; i < ROWS; i++) {
    // Every 1,000th row has a broken phone: it must come out rejected with its number.
    const phone = i % 1000 === 999 ? '8 (912) 34' : `8912${String(i).padStart(7, '0')}`;
    batch += `ЛС-${i};Иванов Иван Иванович;${phone};31.12.1980;${i % 2 ? 'М' : 'Ж'};${i % 5000},50\r\n`;
    if (i % 500 === 499) {
      yield iconv.encode(batch, 'win1251');
      batch = '';
    }
  }
  if (batch) yield iconv.encode(batch, 'win1251');
}

test('200,000 CSV rows stream through with bounded heap growth and every row accounted for', async () => {
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  let accepted = 0;
  let rejected = 0;
  let expectedRow = 2;
  let encoding = '';
  for await (const r of parseImport(Readable.from(file()), {
    format: 'csv',
    today: TODAY,
    onOpen: (info) => {
      encoding = `${info.encoding} ${JSON.stringify(info.delimiter)}`;
    },
  })) {
    assert.equal(r.row, expectedRow);
    expectedRow++;
    if (r.status === 'accepted') accepted++;
    else {
      rejected++;
      assert.equal((r.row - 2) % 1000, 999);
    }
    if ((r.row & 0x3fff) === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  assert.equal(encoding, 'windows-1251 ";"');
  assert.equal(accepted, ROWS - ROWS / 1000);
  assert.equal(rejected, ROWS / 1000);
  const growth = (peak - before) / 1024 / 1024;
  // Holding the rows would take hundreds of MB; reading one at a time stays within tens.
  assert.ok(growth < 100, `heap grew by ${growth.toFixed(1)} MB`);
});

test('a quote left open stops at 1 MiB of one record instead of reading the whole rest into memory', async () => {
  function* open(): Generator<Buffer> {
    yield Buffer.from('Телефон;Имя\n89123456789;Иван\n"89123456780;Пётр\n');
    // 4 MiB more after the open quote: the reader must give up long before its end.
    const chunk = Buffer.from('89123456781;Сидор\n'.repeat(4096));
    for (let i = 0; i < 64; i++) yield chunk;
  }
  const source = Readable.from(open());
  const out = [];
  for await (const r of parseImport(source, { format: 'csv', today: TODAY })) out.push(r);
  assert.deepEqual(
    out.map((r) => [r.row, r.status, r.status === 'rejected' ? r.problems[0]!.message : '']),
    [
      [2, 'accepted', ''],
      [
        3,
        'rejected',
        'a quote opened in this row is never closed, so the rest of the file reads as one cell; close it or remove it',
      ],
    ],
  );
  assert.equal(source.destroyed, true);
});

/**
 * XLSX import end to end (AU-8): typed cells (exact numeric phones, dates, serials, formulas, rich
 * text, errors), row numbers with empty rows, the first sheet only, and nothing valid lost.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import ExcelJS from 'exceljs';
import { parseImport, preview } from '../../src/core/import/index.ts';
import type { RowOutcome } from '../../src/core/import/rows.ts';
import { openXlsx } from '../../src/core/import/xlsx.ts';

const TODAY = '2025-06-15';

type Cells = (ExcelJS.CellValue | undefined)[];

/** An XLSX file written by exceljs's streaming writer: sheets of rows, `null` for an empty row. */
async function xlsx(sheets: { rows: (Cells | null)[]; dateColumn?: number }[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => out.on('end', resolve));
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: true, useStyles: true });
  sheets.forEach((sheet, s) => {
    const ws = wb.addWorksheet(`Лист${s + 1}`);
    sheet.rows.forEach((cells, i) => {
      const row = ws.getRow(i + 1);
      if (cells) row.values = cells as ExcelJS.CellValue[];
      if (sheet.dateColumn && cells) row.getCell(sheet.dateColumn).numFmt = 'dd.mm.yyyy';
      row.commit();
    });
    ws.commit();
  });
  await wb.commit();
  await done;
  return Buffer.concat(chunks);
}

const stream = (bytes: Buffer, size = 4096) =>
  Readable.from(
    (function* () {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    })(),
  );

async function all(bytes: Buffer, mapping?: Record<string, unknown>) {
  const out: RowOutcome[] = [];
  for await (const r of parseImport(stream(bytes), { format: 'xlsx', today: TODAY, mapping })) out.push(r);
  return out;
}

const HEADER = ['ФИО', 'Телефон', 'Дата рождения', 'Участок', 'Начислено', 'Долг'];

test('typed cells: exact numeric phone, date cell, serial, formula result, rich text, numeric amounts', async () => {
  const bytes = await xlsx([
    {
      dateColumn: 3,
      rows: [
        HEADER,
        [
          { richText: [{ text: 'Иванов ' }, { text: 'Иван' }] },
          79123456789,
          new Date(Date.UTC(1980, 11, 31)),
          12,
          1000.5,
          { formula: 'E2*2', result: 2001 },
        ],
      ],
    },
  ]);
  assert.deepEqual(await all(bytes), [
    {
      status: 'accepted',
      row: 2,
      contact: { lastName: 'Иванов', firstName: 'Иван', phone: '+79123456789', birthDate: '1980-12-31' },
      objects: [{ kind: 'plot', number: '12', chargesKopecks: 100050, debtKopecks: 200100 }],
    },
  ]);
  const serial = await xlsx([{ rows: [HEADER, ['Петров', '+7 912 345-67-80', 29586, 'A-1', '0', 0]] }]);
  assert.deepEqual(await all(serial), [
    {
      status: 'accepted',
      row: 2,
      contact: { lastName: 'Петров', phone: '+79123456780', birthDate: '1980-12-31' },
      objects: [{ kind: 'plot', number: 'A-1', chargesKopecks: 0, debtKopecks: 0 }],
    },
  ]);
});

test('rejects: a 16-digit number, spoiled text, an error cell — each with its sheet row number', async () => {
  const bytes = await xlsx([
    {
      rows: [
        HEADER,
        ['Иванов', 7912345678901234, null, '1'],
        null,
        ['Петров', '7.91E+10', null, '2'],
        ['Сидоров', '89123456789', { error: '#N/A' } as ExcelJS.CellErrorValue, '3'],
      ],
    },
  ]);
  assert.deepEqual(await all(bytes), [
    {
      status: 'rejected',
      row: 2,
      problems: [
        {
          column: 'phone',
          header: 'Телефон',
          value: '7912345678901234',
          message:
            '`7912345678901234` was stored by the spreadsheet as a number and may have lost digits; format the column as text and export again',
        },
      ],
    },
    {
      status: 'rejected',
      row: 4,
      problems: [
        {
          column: 'phone',
          header: 'Телефон',
          value: '7.91E+10',
          message:
            '`7.91E+10` was spoiled by a spreadsheet (scientific notation); re-export the column as text',
        },
      ],
    },
    {
      status: 'rejected',
      row: 5,
      problems: [
        {
          column: 'birthDate',
          header: 'Дата рождения',
          value: '#N/A',
          message: '`#N/A` is not a date (DD.MM.YYYY or YYYY-MM-DD)',
        },
      ],
    },
  ]);
});

test('header: the first non-empty row; duplicates and empty headers; cells past it; only the first sheet', async () => {
  const bytes = await xlsx([
    {
      rows: [
        null,
        ['Телефон', null, 'Телефон', 'Примечание'],
        ['89123456789', 'без заголовка', '89123456780', 'VIP'],
        ['89123456781', null, null, null, 'лишнее'],
      ],
    },
    { rows: [['Телефон'], ['89120000000']] },
  ]);
  const table = await openXlsx(stream(bytes));
  assert.deepEqual(table.headers, ['Телефон', 'Column B', 'Телефон (2)', 'Примечание']);
  assert.equal(table.headerRow, 2);
  await table.close();
  assert.deepEqual(await all(bytes), [
    {
      status: 'accepted',
      row: 3,
      contact: { phone: '+79123456789', attributes: { telefon_2: '89123456780', primechaniye: 'VIP' } },
      objects: [],
    },
    {
      status: 'rejected',
      row: 4,
      problems: [
        {
          column: 'row',
          header: 'Column E',
          value: 'лишнее',
          message:
            '`лишнее` is past the last column of the header row (a column without a header, or cells shifted by an unquoted delimiter)',
        },
      ],
    },
  ]);
});

test('preview: headers, suggestion and first rows; an empty workbook has neither', async () => {
  const bytes = await xlsx([{ rows: [HEADER, ['Иванов', '89123456789', null, '7', null, '150,00']] }]);
  const p = await preview(stream(bytes), { format: 'xlsx', today: TODAY });
  assert.equal(p.format, 'xlsx');
  assert.equal(p.encoding, null);
  assert.equal(p.delimiter, null);
  assert.deepEqual(p.headers, HEADER);
  assert.deepEqual(p.suggested, {
    ФИО: ['fullName'],
    Телефон: ['phone'],
    'Дата рождения': ['birthDate'],
    Участок: ['object.plot'],
    Начислено: ['object.charges'],
    Долг: ['object.debt'],
  });
  assert.deepEqual(p.outcomes, [
    {
      status: 'accepted',
      row: 2,
      contact: { lastName: 'Иванов', phone: '+79123456789' },
      objects: [{ kind: 'plot', number: '7', debtKopecks: 15000 }],
    },
  ]);
  const empty = await preview(stream(await xlsx([{ rows: [] }])), { format: 'xlsx', today: TODAY });
  assert.deepEqual([empty.headers, empty.rows], [[], []]);
});

test('nothing valid lost: 1,000 rows with 37 bad ones → 963 accepted and 37 rejected, in order', async () => {
  const bad = new Set(Array.from({ length: 37 }, (_, k) => 10 + k * 26));
  const rows: Cells[] = [['Код', 'ФИО', 'Телефон', 'Пол']];
  for (let i = 0; i < 1000; i++) {
    const phone = 79123456000 + i;
    rows.push(
      bad.has(i) ? [`K${i}`, 'Иванов', i % 2 ? 7.91e10 + 0.5 : 'нет', 'М'] : [`K${i}`, 'Иванов', phone, 'Ж'],
    );
  }
  const out = await all(await xlsx([{ rows }]));
  assert.equal(out.filter((r) => r.status === 'accepted').length, 963);
  assert.equal(out.filter((r) => r.status === 'rejected').length, 37);
  assert.deepEqual(
    out.map((r) => r.row),
    Array.from({ length: 1000 }, (_, i) => i + 2),
  );
  for (const r of out) {
    const i = r.row - 2;
    if (bad.has(i)) {
      assert.equal(r.status, 'rejected');
      assert.deepEqual(r.status === 'rejected' && r.problems.map((p) => [p.column, p.header]), [
        ['phone', 'Телефон'],
      ]);
    } else {
      assert.deepEqual(r, {
        status: 'accepted',
        row: i + 2,
        contact: { externalId: `K${i}`, lastName: 'Иванов', phone: `+${79123456000 + i}`, gender: 'female' },
        objects: [],
      });
    }
  }
});

test('exceljs’s temporary copies of the sheets are deleted, whether the rows are read to the end or not', async () => {
  // exceljs copies a sheet that precedes the shared strings (as its own writer puts them) to
  // tmp-<pid>-…, and deletes it only if its reading loop runs on: openXlsx's close() sees to that.
  const copies = () => readdirSync(tmpdir()).filter((f) => f.startsWith(`tmp-${process.pid}-`)).length;
  const settled = async () => {
    // Deleting is asynchronous; a loaded machine has taken over 2 s (CI): wait up to 10 s.
    for (let i = 0; i < 500 && copies() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    return copies();
  };
  const bytes = await xlsx([
    { rows: [['Телефон'], ['89123456789'], ['89123456780']] },
    { rows: [['x'], ['y']] },
  ]);
  assert.equal(await settled(), 0);
  for (let i = 0; i < 3; i++) {
    const table = await openXlsx(stream(bytes));
    let n = 0;
    for await (const _ of table.rows()) n++;
    assert.equal(n, 2);
  }
  assert.equal(await settled(), 0);
  for (let i = 0; i < 3; i++) {
    const p = await preview(stream(bytes), { format: 'xlsx', rows: 1, today: TODAY });
    assert.equal(p.rows.length, 1);
  }
  assert.equal(await settled(), 0);
});

/** A zip of stored (uncompressed) entries, in the given order: enough for exceljs's reader. */
function storedZip(entries: [string, string][]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of entries) {
    const data = Buffer.from(text);
    const path = Buffer.from(name);
    // The fields a local header and its central-directory record share, from «version needed» to
    // «extra field length»: stored, no flags, no date, CRC-32 and both sizes, the name's length.
    const shared = Buffer.alloc(26);
    shared.writeUInt16LE(20, 0);
    shared.writeUInt32LE(crc32(data), 10);
    shared.writeUInt32LE(data.length, 14);
    shared.writeUInt32LE(data.length, 18);
    shared.writeUInt16LE(path.length, 22);
    const signature = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(n);
      return b;
    };
    const madeBy = Buffer.from([20, 0]);
    // Then the record's own: comment length, disk, attributes (all zero) and the local header's offset.
    const tail = Buffer.alloc(16);
    tail.writeUInt32LE(offset, 12);
    locals.push(signature(0x04034b50), shared, path, data);
    central.push(signature(0x02014b50), madeBy, shared, tail, path);
    offset += 4 + shared.length + path.length + data.length;
  }
  const dirBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dirBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dirBytes, end]);
}

test('a worksheet cut short is an error naming the last row read, not a sheet with fewer rows', async () => {
  const ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const cell = (r: number, text: string) =>
    `<row r="${r}"><c r="A${r}" t="inlineStr"><is><t>${text}</t></is></c></row>`;
  const sheet = `<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="${ns}"><sheetData>${cell(1, 'Телефон')}${cell(2, '89123456789')}${cell(3, '89123456780')}${cell(4, '89123456781')}</sheetData></worksheet>\n`;
  const cut = sheet.slice(0, sheet.indexOf('<row r="4">') + 20);
  const book = (worksheet: string, sharedStringsFirst: boolean): Buffer => {
    const parts: [string, string][] = [
      [
        'xl/_rels/workbook.xml.rels',
        `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
      ],
      [
        'xl/workbook.xml',
        `<workbook xmlns="${ns}" xmlns:r="${rel}"><sheets><sheet name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      ],
    ];
    const strings: [string, string] = [
      'xl/sharedStrings.xml',
      `<sst xmlns="${ns}" count="0" uniqueCount="0"/>`,
    ];
    const ws: [string, string] = ['xl/worksheets/sheet1.xml', worksheet];
    return storedZip(sharedStringsFirst ? [...parts, strings, ws] : [...parts, ws, strings]);
  };
  // Both of exceljs's ways: the sheet parsed from the zip, and from its temporary copy.
  for (const sharedStringsFirst of [true, false]) {
    for (const size of [64, 4096]) {
      const whole = await openXlsx(stream(book(sheet, sharedStringsFirst), size));
      const read: string[] = [];
      for await (const r of whole.rows()) read.push(`${r.row}:${r.cells.Телефон}`);
      assert.deepEqual(read, ['2:89123456789', '3:89123456780', '4:89123456781']);

      const broken = await openXlsx(stream(book(cut, sharedStringsFirst), size));
      const got: number[] = [];
      await assert.rejects(async () => {
        for await (const r of broken.rows()) got.push(r.row);
      }, /the first worksheet of the file ends after row 3, before its closing tag: the file is damaged or incomplete/);
      assert.deepEqual(got, [2, 3], 'the rows before the cut are read');
    }
    // Cut anywhere after the header row and before the closing tag: always the error, never a
    // quietly shorter sheet; what was read is a prefix of the rows.
    const from = sheet.indexOf('<row r="2">');
    const to = sheet.indexOf('</worksheet>') + '</worksheet'.length;
    for (let at = from; at < to; at += 7) {
      const table = await openXlsx(stream(book(sheet.slice(0, at), sharedStringsFirst), 64));
      const got: number[] = [];
      await assert.rejects(async () => {
        for await (const r of table.rows()) got.push(r.row);
      }, /ends after row \d+, before its closing tag/);
      assert.deepEqual(got, [2, 3, 4].slice(0, got.length), `cut at ${at}`);
    }
  }
});

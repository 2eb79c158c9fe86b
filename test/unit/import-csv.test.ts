/**
 * CSV import end to end (AU-8): encodings, delimiters, headers, row numbers, broken quotes, the
 * mapping, and nothing valid lost.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { openCsv } from '../../src/core/import/csv.ts';
import { ImportMappingError, parseImport, preview } from '../../src/core/import/index.ts';
import type { RowOutcome } from '../../src/core/import/rows.ts';

const TODAY = '2025-06-15';

/** A byte stream in chunks of `size` bytes, so nothing relies on one chunk holding the file. */
const stream = (bytes: Uint8Array, size = 7) =>
  Readable.from(
    (function* () {
      for (let i = 0; i < bytes.length; i += size) yield Buffer.from(bytes.subarray(i, i + size));
    })(),
  );

async function all(bytes: Uint8Array, options: Partial<Parameters<typeof parseImport>[1]> = {}) {
  const out: RowOutcome[] = [];
  for await (const r of parseImport(stream(bytes), { format: 'csv', today: TODAY, ...options })) out.push(r);
  return out;
}

const RU =
  'Фамилия;Имя;Телефон;№ участка;Долг\nИванов;Иван;8 912 345-67-89;12;1 500,50\nПетров;Пётр;8 (912) 34;13;0\n';
const accepted12 = {
  status: 'accepted',
  row: 2,
  contact: { lastName: 'Иванов', firstName: 'Иван', phone: '+79123456789' },
  objects: [{ kind: 'plot', number: '12', debtKopecks: 150050 }],
};
const rejected13 = {
  status: 'rejected',
  row: 3,
  problems: [
    {
      column: 'phone',
      header: 'Телефон',
      value: '8 (912) 34',
      message: '`8 (912) 34` is not a phone number',
    },
  ],
};

test('Windows-1251 with `;`: preview tells encoding, delimiter, headers and the suggestion', async () => {
  const bytes = iconv.encode(RU, 'win1251');
  const p = await preview(stream(bytes), { format: 'csv', today: TODAY });
  assert.equal(p.encoding, 'windows-1251');
  assert.equal(p.delimiter, ';');
  assert.deepEqual(p.headers, ['Фамилия', 'Имя', 'Телефон', '№ участка', 'Долг']);
  assert.deepEqual(p.suggested, {
    Фамилия: ['lastName'],
    Имя: ['firstName'],
    Телефон: ['phone'],
    '№ участка': ['object.plot'],
    Долг: ['object.debt'],
  });
  assert.deepEqual(p.mappingProblems, []);
  assert.equal(p.rows.length, 2);
  assert.deepEqual(p.outcomes, [accepted12, rejected13]);
  assert.deepEqual(await all(bytes), [accepted12, rejected13]);
});

test('UTF-8 with a BOM and `,`: the BOM is not part of the first header', async () => {
  const text = RU.replaceAll(';', ',').replace('1 500,50', '"1 500,50"');
  const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
  const table = await openCsv(stream(bytes));
  assert.equal(table.encoding, 'utf-8');
  assert.equal(table.delimiter, ',');
  assert.equal(table.headers[0], 'Фамилия');
  await table.close();
  assert.deepEqual(await all(bytes), [accepted12, rejected13]);
});

test('UTF-16 LE with a BOM and tabs (Excel’s «Unicode text»)', async () => {
  const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(RU.replaceAll(';', '\t'), 'utf16le')]);
  const p = await preview(stream(bytes, 5), { format: 'csv', today: TODAY });
  assert.equal(p.encoding, 'utf-16le');
  assert.equal(p.delimiter, '\t');
  assert.deepEqual(await all(bytes, {}), [accepted12, rejected13]);
});

test('row numbers are the spreadsheet’s: blank lines count, a line break inside quotes does not', async () => {
  const text =
    '\nТелефон;Примечание\n89123456789;"две\nстроки"\n\n;\n8912345678;x\r\n89123456780;"5"" диск"\n89123456781;5" диск\n';
  const out = await all(Buffer.from(text));
  assert.deepEqual(
    out.map((r) => [r.row, r.status]),
    [
      [3, 'accepted'],
      [6, 'rejected'],
      [7, 'accepted'],
      [8, 'accepted'],
    ],
  );
  assert.deepEqual(
    out.map((r) => (r.status === 'accepted' ? r.contact.attributes : r.problems[0]?.message)),
    [
      { primechaniye: 'две\nстроки' },
      '`8912345678` is not a phone number',
      { primechaniye: '5" диск' },
      { primechaniye: '5" диск' },
    ],
  );
  const table = await openCsv(stream(Buffer.from(text)));
  assert.equal(table.headerRow, 2);
  await table.close();
});

test('headers: empty ones get their letter and are ignored; duplicates are numbered and kept', async () => {
  const text = 'Телефон;;Телефон;Телефон\n89123456789;мусор;89123456780;\n';
  const p = await preview(stream(Buffer.from(text)), { format: 'csv', today: TODAY });
  assert.deepEqual(p.headers, ['Телефон', 'Column B', 'Телефон (2)', 'Телефон (3)']);
  assert.deepEqual(p.suggested, {
    Телефон: ['phone'],
    'Column B': [],
    'Телефон (2)': ['attributes.telefon_2'],
    'Телефон (3)': ['attributes.telefon_3'],
  });
  assert.deepEqual(p.outcomes, [
    {
      status: 'accepted',
      row: 2,
      contact: { phone: '+79123456789', attributes: { telefon_2: '89123456780' } },
      objects: [],
    },
  ]);
});

test('a row longer than the header is rejected with the extra cell; trailing empty cells are not', async () => {
  const text = 'ФИО,Телефон\nИванов, Иван,89123456789\nПетров,89123456780,,\n';
  assert.deepEqual(await all(Buffer.from(text)), [
    {
      status: 'rejected',
      row: 2,
      problems: [
        {
          column: 'phone',
          header: 'Телефон',
          value: ' Иван',
          message: '` Иван` is not a phone number: it has letters or symbols',
        },
        {
          column: 'row',
          header: 'Column C',
          value: '89123456789',
          message:
            '`89123456789` is past the last column of the header row (a column without a header, or cells shifted by an unquoted delimiter)',
        },
      ],
    },
    { status: 'accepted', row: 3, contact: { lastName: 'Петров', phone: '+79123456780' }, objects: [] },
  ]);
});

test('a quote never closed: every row before it comes through, then that row with the reason', async () => {
  const rows = Array.from({ length: 40 }, (_, i) => `Имя${i};8912000${String(i).padStart(4, '0')}`);
  const text = `Имя;Телефон\n${rows.join('\n')}\n"Сломано;89120009999\nПетров;89120008888\n`;
  const out = await all(Buffer.from(text));
  assert.equal(out.length, 41);
  assert.ok(out.slice(0, 40).every((r, i) => r.status === 'accepted' && r.row === i + 2));
  assert.deepEqual(out[40], {
    status: 'rejected',
    row: 42,
    problems: [
      {
        column: 'row',
        header: '',
        value: '',
        message:
          'a quote opened in this row is never closed, so the rest of the file reads as one cell; close it or remove it',
      },
      {
        column: 'phone',
        header: 'Телефон',
        value: '',
        message: 'has no phone, e-mail or external id: nothing to find the contact by',
      },
    ],
  });
});

test('the operator’s mapping is used; a bad one, or none that finds contacts, is refused before any row', async () => {
  const bytes = Buffer.from('Клиент;Сотовый;Комментарий\nИванов;89123456789;VIP\n');
  assert.deepEqual(
    await all(bytes, { mapping: { Клиент: 'lastName', Сотовый: 'phone', Комментарий: null } }),
    [{ status: 'accepted', row: 2, contact: { lastName: 'Иванов', phone: '+79123456789' }, objects: [] }],
  );
  await assert.rejects(all(bytes, { mapping: { Клиент: 'lastName', Сотовый: 'phon' } }), (e: unknown) => {
    assert.ok(e instanceof ImportMappingError);
    assert.deepEqual(e.problems, [
      { field: 'mapping.Сотовый', value: 'phon', message: '`phon` is not a field to import into' },
      {
        field: 'mapping',
        value: null,
        message: 'no column is mapped to phone, email or externalId: a contact is found by one of them',
      },
    ]);
    return true;
  });
  const p = await preview(stream(Buffer.from('Клиент;Комментарий\nИванов;VIP\n')), {
    format: 'csv',
    today: TODAY,
  });
  assert.equal(p.mappingProblems.length, 1);
  assert.deepEqual(p.outcomes, []);
  await assert.rejects(all(Buffer.from('Клиент;Комментарий\nИванов;VIP\n')), ImportMappingError);
});

test('preview stops reading and releases the stream', async () => {
  const lines = Array.from({ length: 5000 }, (_, i) => `8912${String(i).padStart(7, '0')}`).join('\n');
  const source = stream(Buffer.from(`Телефон\n${lines}\n`), 1024);
  const p = await preview(source, { format: 'csv', rows: 3, today: TODAY });
  assert.deepEqual(
    p.rows.map((r) => r.row),
    [2, 3, 4],
  );
  assert.equal(source.destroyed, true);
});

test('nothing valid lost: 1,000 rows with 37 bad ones → 963 accepted and 37 rejected, in order', async () => {
  const bad = new Set(Array.from({ length: 37 }, (_, k) => 3 + k * 27)); // data-row indexes 3, 30, … 975
  const spoil = [
    (i: number) => `ЛС-${i};Иванов;8 (912) 34;31.12.1980;М;100`,
    (i: number) => `ЛС-${i};Иванов;7.91E+10;31.12.1980;М;100`,
    (i: number) => `ЛС-${i};Иванов;89120000001;31.02.1980;М;100`,
    (i: number) => `ЛС-${i};Иванов;89120000001;31.12.1980;X;100`,
    (i: number) => `ЛС-${i};Иванов;89120000001;31.12.1980;Ж;сто`,
    () => ';Иванов;;31.12.1980;М;',
  ];
  const lines = ['Лицевой счёт;ФИО;Телефон;Дата рождения;Пол;Долг'];
  for (let i = 0; i < 1000; i++) {
    lines.push(
      bad.has(i)
        ? spoil[i % spoil.length]!(i)
        : `ЛС-${i};Иванов Иван;8912${String(i).padStart(7, '0')};01.02.1990;${i % 2 ? 'М' : 'Ж'};${i},5`,
    );
  }
  const out = await all(iconv.encode(`${lines.join('\r\n')}\r\n`, 'win1251'));
  const accepted = out.filter((r) => r.status === 'accepted');
  const rejected = out.filter((r) => r.status === 'rejected');
  assert.equal(accepted.length, 963);
  assert.equal(rejected.length, 37);
  assert.deepEqual(
    out.map((r) => r.row),
    Array.from({ length: 1000 }, (_, i) => i + 2),
  );
  assert.deepEqual(
    rejected.map((r) => r.row),
    [...bad].map((i) => i + 2),
  );
  for (const r of accepted) {
    const i = r.row - 2;
    assert.deepEqual(r, {
      status: 'accepted',
      row: i + 2,
      contact: {
        externalId: `ЛС-${i}`,
        lastName: 'Иванов',
        firstName: 'Иван',
        phone: `+7912${String(i).padStart(7, '0')}`,
        birthDate: '1990-02-01',
        gender: i % 2 ? 'male' : 'female',
      },
      objects: [{ kind: 'account', number: `ЛС-${i}`, debtKopecks: i * 100 + 50 }],
    });
  }
  for (const r of rejected) {
    assert.equal(r.status === 'rejected' && r.problems.length, 1, JSON.stringify(r));
  }
});

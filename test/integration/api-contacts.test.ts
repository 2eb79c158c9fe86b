/**
 * Contacts over HTTP (AU-1, AU-2, RP-3): the whole life of a contact, keyset paging, search,
 * validation that names every field at fault, objects with amounts in kopecks, and the history of
 * messages sent to a contact. One server and database for the file; each test works in its own
 * organisation so counts and pages are its own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApi } from '../helpers/api.ts';

const api = await createTestApi();

/** A fresh organisation and a `call` that uses its owner key. */
async function newOrg(name: string) {
  const org = await api.addOrg(name);
  return {
    ...org,
    call: (method: string, url: string, body?: unknown) => api.call(method, url, body, { key: org.key }),
  };
}

async function contactCount(orgId: number): Promise<number> {
  const { rows } = await api.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM contacts WHERE org_id = $1',
    [orgId],
  );
  return rows[0]!.n;
}

test('a contact is created with every field, read back, changed in part and deleted', async () => {
  const org = await newOrg('СНТ «Жизнь контакта»');
  const created = await org.call('POST', '/api/v1/contacts', {
    externalId: ' crm-001 ',
    lastName: '  Иванов ',
    firstName: 'Иван',
    middleName: 'Петрович',
    phone: '+7 (912) 345-67-89',
    email: 'Ivan.Ivanov@Example.RU',
    telegramChatId: ' 123456789 ',
    timeZone: 'Asia/Yekaterinburg',
    gender: 'male',
    birthDate: '1960-02-29',
    attributes: { plotArea: 6, member: true, note: 'председатель' },
    doNotMessage: false,
  });
  assert.equal(created.status, 201, created.text);
  const c = created.body;
  assert.ok(Number.isInteger(c.id) && c.id > 0);
  assert.deepEqual(
    {
      externalId: c.externalId,
      lastName: c.lastName,
      firstName: c.firstName,
      middleName: c.middleName,
      phone: c.phone,
      email: c.email,
      telegramChatId: c.telegramChatId,
      timeZone: c.timeZone,
      gender: c.gender,
      birthDate: c.birthDate,
      attributes: c.attributes,
      doNotMessage: c.doNotMessage,
    },
    {
      externalId: 'crm-001',
      lastName: 'Иванов',
      firstName: 'Иван',
      middleName: 'Петрович',
      phone: '+79123456789',
      email: 'Ivan.Ivanov@example.ru',
      telegramChatId: '123456789',
      timeZone: 'Asia/Yekaterinburg',
      gender: 'male',
      birthDate: '1960-02-29',
      attributes: { plotArea: 6, member: true, note: 'председатель' },
      doNotMessage: false,
    },
  );
  assert.match(c.createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);

  const got = await org.call('GET', `/api/v1/contacts/${c.id}`);
  assert.equal(got.status, 200, got.text);
  assert.deepEqual(got.body, c);

  // A partial change: absent fields stay, null clears, the rest is normalised like on create.
  const patched = await org.call('PATCH', `/api/v1/contacts/${c.id}`, {
    phone: null,
    email: 'new@EXAMPLE.ru',
    doNotMessage: true,
    attributes: { plotArea: 8 },
  });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.phone, null);
  assert.equal(patched.body.email, 'new@example.ru');
  assert.equal(patched.body.doNotMessage, true);
  assert.deepEqual(patched.body.attributes, { plotArea: 8 });
  assert.equal(patched.body.lastName, 'Иванов');
  assert.equal(patched.body.birthDate, '1960-02-29');
  assert.equal(patched.body.externalId, 'crm-001');
  assert.equal(patched.body.createdAt, c.createdAt);
  assert.ok(Date.parse(patched.body.updatedAt) >= Date.parse(c.updatedAt));
  assert.deepEqual((await org.call('GET', `/api/v1/contacts/${c.id}`)).body, patched.body);

  const badPatch = await org.call('PATCH', `/api/v1/contacts/${c.id}`, { phone: 'позвонить' });
  assert.equal(badPatch.status, 400);
  assert.equal(badPatch.body.error.code, 'invalid_input');
  assert.equal(badPatch.body.error.details[0].field, 'phone');
  assert.equal((await org.call('GET', `/api/v1/contacts/${c.id}`)).body.phone, null);

  const deleted = await org.call('DELETE', `/api/v1/contacts/${c.id}`);
  assert.equal(deleted.status, 204);
  assert.equal(deleted.text, '');
  const gone = await org.call('GET', `/api/v1/contacts/${c.id}`);
  assert.equal(gone.status, 404);
  assert.equal(gone.body.error.code, 'not_found');
  assert.equal(gone.body.error.message, `contact ${c.id} not found`);
  assert.equal((await org.call('DELETE', `/api/v1/contacts/${c.id}`)).status, 404);
  assert.equal((await org.call('PATCH', `/api/v1/contacts/${c.id}`, { firstName: 'Х' })).status, 404);
  assert.equal(await contactCount(org.id), 0);
});

test("another organisation's contact is not found by id, by list or by search", async () => {
  const a = await newOrg('СНТ «А»');
  const b = await newOrg('СНТ «Б»');
  const c = await a.call('POST', '/api/v1/contacts', { lastName: 'Чужой', phone: '89120000001' });
  assert.equal(c.status, 201, c.text);
  assert.equal((await b.call('GET', `/api/v1/contacts/${c.body.id}`)).status, 404);
  assert.equal((await b.call('PATCH', `/api/v1/contacts/${c.body.id}`, { lastName: 'Мой' })).status, 404);
  assert.equal((await b.call('DELETE', `/api/v1/contacts/${c.body.id}`)).status, 404);
  assert.deepEqual((await b.call('GET', '/api/v1/contacts')).body, { items: [], nextCursor: null });
  assert.deepEqual((await b.call('GET', '/api/v1/contacts?q=Чужой')).body.items, []);
  assert.equal((await a.call('GET', `/api/v1/contacts/${c.body.id}`)).body.lastName, 'Чужой');
});

test('contacts are listed in id order a page at a time with after/limit and nextCursor', async () => {
  const org = await newOrg('СНТ «Страницы»');
  const ids: number[] = [];
  for (let i = 0; i < 7; i++) {
    const r = await org.call('POST', '/api/v1/contacts', { firstName: `Контакт ${i}` });
    assert.equal(r.status, 201, r.text);
    ids.push(r.body.id);
  }

  const p1 = await org.call('GET', '/api/v1/contacts?limit=3');
  assert.equal(p1.status, 200, p1.text);
  assert.deepEqual(
    p1.body.items.map((c: { id: number }) => c.id),
    ids.slice(0, 3),
  );
  assert.equal(p1.body.nextCursor, ids[2]);
  const p2 = await org.call('GET', `/api/v1/contacts?limit=3&after=${p1.body.nextCursor}`);
  assert.deepEqual(
    p2.body.items.map((c: { id: number }) => c.id),
    ids.slice(3, 6),
  );
  assert.equal(p2.body.nextCursor, ids[5]);
  const p3 = await org.call('GET', `/api/v1/contacts?limit=3&after=${p2.body.nextCursor}`);
  assert.deepEqual(
    p3.body.items.map((c: { id: number }) => c.id),
    ids.slice(6),
  );
  assert.equal(p3.body.nextCursor, null);
  assert.equal(p3.body.items[0].firstName, 'Контакт 6');

  // A page that ends exactly at the last contact still offers a cursor; the page after is empty.
  const exact = await org.call('GET', '/api/v1/contacts?limit=7');
  assert.equal(exact.body.items.length, 7);
  assert.equal(exact.body.nextCursor, ids[6]);
  assert.deepEqual((await org.call('GET', `/api/v1/contacts?after=${ids[6]}`)).body, {
    items: [],
    nextCursor: null,
  });
  // Without a limit: everything (up to 100) in one page.
  const all = await org.call('GET', '/api/v1/contacts');
  assert.deepEqual(
    all.body.items.map((c: { id: number }) => c.id),
    ids,
  );
  assert.equal(all.body.nextCursor, null);

  for (const q of ['limit=0', 'limit=1001', 'after=-1', 'limit=abc']) {
    const bad = await org.call('GET', `/api/v1/contacts?${q}`);
    assert.equal(bad.status, 400, q);
    assert.equal(bad.body.error.code, 'validation_failed', q);
    assert.match(bad.body.error.details[0].field, /^querystring\.(limit|after)$/, q);
  }
});

test('search by q finds contacts by name (any case), phone, e-mail and external id', async () => {
  const org = await newOrg('СНТ «Поиск»');
  const make = async (body: object) => {
    const r = await org.call('POST', '/api/v1/contacts', body);
    assert.equal(r.status, 201, r.text);
    return r.body.id as number;
  };
  const ivanov = await make({ lastName: 'Иванов', firstName: 'Иван', phone: '89123456789' });
  const petrova = await make({
    lastName: 'Петрова',
    firstName: 'Анна',
    email: 'anna.petrova@example.ru',
    externalId: 'ACC-777',
  });
  const smith = await make({ lastName: 'Smith', firstName: 'John', phone: '+79220001122' });

  const find = async (q: string) => {
    const r = await org.call('GET', `/api/v1/contacts?q=${encodeURIComponent(q)}`);
    assert.equal(r.status, 200, r.text);
    return r.body.items.map((c: { id: number }) => c.id);
  };
  assert.deepEqual(await find('иванов'), [ivanov]);
  assert.deepEqual(await find('ИВАН'), [ivanov]);
  assert.deepEqual(await find('петРОВА'), [petrova]);
  assert.deepEqual(await find('smith'), [smith]);
  assert.deepEqual(await find('3456789'), [ivanov]);
  assert.deepEqual(await find('+7922'), [smith]);
  assert.deepEqual(await find('ANNA.PETROVA@'), [petrova]);
  assert.deepEqual(await find('acc-777'), [petrova]);
  assert.deepEqual(await find('+79'), [ivanov, smith]);
  assert.deepEqual(await find('Сидоров'), []);
  assert.deepEqual(await find('   '), [ivanov, petrova, smith]);
  // Search pages like the plain list.
  const page = await org.call('GET', '/api/v1/contacts?q=%2B79&limit=1');
  assert.deepEqual(page.body.nextCursor, ivanov);
  const next = await org.call('GET', `/api/v1/contacts?q=%2B79&limit=1&after=${ivanov}`);
  assert.deepEqual(
    next.body.items.map((c: { id: number }) => c.id),
    [smith],
  );
});

test('an external id is unique in the organisation: 409 on create and on change, free in another', async () => {
  const org = await newOrg('СНТ «Внешние номера»');
  const first = await org.call('POST', '/api/v1/contacts', { firstName: 'Первый', externalId: 'crm-1' });
  assert.equal(first.status, 201, first.text);
  const dup = await org.call('POST', '/api/v1/contacts', { firstName: 'Второй', externalId: 'crm-1' });
  assert.equal(dup.status, 409, dup.text);
  assert.deepEqual(dup.body, {
    error: {
      code: 'conflict',
      message: 'another contact has this externalId',
      details: [{ field: 'externalId', value: 'crm-1', message: 'is taken' }],
    },
  });
  assert.equal(await contactCount(org.id), 1);

  const second = await org.call('POST', '/api/v1/contacts', { firstName: 'Второй', externalId: 'crm-2' });
  assert.equal(second.status, 201);
  const clash = await org.call('PATCH', `/api/v1/contacts/${second.body.id}`, { externalId: 'crm-1' });
  assert.equal(clash.status, 409, clash.text);
  assert.equal(clash.body.error.code, 'conflict');
  assert.equal(clash.body.error.details[0].field, 'externalId');
  assert.equal((await org.call('GET', `/api/v1/contacts/${second.body.id}`)).body.externalId, 'crm-2');

  // Several contacts may have no external id; an empty one counts as none.
  for (const externalId of [null, '', '  ']) {
    const r = await org.call('POST', '/api/v1/contacts', { firstName: 'Без номера', externalId });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.externalId, null);
  }
  const other = await newOrg('СНТ «Соседи»');
  const there = await other.call('POST', '/api/v1/contacts', { firstName: 'Сосед', externalId: 'crm-1' });
  assert.equal(there.status, 201, there.text);
});

test('an unknown field in the body is refused with 400 validation_failed naming it; nothing is written', async () => {
  const org = await newOrg('СНТ «Лишние поля»');
  const r = await org.call('POST', '/api/v1/contacts', { firstName: 'Иван', nickname: 'Ваня' });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.body.error.code, 'validation_failed');
  assert.equal(r.body.error.details.length, 1);
  assert.equal(r.body.error.details[0].field, 'body.nickname');
  assert.match(r.body.error.message, /nickname/);
  assert.equal(await contactCount(org.id), 0);

  const c = await org.call('POST', '/api/v1/contacts', { firstName: 'Иван' });
  const p = await org.call('PATCH', `/api/v1/contacts/${c.body.id}`, { first_name: 'Пётр' });
  assert.equal(p.status, 400, p.text);
  assert.equal(p.body.error.code, 'validation_failed');
  assert.equal(p.body.error.details[0].field, 'body.first_name');
  assert.equal((await org.call('GET', `/api/v1/contacts/${c.body.id}`)).body.firstName, 'Иван');
});

test('several bad fields at once are all reported in details', async () => {
  const org = await newOrg('СНТ «Ошибки»');
  // Shape errors, found by the schema.
  const shape = await org.call('POST', '/api/v1/contacts', {
    gender: 'm',
    doNotMessage: 'yes',
    attributes: 'none',
    birthDate: '1990-01-011',
    firstName: 'х'.repeat(101),
  });
  assert.equal(shape.status, 400, shape.text);
  assert.equal(shape.body.error.code, 'validation_failed');
  const fields = new Set(shape.body.error.details.map((d: { field: string }) => d.field));
  assert.deepEqual(
    [...fields].sort(),
    ['body.attributes', 'body.birthDate', 'body.doNotMessage', 'body.firstName', 'body.gender'].sort(),
  );
  for (const f of fields) assert.ok(shape.body.error.message.includes(f as string), `${f} in the message`);

  // Meaning errors, found by the contact's validation, each with its value.
  const meaning = await org.call('POST', '/api/v1/contacts', {
    phone: '8 (912) 34',
    email: 'ivan@',
    telegramChatId: '@ivan',
    timeZone: 'Mars/Olympus',
    birthDate: '2999-01-01',
  });
  assert.equal(meaning.status, 400, meaning.text);
  assert.equal(meaning.body.error.code, 'invalid_input');
  assert.deepEqual(
    meaning.body.error.details.map((d: { field: string; value: unknown }) => [d.field, d.value]),
    [
      ['phone', '8 (912) 34'],
      ['email', 'ivan@'],
      ['telegramChatId', '@ivan'],
      ['timeZone', 'Mars/Olympus'],
      ['birthDate', '2999-01-01'],
    ],
  );
  assert.match(
    meaning.body.error.message,
    /^phone: .*; email: .*; telegramChatId: .*; timeZone: .*; birthDate: /,
  );
  const feb30 = await org.call('POST', '/api/v1/contacts', { birthDate: '1990-02-30' });
  assert.equal(feb30.status, 400);
  assert.equal(feb30.body.error.details[0].message, '`1990-02-30` is not a date (YYYY-MM-DD)');
  assert.equal(await contactCount(org.id), 0);
});

test('objects: plots with kopecks are added, listed, changed and deleted; a taken number is 409', async () => {
  const org = await newOrg('СНТ «Участки»');
  const owner = await org.call('POST', '/api/v1/contacts', { lastName: 'Садовод', phone: '+79120000010' });
  const id = owner.body.id as number;

  const p17 = await org.call('POST', `/api/v1/contacts/${id}/objects`, {
    kind: 'plot',
    number: '17',
    chargesKopecks: 1_234_550,
    debtKopecks: 15_000,
    attributes: { areaSotok: 6 },
  });
  assert.equal(p17.status, 201, p17.text);
  assert.deepEqual(p17.body, {
    id: p17.body.id,
    contactId: id,
    kind: 'plot',
    number: '17',
    chargesKopecks: 1_234_550,
    debtKopecks: 15_000,
    attributes: { areaSotok: 6 },
  });
  const p18 = await org.call('POST', `/api/v1/contacts/${id}/objects`, { kind: 'plot', number: '18' });
  assert.equal(p18.status, 201, p18.text);
  assert.equal(p18.body.chargesKopecks, 0);
  assert.equal(p18.body.debtKopecks, 0);

  const list = await org.call('GET', `/api/v1/contacts/${id}/objects`);
  assert.equal(list.status, 200);
  assert.deepEqual(
    list.body.items.map((o: { number: string; chargesKopecks: number }) => [o.number, o.chargesKopecks]),
    [
      ['17', 1_234_550],
      ['18', 0],
    ],
  );

  // The same number of the same kind is taken — for this contact or any other of the organisation.
  const dup = await org.call('POST', `/api/v1/contacts/${id}/objects`, { kind: 'plot', number: '17' });
  assert.equal(dup.status, 409, dup.text);
  assert.equal(dup.body.error.code, 'conflict');
  assert.equal(dup.body.error.message, 'a plot numbered 17 exists already');
  const neighbour = await org.call('POST', '/api/v1/contacts', { lastName: 'Сосед' });
  const dup2 = await org.call('POST', `/api/v1/contacts/${neighbour.body.id}/objects`, {
    kind: 'plot',
    number: '17',
  });
  assert.equal(dup2.status, 409);
  // Another kind, or another organisation, may use the number.
  const account = await org.call('POST', `/api/v1/contacts/${id}/objects`, {
    kind: 'account',
    number: '17',
    debtKopecks: 99,
  });
  assert.equal(account.status, 201, account.text);
  const other = await newOrg('СНТ «Другое»');
  const otherOwner = await other.call('POST', '/api/v1/contacts', { lastName: 'Другой' });
  assert.equal(
    (
      await other.call('POST', `/api/v1/contacts/${otherOwner.body.id}/objects`, {
        kind: 'plot',
        number: '17',
      })
    ).status,
    201,
  );
  // Amounts are whole kopecks.
  const fractional = await org.call('POST', `/api/v1/contacts/${id}/objects`, {
    kind: 'plot',
    number: '19',
    chargesKopecks: 12.5,
  });
  assert.equal(fractional.status, 400);
  assert.equal(fractional.body.error.details[0].field, 'body.chargesKopecks');
  const badKind = await org.call('POST', `/api/v1/contacts/${id}/objects`, { kind: 'car', number: '1' });
  assert.equal(badKind.status, 400);
  assert.equal(badKind.body.error.code, 'validation_failed');

  const patched = await org.call('PATCH', `/api/v1/objects/${p17.body.id}`, {
    debtKopecks: 0,
    number: '17а',
  });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.debtKopecks, 0);
  assert.equal(patched.body.number, '17а');
  assert.equal(patched.body.chargesKopecks, 1_234_550);
  assert.deepEqual(patched.body.attributes, { areaSotok: 6 });
  // Renaming onto a taken number is a conflict, not a server error, and changes nothing.
  const clash = await org.call('PATCH', `/api/v1/objects/${p18.body.id}`, { number: '17а' });
  assert.equal(clash.status, 409, clash.text);
  assert.equal(clash.body.error.code, 'conflict');
  assert.equal(
    (await org.call('GET', `/api/v1/contacts/${id}/objects`)).body.items.find(
      (o: { id: number }) => o.id === p18.body.id,
    ).number,
    '18',
  );
  const cantChangeKind = await org.call('PATCH', `/api/v1/objects/${p18.body.id}`, { kind: 'loan' });
  assert.equal(cantChangeKind.status, 400);
  assert.equal(cantChangeKind.body.error.code, 'validation_failed');
  assert.equal(cantChangeKind.body.error.details[0].field, 'body.kind');

  // Another organisation cannot see, change or delete them.
  assert.equal((await other.call('GET', `/api/v1/contacts/${id}/objects`)).status, 404);
  assert.equal((await other.call('PATCH', `/api/v1/objects/${p18.body.id}`, { debtKopecks: 1 })).status, 404);
  assert.equal((await other.call('DELETE', `/api/v1/objects/${p18.body.id}`)).status, 404);
  assert.equal(
    (await other.call('POST', `/api/v1/contacts/${id}/objects`, { kind: 'plot', number: '99' })).status,
    404,
  );

  const del = await org.call('DELETE', `/api/v1/objects/${p18.body.id}`);
  assert.equal(del.status, 204);
  assert.equal((await org.call('DELETE', `/api/v1/objects/${p18.body.id}`)).status, 404);
  assert.equal((await org.call('PATCH', `/api/v1/objects/${p18.body.id}`, { debtKopecks: 1 })).status, 404);
  assert.deepEqual(
    (await org.call('GET', `/api/v1/contacts/${id}/objects`)).body.items.map(
      (o: { kind: string; number: string }) => `${o.kind} ${o.number}`,
    ),
    ['plot 17а', 'account 17'],
  );

  // Deleting the contact deletes its objects.
  assert.equal((await org.call('DELETE', `/api/v1/contacts/${id}`)).status, 204);
  assert.equal((await org.call('GET', `/api/v1/contacts/${id}/objects`)).status, 404);
  const { rows } = await api.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM objects WHERE contact_id = $1',
    [id],
  );
  assert.equal(rows[0]!.n, 0);
});

test("a contact's message history lists its messages newest first, a page at a time", async () => {
  const org = await newOrg('СНТ «История»');
  const c = await org.call('POST', '/api/v1/contacts', { firstName: 'Анна', phone: '+79120000020' });
  const stranger = await org.call('POST', '/api/v1/contacts', { firstName: 'Борис', phone: '+79120000021' });
  const empty = await org.call('GET', `/api/v1/contacts/${c.body.id}/messages`);
  assert.equal(empty.status, 200, empty.text);
  assert.deepEqual(empty.body, { items: [], nextCursor: null });

  const sent: number[] = [];
  for (const text of ['Первое', 'Второе', 'Третье']) {
    const r = await org.call('POST', '/api/v1/messages', { contactId: c.body.id, text });
    assert.equal(r.status, 201, r.text);
    sent.push(r.body.id);
  }
  await org.call('POST', '/api/v1/messages', { contactId: stranger.body.id, text: 'Чужое' });

  const all = await org.call('GET', `/api/v1/contacts/${c.body.id}/messages`);
  assert.equal(all.status, 200);
  assert.deepEqual(
    all.body.items.map((m: { id: number; body: string }) => [m.id, m.body]),
    [
      [sent[2], 'Третье'],
      [sent[1], 'Второе'],
      [sent[0], 'Первое'],
    ],
  );
  for (const m of all.body.items) {
    assert.equal(m.contactId, c.body.id);
    assert.equal(m.address, '+79120000020');
    assert.equal(m.channel, 'sms');
    assert.equal(m.campaignId, null);
    assert.equal(m.state, 'queued');
  }
  const p1 = await org.call('GET', `/api/v1/contacts/${c.body.id}/messages?limit=2`);
  assert.deepEqual(
    p1.body.items.map((m: { id: number }) => m.id),
    [sent[2], sent[1]],
  );
  assert.equal(p1.body.nextCursor, sent[1]);
  const p2 = await org.call('GET', `/api/v1/contacts/${c.body.id}/messages?limit=2&before=${sent[1]}`);
  assert.deepEqual(
    p2.body.items.map((m: { id: number }) => m.id),
    [sent[0]],
  );
  assert.equal(p2.body.nextCursor, null);

  assert.equal((await org.call('GET', '/api/v1/contacts/999999999/messages')).status, 404);
  const other = await newOrg('СНТ «Чужая история»');
  const foreign = await other.call('GET', `/api/v1/contacts/${c.body.id}/messages`);
  assert.equal(foreign.status, 404);
  assert.ok(!foreign.text.includes('Первое'));
});

/**
 * Documents per object (issue 5 item 6): uploaded through the API, served by signed, expiring links
 * that nobody can guess, alter or use across organisations — and what `%kvit` puts into a preview.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signDocumentLink } from '../../src/core/documents/link.ts';
import { signedDocumentUrl } from '../../src/services/documents.ts';
import { getLinkSecret } from '../../src/store/orgs.ts';
import { createTestApi, type TestApi } from '../helpers/api.ts';

const pdf = (text: string) => Buffer.from(`%PDF-1.4\n% ${text}\n%%EOF\n`, 'utf8');

async function owner(api: TestApi, key?: string) {
  const c = await api.call(
    'POST',
    '/api/v1/contacts',
    { lastName: 'Петров', firstName: 'Иван', middleName: 'Сергеевич', phone: '+79120000001' },
    key ? { key } : {},
  );
  assert.equal(c.status, 201, c.text);
  const plots = [];
  for (const number of ['17', '18']) {
    const o = await api.call(
      'POST',
      `/api/v1/contacts/${c.body.id}/objects`,
      { kind: 'plot', number: key ? `B-${number}` : number, chargesKopecks: 100, debtKopecks: 0 },
      key ? { key } : {},
    );
    assert.equal(o.status, 201, o.text);
    plots.push(o.body.id as number);
  }
  return { contactId: c.body.id as number, plots };
}

async function upload(api: TestApi, objectId: number, name: string, bytes: Buffer, key?: string) {
  const res = await api.app.inject({
    method: 'POST',
    url: `/api/v1/objects/${objectId}/documents?fileName=${encodeURIComponent(name)}&kind=receipt`,
    headers: { authorization: `Bearer ${key ?? api.org.key}`, 'content-type': 'application/octet-stream' },
    payload: bytes,
  });
  return { status: res.statusCode, body: res.json() };
}

/** The path of a public link (the test server is reached through inject, not its public address). */
const pathOf = (url: string) => new URL(url).pathname;

test('upload, list, fetch through a signed link; the same bytes again are the same document', async () => {
  const api = await createTestApi();
  const { plots } = await owner(api);
  const bytes = pdf('квитанция участка 17 за март');
  const up = await upload(api, plots[0]!, 'Квитанция за март, участок 17.pdf', bytes);
  assert.equal(up.status, 201, JSON.stringify(up.body));
  assert.equal(up.body.created, true);
  assert.equal(
    up.body.document.contentType,
    'application/pdf',
    'sniffed from %PDF- when sent as octet-stream',
  );
  assert.equal(up.body.document.sizeBytes, bytes.length);
  assert.match(up.body.document.sha256, /^[0-9a-f]{64}$/);

  const again = await upload(api, plots[0]!, 'Квитанция за март, участок 17.pdf', bytes);
  assert.equal(again.status, 200);
  assert.equal(again.body.created, false);
  assert.equal(again.body.document.id, up.body.document.id);
  const april = await upload(api, plots[0]!, 'Квитанция за апрель.pdf', pdf('апрель'));
  assert.equal(april.status, 201);

  const list = await api.call('GET', `/api/v1/objects/${plots[0]}/documents`);
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(
    list.body.items.map((d: { fileName: string }) => d.fileName),
    ['Квитанция за апрель.pdf', 'Квитанция за март, участок 17.pdf'],
    'both versions, newest first',
  );
  assert.equal((await api.call('GET', `/api/v1/objects/${plots[1]}/documents`)).body.items.length, 0);

  const one = await api.call('GET', `/api/v1/documents/${up.body.document.id}`);
  assert.equal(one.status, 200, one.text);
  assert.ok(one.body.url.startsWith(`${api.config.publicUrl}/d/`), one.body.url);
  // Short enough for an SMS: the token is ~33 characters.
  assert.ok(pathOf(one.body.url).length < 45, one.body.url);

  const got = await api.app.inject({ method: 'GET', url: pathOf(one.body.url) });
  assert.equal(got.statusCode, 200);
  assert.deepEqual(got.rawPayload, bytes);
  assert.equal(got.headers['content-type'], 'application/pdf');
  const disposition = String(got.headers['content-disposition']);
  assert.match(disposition, /^inline; filename="Kvitantsiya za mart_ uchastok 17\.pdf"; /);
  assert.ok(
    disposition.endsWith(`filename*=UTF-8''${encodeURIComponent('Квитанция за март, участок 17.pdf')}`),
    disposition,
  );
  assert.match(String(got.headers['content-security-policy']), /sandbox/);
  assert.equal(got.headers['referrer-policy'], 'no-referrer');

  const content = await api.app.inject({
    method: 'GET',
    url: `/api/v1/documents/${april.body.document.id}/content`,
    headers: { authorization: `Bearer ${api.org.key}` },
  });
  assert.equal(content.statusCode, 200);
  assert.deepEqual(content.rawPayload, pdf('апрель'));
  assert.match(String(content.headers['content-disposition']), /^attachment; /);

  // Refused: an empty body, a path for a name, an unknown object.
  const empty = await upload(api, plots[0]!, 'x.pdf', Buffer.alloc(0));
  assert.equal(empty.status, 400);
  assert.match(empty.body.error.message, /body: the file is empty/);
  const noName = await upload(api, plots[0]!, '../', bytes);
  assert.equal(noName.status, 400);
  assert.match(noName.body.error.message, /fileName: is not a file name/);
  const stripped = await upload(api, plots[1]!, '../../etc/Квитанция.pdf', bytes);
  assert.equal(stripped.body.document.fileName, 'Квитанция.pdf');
  assert.equal((await upload(api, 999_999, 'x.pdf', bytes)).status, 404);

  // Deleted: its links answer 410, with a page in Russian.
  assert.equal((await api.call('DELETE', `/api/v1/documents/${up.body.document.id}`)).status, 204);
  const gone = await api.app.inject({ method: 'GET', url: pathOf(one.body.url) });
  assert.equal(gone.statusCode, 410);
  assert.match(gone.body, /Документ больше не доступен/);
  assert.equal((await api.call('DELETE', `/api/v1/documents/${up.body.document.id}`)).status, 404);
});

test('a tampered, forged or garbage token is 404, an expired one 410, and neither says more', async () => {
  const api = await createTestApi();
  const { plots } = await owner(api);
  const up = await upload(api, plots[0]!, 'Квитанция.pdf', pdf('17'));
  const secret = (await getLinkSecret(api.db, api.org.id))!;
  assert.equal(secret.length, 32);
  const url = signedDocumentUrl(secret, api.config, api.org.id, up.body.document.id, new Date());
  const token = pathOf(url).slice(3);
  assert.equal((await api.app.inject({ method: 'GET', url: `/d/${token}` })).statusCode, 200);

  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const bodies = new Set<string>();
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '.') continue;
    const c = alphabet[(alphabet.indexOf(token[i]!) + 1) % 64]!;
    const res = await api.app.inject({
      method: 'GET',
      url: `/d/${token.slice(0, i)}${c}${token.slice(i + 1)}`,
    });
    // The last character of each base64url part may carry unused bits: a change there can decode the same.
    if (res.statusCode === 200) continue;
    assert.equal(res.statusCode, 404, `character ${i} changed → ${res.statusCode}`);
    bodies.add(res.body);
  }
  for (const bad of ['x', 'x.y', `${token}x`, 'A'.repeat(2000), '.', '%00']) {
    const res = await api.app.inject({ method: 'GET', url: `/d/${bad}` });
    assert.ok([400, 404, 414].includes(res.statusCode), `${bad.slice(0, 20)} → ${res.statusCode}`);
    if (res.statusCode === 404 && res.body.includes('<html')) bodies.add(res.body);
  }
  // A link naming a document id that does not exist, signed with a secret it does not have.
  const guessed = signDocumentLink(Buffer.alloc(32, 7), {
    orgId: api.org.id,
    documentId: up.body.document.id,
    expiresAt: 4_000_000_000 - (4_000_000_000 % 86_400),
  });
  const g = await api.app.inject({ method: 'GET', url: `/d/${guessed}` });
  assert.equal(g.statusCode, 404);
  bodies.add(g.body);
  assert.equal(bodies.size, 1, 'every refusal is the same page: nothing to learn by trying');
  assert.match([...bodies][0]!, /Ссылка недействительна/);

  // Made 91 days ago with the default 90: expired, and said so.
  const old = signedDocumentUrl(
    secret,
    api.config,
    api.org.id,
    up.body.document.id,
    new Date(Date.now() - 91 * 86_400_000),
  );
  const expired = await api.app.inject({ method: 'GET', url: pathOf(old) });
  assert.equal(expired.statusCode, 410);
  assert.match(expired.body, /Срок действия ссылки истёк/);
  const recent = signedDocumentUrl(
    secret,
    api.config,
    api.org.id,
    up.body.document.id,
    new Date(Date.now() - 89 * 86_400_000),
  );
  assert.equal((await api.app.inject({ method: 'GET', url: pathOf(recent) })).statusCode, 200);
});

test('another organisation reaches neither the documents nor, through its own links, the files', async () => {
  const api = await createTestApi();
  const b = await api.addOrg('Организация Б');
  const { plots } = await owner(api);
  const up = await upload(api, plots[0]!, 'Квитанция А.pdf', pdf('секрет организации А'));
  const id = up.body.document.id;
  for (const [method, url] of [
    ['GET', `/api/v1/documents/${id}`],
    ['GET', `/api/v1/documents/${id}/content`],
    ['DELETE', `/api/v1/documents/${id}`],
    ['GET', `/api/v1/objects/${plots[0]}/documents`],
  ] as const) {
    const res = await api.call(method, url, undefined, { key: b.key });
    assert.equal(res.status, 404, `${method} ${url} with B's key → ${res.status}`);
  }
  assert.equal((await upload(api, plots[0]!, 'чужое.pdf', pdf('Б'), b.key)).status, 404);

  // B's secret signing A's organisation and document: not genuine.
  const bSecret = (await getLinkSecret(api.db, b.id))!;
  const aSecret = (await getLinkSecret(api.db, api.org.id))!;
  assert.notDeepEqual(bSecret, aSecret);
  const forged = signedDocumentUrl(bSecret, api.config, api.org.id, id, new Date());
  assert.equal((await api.app.inject({ method: 'GET', url: pathOf(forged) })).statusCode, 404);
  // B's genuine link naming A's document id is looked up in B's documents only.
  const own = signedDocumentUrl(bSecret, api.config, b.id, id, new Date());
  const res = await api.app.inject({ method: 'GET', url: pathOf(own) });
  assert.notEqual(res.statusCode, 200);
  assert.ok(!res.body.includes('секрет'));
  assert.equal((await api.call('GET', `/api/v1/documents/${id}`)).status, 200, 'A still has it');
});

test('%kvit in a preview gives each plot its own receipt link, and the link downloads it', async () => {
  const api = await createTestApi();
  const { contactId, plots } = await owner(api);
  const noReceipt = await api.call('POST', `/api/v1/contacts/${contactId}/objects`, {
    kind: 'plot',
    number: '19',
  });
  assert.equal(noReceipt.status, 201);
  await upload(api, plots[0]!, 'Квитанция 17.pdf', pdf('участок 17'));
  await upload(api, plots[1]!, 'Квитанция 18.pdf', pdf('участок 18 старая'));
  await upload(api, plots[1]!, 'Квитанция 18.pdf', pdf('участок 18'));

  const preview = await api.call('POST', '/api/v1/templates/preview', {
    channel: 'sms',
    text: 'Уважаемый %name. Направляем Вам квитанцию для оплаты начислений %kvit. Итого %total руб.',
    contactId,
  });
  assert.equal(preview.status, 200, preview.text);
  const links = [...preview.body.text.matchAll(/http:\/\/\S+?\/d\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g)].map(
    (m) => m[0],
  );
  assert.equal(links.length, 2, preview.body.text);
  assert.match(
    preview.body.text,
    /^Уважаемый Иван Сергеевич\. Направляем Вам квитанцию для оплаты начислений http\S+, http\S+\. Итого 2\.00 руб\.$/,
  );
  const first = await api.app.inject({ method: 'GET', url: pathOf(links[0]!) });
  assert.deepEqual(first.rawPayload, pdf('участок 17'));
  const second = await api.app.inject({ method: 'GET', url: pathOf(links[1]!) });
  assert.deepEqual(second.rawPayload, pdf('участок 18'), 'the latest receipt of plot 18');
  // The sentence's full stop taken into the link by a phone: still the document.
  const dotted = await api.app.inject({ method: 'GET', url: `${pathOf(links[1]!)}.` });
  assert.deepEqual(dotted.rawPayload, pdf('участок 18'));

  // The same day, the same links: a preview agrees with itself (and with a launch that day).
  const again = await api.call('POST', '/api/v1/templates/preview', {
    channel: 'sms',
    text: '%kvit',
    contactId,
  });
  assert.equal(again.body.text, links.join(', '));
});

test('seed 003: files matched to objects by the number in their names', async () => {
  const api = await createTestApi();
  const c = await api.call('POST', '/api/v1/contacts', { firstName: 'Анна', phone: '+79120000009' });
  for (const number of ['123', '1-15', '1', '15', '2025', '77']) {
    const kind = number === '77' ? 'plot' : 'account';
    assert.equal(
      (await api.call('POST', `/api/v1/contacts/${c.body.id}/objects`, { kind, number })).status,
      201,
    );
  }
  const r = await api.call('POST', '/api/v1/documents/match', {
    fileNames: [
      'ЛС 00123.pdf',
      'квитанция_1-15.pdf',
      'ЛС 15 за 2025.pdf',
      'без номера.pdf',
      '77.pdf',
      'дубль 123.pdf',
    ],
    objectKind: 'account',
  });
  assert.equal(r.status, 200, r.text);
  const by = Object.fromEntries(r.body.items.map((m: { file: string }) => [m.file, m]));
  assert.equal(by['квитанция_1-15.pdf'].number, '1-15', 'the longer number, not its parts');
  assert.deepEqual(by['ЛС 15 за 2025.pdf'].reason, 'ambiguous');
  assert.deepEqual(by['без номера.pdf'].reason, 'no_number');
  assert.deepEqual(by['77.pdf'].reason, 'no_number', 'plot 77 is not an account');
  assert.equal(by['ЛС 00123.pdf'].reason, 'duplicate', 'two files for account 123: neither is taken');
  assert.equal(by['дубль 123.pdf'].reason, 'duplicate');
});

/**
 * Addresses with a non-ASCII local part (issue 19) where they enter Vestnik, through the API: the
 * contacts API refuses one with an error naming the field and the value; an import rejects the row
 * with the reason `non_ascii_email`, storing the rest; a single send refuses it as `to`. A
 * non-ASCII domain alone is an ordinary address. And the SMTP gateway's DKIM key, set through the
 * API as dkimPrivateKey, is a sealed secret: listed by name, never shown.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApi } from '../helpers/api.ts';
import { waitFor } from '../helpers/db.ts';

const api = await createTestApi();

test('contacts API: a non-ASCII local part is refused on create and on update, naming field and value', async () => {
  const org = await api.addOrg('СНТ «Берёзка»');
  const created = await api.call(
    'POST',
    '/api/v1/contacts',
    { lastName: 'Иванов', email: 'иван@пример.рф' },
    { key: org.key },
  );
  assert.equal(created.status, 400, created.text);
  assert.equal(created.body.error.code, 'invalid_input');
  const [detail] = created.body.error.details;
  assert.deepEqual([detail.field, detail.value], ['email', 'иван@пример.рф']);
  assert.match(detail.message, /non-Latin characters before the @ \(«иван»\).*SMTPUTF8/);
  assert.match(created.body.error.message, /^email: /);

  const ok = await api.call(
    'POST',
    '/api/v1/contacts',
    { lastName: 'Иванов', email: 'Ivan@Пример.РФ' },
    { key: org.key },
  );
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.body.email, 'Ivan@пример.рф', 'a non-ASCII domain alone is fine');

  const patched = await api.call(
    'PATCH',
    `/api/v1/contacts/${ok.body.id}`,
    { email: 'пётр@example.ru' },
    { key: org.key },
  );
  assert.equal(patched.status, 400, patched.text);
  assert.deepEqual(
    patched.body.error.details.map((d: { field: string; value: unknown }) => [d.field, d.value]),
    [['email', 'пётр@example.ru']],
  );
  const still = await api.call('GET', `/api/v1/contacts/${ok.body.id}`, undefined, { key: org.key });
  assert.equal(still.body.email, 'Ivan@пример.рф');

  const send = await api.call(
    'POST',
    '/api/v1/messages',
    { channel: 'email', to: 'иван@пример.рф', subject: 'Собрание', text: 'В субботу.' },
    { key: org.key },
  );
  assert.equal(send.status, 400, send.text);
  assert.deepEqual(
    [send.body.error.details[0].field, send.body.error.details[0].value],
    ['to', 'иван@пример.рф'],
  );
});

test('import: the row is rejected as non_ascii_email with its row number; the others are stored', async () => {
  const org = await api.addOrg('СНТ «Ёлочка»');
  const csv = [
    'Лицевой счёт;ФИО;E-mail',
    'ЛС-1;Петров Пётр;petrov@example.ru',
    'ЛС-2;Иванов Иван;иван@пример.рф',
    'ЛС-3;Сидорова Анна;anna@пример.рф',
    'ЛС-4;Кузнецов;ivan@',
    'ЛС-5;Müller;jörg@example.de',
  ].join('\r\n');
  const up = await api.call('POST', '/api/v1/imports?start=true&filename=smtputf8.csv', Buffer.from(csv), {
    key: org.key,
    headers: { 'content-type': 'text/csv' },
  });
  assert.equal(up.status, 201, up.text);
  const done = await waitFor(
    async () => {
      const r = await api.call('GET', `/api/v1/imports/${up.body.job.id}`, undefined, { key: org.key });
      return r.body.state === 'done' || r.body.state === 'failed' ? r.body : undefined;
    },
    30_000,
    'import',
  );
  assert.equal(done.state, 'done', JSON.stringify(done));
  assert.deepEqual(done.rejectedByReason, { non_ascii_email: 2, invalid_email: 1 });
  assert.equal(done.created, 2);
  const rejects = await api.call('GET', `/api/v1/imports/${done.id}/rejects`, undefined, { key: org.key });
  assert.deepEqual(
    rejects.body.items.map((r: { row: number; reasons: string[] }) => [r.row, r.reasons.join('+')]),
    [
      [3, 'non_ascii_email'],
      [5, 'invalid_email'],
      [6, 'non_ascii_email'],
    ],
  );
  const problem = rejects.body.items[0].problems[0];
  assert.deepEqual([problem.column, problem.header, problem.value], ['email', 'E-mail', 'иван@пример.рф']);
  assert.match(problem.message, /SMTPUTF8/);
  const only = await api.call('GET', `/api/v1/imports/${done.id}/rejects?reason=non_ascii_email`, undefined, {
    key: org.key,
  });
  assert.deepEqual(
    only.body.items.map((r: { row: number }) => r.row),
    [3, 6],
  );
  const contacts = await api.call('GET', '/api/v1/contacts?limit=100', undefined, { key: org.key });
  assert.deepEqual(contacts.body.items.map((c: { email: string }) => c.email).sort(), [
    'anna@пример.рф',
    'petrov@example.ru',
  ]);
});

test('gateways API: the DKIM key (dkimPrivateKey) is sealed, listed by name and never returned', async () => {
  const org = await api.addOrg('УК «Дом»');
  const pem = (await import('node:crypto'))
    .generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
  const r = await api.call(
    'POST',
    '/api/v1/gateways',
    {
      name: 'mail',
      kind: 'smtp',
      settings: {
        host: '127.0.0.1',
        from: 'info@uk-dom.ru',
        dkimDomain: 'uk-dom.ru',
        dkimSelector: 'vestnik',
        dkimPrivateKey: pem,
      },
    },
    { key: org.key },
  );
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.body.secrets, ['dkimPrivateKey']);
  assert.equal('dkimPrivateKey' in r.body.settings, false);
  assert.doesNotMatch(r.text, /PRIVATE KEY/);
  const listed = await api.call('GET', '/api/v1/gateways', undefined, { key: org.key });
  assert.doesNotMatch(listed.text, /PRIVATE KEY/);
  const row = await api.db.query<{ settings: Record<string, unknown>; secrets: string }>(
    'SELECT settings, secrets FROM gateways WHERE id = $1',
    [r.body.id],
  );
  assert.equal('dkimPrivateKey' in row.rows[0]!.settings, false);
  assert.doesNotMatch(row.rows[0]!.secrets, /PRIVATE KEY/);

  const half = await api.call(
    'POST',
    '/api/v1/gateways',
    {
      name: 'mail2',
      kind: 'smtp',
      settings: { host: '127.0.0.1', from: 'info@uk-dom.ru', dkimDomain: 'uk-dom.ru' },
    },
    { key: org.key },
  );
  assert.equal(half.status, 400, half.text);
  assert.equal(half.body.error.details[0].field, 'settings.dkimSelector');
});

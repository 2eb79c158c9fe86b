/**
 * The recipient's one-click unsubscribe (CT-4, RFC 8058): opening the link only asks; the POST of
 * `List-Unsubscribe=One-Click` suppresses the address, withdraws the consents on that channel and
 * excludes every message to it not yet sent. Twice is once; a link that is not genuine does nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signUnsubscribe } from '../../src/core/email/unsubscribe.ts';
import { unsubscribeLink } from '../../src/services/unsubscribe.ts';
import { getLinkSecret } from '../../src/store/orgs.ts';
import { createTestApi, type TestApi } from '../helpers/api.ts';

async function launched(api: TestApi, name: string) {
  const c = await api.call('POST', '/api/v1/campaigns', {
    name,
    channel: 'email',
    subject: 'Квитанция',
    textTemplate: '<p>Уважаемый {{ contact.name }}, квитанция во вложении.</p>',
    audience: { kind: 'all' },
  });
  assert.equal(c.status, 201, c.text);
  const l = await api.call('POST', `/api/v1/campaigns/${c.body.id}/launch`);
  assert.equal(l.status, 200, l.text);
  return (await api.call('GET', `/api/v1/campaigns/${c.body.id}/messages`)).body.items as {
    id: number;
    contactId: number;
    address: string;
    state: string;
    reason: string | null;
  }[];
}

async function setup() {
  const api = await createTestApi();
  const ivan = await api.call('POST', '/api/v1/contacts', {
    firstName: 'Иван',
    middleName: 'Сергеевич',
    email: 'ivan@example.ru',
  });
  const anna = await api.call('POST', '/api/v1/contacts', { firstName: 'Анна', email: 'anna@example.ru' });
  for (const category of ['advertising', 'informational']) {
    const g = await api.call('POST', `/api/v1/contacts/${ivan.body.id}/consents`, {
      channel: 'email',
      category,
      source: 'заявление в правлении',
      wording: 'Согласен получать письма',
    });
    assert.equal(g.status, 201, g.text);
  }
  const first = await launched(api, 'Март');
  const second = await launched(api, 'Апрель');
  const mine = first.find((m) => m.contactId === ivan.body.id)!;
  const url = await unsubscribeLink(
    api.db,
    api.org.id,
    { contactId: ivan.body.id, messageId: mine.id },
    api.config.publicUrl,
  );
  assert.ok(url.startsWith(`${api.config.publicUrl}/u/`), url);
  return {
    api,
    ivan: ivan.body.id as number,
    anna: anna.body.id as number,
    first,
    second,
    path: new URL(url).pathname,
  };
}

const oneClick = (api: TestApi, path: string, payload = 'List-Unsubscribe=One-Click') =>
  api.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload,
  });

async function state(api: TestApi, ivan: number) {
  const sup = (await api.call('GET', '/api/v1/suppressions?channel=email')).body.items;
  const consents = (await api.call('GET', `/api/v1/contacts/${ivan}/consents`)).body.items;
  const messages = await api.db.query<{ address: string; state: string; reason: string | null }>(
    'SELECT address, state, reason FROM messages WHERE org_id = $1 ORDER BY id',
    [api.org.id],
  );
  return { sup, consents, messages: messages.rows };
}

test('GET only shows the confirmation; the one-click POST unsubscribes and excludes what is queued', async () => {
  const { api, ivan, path } = await setup();
  const before = await state(api, ivan);
  assert.equal(before.messages.filter((m) => m.state === 'queued').length, 4);

  const page = await api.app.inject({ method: 'GET', url: path });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(page.body, /Отписаться от рассылки/);
  assert.match(page.body, /iv\*\*\*@example\.ru/, 'the address, masked');
  assert.match(
    page.body,
    /<form method="post"[^>]*>\s*<input type="hidden" name="List-Unsubscribe" value="One-Click">/,
  );
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  // A mail scanner opening the link (twice, and with HEAD) changes nothing.
  await api.app.inject({ method: 'GET', url: path });
  await api.app.inject({ method: 'HEAD', url: path });
  assert.deepEqual(await state(api, ivan), before);

  const done = await oneClick(api, path);
  assert.equal(done.statusCode, 200, done.body);
  assert.match(done.body, /Вы отписаны/);
  const after = await state(api, ivan);
  assert.deepEqual(
    after.sup.map((s: { address: string; reason: string; createdBy: string }) => [s.address, s.reason]),
    [['ivan@example.ru', 'unsubscribed']],
  );
  assert.ok(after.consents.every((c: { withdrawnAt: string | null }) => c.withdrawnAt !== null));
  assert.equal(after.consents.length, 2);
  assert.equal(after.messages.length, 4);
  for (const m of after.messages) {
    if (m.address === 'ivan@example.ru') assert.deepEqual([m.state, m.reason], ['excluded', 'unsubscribed']);
    else assert.deepEqual([m.state, m.reason], ['queued', null]);
  }

  // A later campaign leaves him out at launch.
  const later = await launched(api, 'Май');
  assert.equal(later.find((m) => m.address === 'ivan@example.ru')?.state ?? 'excluded', 'excluded');

  // Twice is once: the same page, nothing more changed (the withdrawal keeps its first time).
  const again = await oneClick(api, path);
  assert.equal(again.statusCode, 200);
  const twice = await state(api, ivan);
  assert.deepEqual(twice.sup, after.sup);
  assert.deepEqual(twice.consents, after.consents);
});

test('RFC 8058 multipart form works; a POST without One-Click does nothing', async () => {
  const { api, ivan, path } = await setup();
  const before = await state(api, ivan);
  for (const payload of ['', 'List-Unsubscribe=Yes', 'foo=bar']) {
    const res = await oneClick(api, path, payload);
    assert.equal(res.statusCode, 400, payload);
    assert.match(res.body, /Запрос не понят/);
  }
  assert.deepEqual(await state(api, ivan), before);

  const boundary = '----vestnik';
  const res = await api.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`,
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal((await state(api, ivan)).sup.length, 1);
});

test('bad, tampered, foreign and expired tokens: 404 or 410, and nothing changes', async () => {
  const { api, ivan, first, path } = await setup();
  const b = await api.addOrg('Организация Б');
  const before = await state(api, ivan);
  const token = path.slice(3);
  const mine = first.find((m) => m.contactId === ivan)!;
  const aSecret = (await getLinkSecret(api.db, api.org.id))!;
  const bSecret = (await getLinkSecret(api.db, b.id))!;
  const claims = { orgId: api.org.id, contactId: ivan, messageId: mine.id };
  const cases: [string, number][] = [
    ['garbage', 404],
    [`${token.slice(0, -2)}AA`, 404],
    [`${token.split('.')[0]!.slice(0, -3)}AAA.${token.split('.')[1]}`, 404],
    // Signed by organisation B, naming A's message.
    [signUnsubscribe(bSecret, claims), 404],
    // Genuine, but for another contact than the message's.
    [signUnsubscribe(aSecret, { ...claims, contactId: ivan + 1 }), 404],
    // Genuine, for a message that does not exist.
    [signUnsubscribe(aSecret, { ...claims, messageId: 999_999 }), 404],
    [signUnsubscribe(aSecret, claims, { expiresAt: new Date(Date.now() - 1000) }), 410],
  ];
  for (const [t, status] of cases) {
    const get = await api.app.inject({ method: 'GET', url: `/u/${t}` });
    assert.equal(get.statusCode, status, `GET ${t.slice(0, 30)}`);
    const post = await oneClick(api, `/u/${t}`);
    assert.equal(post.statusCode, status, `POST ${t.slice(0, 30)}`);
    assert.match(post.body, status === 410 ? /Срок действия ссылки истёк/ : /Ссылка недействительна/);
  }
  assert.deepEqual(await state(api, ivan), before);

  // A long token (large ids, an expiry) still reaches the route (Fastify's default limit is 100).
  const long = signUnsubscribe(
    aSecret,
    { ...claims, messageId: 9_007_199_254_740_991 },
    { expiresAt: new Date(Date.now() + 86_400_000) },
  );
  assert.ok(long.length > 100, long);
  assert.equal((await api.app.inject({ method: 'GET', url: `/u/${long}` })).statusCode, 404);
  const withExpiry = signUnsubscribe(aSecret, claims, { expiresAt: new Date(Date.now() + 86_400_000) });
  assert.equal((await api.app.inject({ method: 'GET', url: `/u/${withExpiry}` })).statusCode, 200);
});

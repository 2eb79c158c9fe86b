/**
 * Who may call the API, and what each may do (AC-1, AC-2): API keys (scoped by role, revocable at
 * once), people's password sign-in with an HttpOnly session cookie and a CSRF token for unsafe
 * methods, and the rule that nobody hands out more than they have.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Role } from '../../src/core/roles.ts';
import { createUser } from '../../src/services/accounts.ts';
import { createTestApi, type Response } from '../helpers/api.ts';

const api = await createTestApi();

async function contactCount(orgId: number): Promise<number> {
  const { rows } = await api.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM contacts WHERE org_id = $1',
    [orgId],
  );
  return rows[0]!.n;
}

/** A key of `role` in the organisation of `ownerKey`, made through the API. */
async function keyWithRole(role: Role, ownerKey = api.org.key): Promise<{ id: number; secret: string }> {
  const r = await api.call('POST', '/api/v1/keys', { name: `ключ ${role}`, role }, { key: ownerKey });
  assert.equal(r.status, 201, r.text);
  return { id: r.body.key.id, secret: r.body.secret };
}

function assertError(r: Response, status: number, code: string) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.body?.error?.code, code, r.text);
  assert.equal(typeof r.body.error.message, 'string');
}

function setCookies(r: Response): string[] {
  const h = r.headers['set-cookie'];
  return h === undefined ? [] : Array.isArray(h) ? h.map(String) : [String(h)];
}

test('without a key, with a malformed header or an unknown key, the API answers 401', async () => {
  const before = await contactCount(api.org.id);
  const none = await api.call('GET', '/api/v1/contacts', undefined, { key: null });
  assertError(none, 401, 'unauthenticated');
  assert.equal(none.body.error.message, 'sign in or send `Authorization: Bearer <key>`');
  assertError(
    await api.call('POST', '/api/v1/contacts', { firstName: 'Аноним' }, { key: null }),
    401,
    'unauthenticated',
  );
  const basic = await api.call('GET', '/api/v1/contacts', undefined, {
    key: null,
    headers: { authorization: 'Basic dXNlcjpwYXNz' },
  });
  assertError(basic, 401, 'unauthenticated');
  assert.equal(basic.body.error.message, 'Authorization must be `Bearer <key>`');
  for (const key of ['vk_unknown', 'not-a-vestnik-key', `${api.org.key}x`]) {
    const r = await api.call('GET', '/api/v1/contacts', undefined, { key });
    assertError(r, 401, 'unauthenticated');
    assert.equal(r.body.error.message, 'the API key is unknown or revoked');
  }
  // Authentication comes before validation: a bad body without a key is still 401, not 400.
  assertError(
    await api.call('POST', '/api/v1/contacts', { nonsense: true }, { key: null }),
    401,
    'unauthenticated',
  );
  assert.equal(await contactCount(api.org.id), before);
  // The public routes need nothing.
  assert.equal((await api.call('GET', '/healthz', undefined, { key: null })).status, 200);
  assert.equal((await api.call('GET', '/api/openapi.json', undefined, { key: null })).status, 200);
});

test('a new key works, is listed without its secret, and once revoked is refused at once', async () => {
  const created = await api.call('POST', '/api/v1/keys', { name: '  интеграция 1С  ' });
  assert.equal(created.status, 201, created.text);
  const { key, secret } = created.body;
  assert.match(secret, /^vk_[A-Za-z0-9_-]{43}$/);
  assert.equal(key.name, 'интеграция 1С');
  assert.equal(key.role, 'operator', 'the default role of a key');
  assert.equal(key.prefix, secret.slice(0, 10));
  assert.equal(key.revokedAt, null);

  const me = await api.call('GET', '/api/v1/me', undefined, { key: secret });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.body.role, 'operator');
  assert.equal(me.body.initiator, `key:${key.id}`);
  assert.equal(me.body.user, null);
  assert.equal(me.body.org.id, api.org.id);

  const listed = await api.call('GET', '/api/v1/keys');
  assert.equal(listed.status, 200);
  const row = listed.body.items.find((k: { id: number }) => k.id === key.id);
  assert.ok(row);
  assert.ok(!listed.text.includes(secret), 'the secret is never listed');
  assert.ok(!listed.text.includes(secret.slice(10)), 'nor any part of it beyond the prefix');
  assert.deepEqual(Object.keys(row).sort(), [
    'createdAt',
    'id',
    'lastUsedAt',
    'name',
    'prefix',
    'revokedAt',
    'role',
  ]);
  assert.notEqual(row.lastUsedAt, null, 'the key was used');

  // A message sent with the key records the key as its initiator (AC-1).
  const sent = await api.call(
    'POST',
    '/api/v1/messages',
    { to: '+79120000100', text: 'Проверка' },
    { key: secret },
  );
  assert.equal(sent.status, 201, sent.text);
  assert.equal(sent.body.initiator, `key:${key.id}`);

  const revoked = await api.call('DELETE', `/api/v1/keys/${key.id}`);
  assert.equal(revoked.status, 200, revoked.text);
  assert.notEqual(revoked.body.revokedAt, null);
  const refused = await api.call('GET', '/api/v1/contacts', undefined, { key: secret });
  assertError(refused, 401, 'unauthenticated');
  assert.equal(refused.body.error.message, 'the API key is unknown or revoked');
  assertError(
    await api.call('POST', '/api/v1/messages', { to: '+79120000100', text: 'Ещё' }, { key: secret }),
    401,
    'unauthenticated',
  );
  // Revoking twice keeps the first time; an unknown key is 404.
  const again = await api.call('DELETE', `/api/v1/keys/${key.id}`);
  assert.equal(again.status, 200);
  assert.equal(again.body.revokedAt, revoked.body.revokedAt);
  assertError(await api.call('DELETE', '/api/v1/keys/999999999'), 404, 'not_found');

  // Another organisation can neither list nor revoke this organisation's keys.
  const other = await api.addOrg('Другая организация');
  const live = await keyWithRole('viewer');
  assertError(
    await api.call('DELETE', `/api/v1/keys/${live.id}`, undefined, { key: other.key }),
    404,
    'not_found',
  );
  const otherList = await api.call('GET', '/api/v1/keys', undefined, { key: other.key });
  assert.ok(!otherList.body.items.some((k: { id: number }) => k.id === live.id));
  assert.equal((await api.call('GET', '/api/v1/contacts', undefined, { key: live.secret })).status, 200);

  const badName = await api.call('POST', '/api/v1/keys', { name: '   ' });
  assertError(badName, 400, 'invalid_input');
  assert.equal(badName.body.error.details[0].field, 'name');
});

test('a viewer key reads but may not write; a moderator may not send', async () => {
  const viewer = await keyWithRole('viewer');
  const before = await contactCount(api.org.id);
  for (const url of ['/api/v1/contacts', '/api/v1/campaigns', '/api/v1/gateways', '/api/v1/me']) {
    const r = await api.call('GET', url, undefined, { key: viewer.secret });
    assert.equal(r.status, 200, `${url}: ${r.text}`);
  }
  const post = await api.call(
    'POST',
    '/api/v1/contacts',
    { firstName: 'Запрещённый' },
    { key: viewer.secret },
  );
  assertError(post, 403, 'forbidden');
  assert.equal(post.body.error.message, 'the role viewer may not do this (needs contacts.write)');
  assertError(
    await api.call('POST', '/api/v1/messages', { to: '+79120000101', text: 'x' }, { key: viewer.secret }),
    403,
    'forbidden',
  );
  assertError(
    await api.call(
      'POST',
      '/api/v1/campaigns',
      { name: 'x', channel: 'sms', textTemplate: 'x', audience: { kind: 'all' } },
      { key: viewer.secret },
    ),
    403,
    'forbidden',
  );
  assertError(await api.call('GET', '/api/v1/keys', undefined, { key: viewer.secret }), 403, 'forbidden');
  assert.equal(await contactCount(api.org.id), before);

  const moderator = await keyWithRole('moderator');
  assert.equal(
    (await api.call('GET', '/api/v1/campaigns', undefined, { key: moderator.secret })).status,
    200,
  );
  const send = await api.call(
    'POST',
    '/api/v1/messages',
    { to: '+79120000102', text: 'x' },
    { key: moderator.secret },
  );
  assertError(send, 403, 'forbidden');
  assert.match(send.body.error.message, /needs messages\.send/);
});

test('an operator works with contacts and messages but may not create keys or users', async () => {
  const operator = await keyWithRole('operator');
  const c = await api.call('POST', '/api/v1/contacts', { firstName: 'Оператор' }, { key: operator.secret });
  assert.equal(c.status, 201, c.text);
  const m = await api.call(
    'POST',
    '/api/v1/messages',
    { to: '+79120000103', text: 'ok' },
    { key: operator.secret },
  );
  assert.equal(m.status, 201, m.text);

  const keysBefore = (await api.call('GET', '/api/v1/keys')).body.items.length;
  for (const role of ['viewer', 'operator', 'owner']) {
    const r = await api.call(
      'POST',
      '/api/v1/keys',
      { name: 'от оператора', role },
      { key: operator.secret },
    );
    assertError(r, 403, 'forbidden');
    assert.equal(r.body.error.message, 'the role operator may not do this (needs keys.manage)');
  }
  assert.equal((await api.call('GET', '/api/v1/keys')).body.items.length, keysBefore);
  const user = await api.call(
    'POST',
    '/api/v1/users',
    { email: 'from-operator@example.ru', role: 'viewer', password: 'long-enough-1' },
    { key: operator.secret },
  );
  assertError(user, 403, 'forbidden');
  assertError(await api.call('GET', '/api/v1/users', undefined, { key: operator.secret }), 403, 'forbidden');
  assertError(
    await api.call('DELETE', `/api/v1/keys/${operator.id}`, undefined, { key: operator.secret }),
    403,
    'forbidden',
  );
  const { rows } = await api.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM users WHERE email = 'from-operator@example.ru'",
  );
  assert.equal(rows[0]!.n, 0);
});

test('an admin may create keys and users below admin, but never an owner (nor another admin)', async () => {
  const admin = await keyWithRole('admin');
  for (const role of ['owner', 'admin'] as const) {
    const k = await api.call(
      'POST',
      '/api/v1/keys',
      { name: `админский ${role}`, role },
      { key: admin.secret },
    );
    assertError(k, 400, 'invalid_input');
    assert.deepEqual(k.body.error.details, [
      { field: 'role', value: role, message: `a admin cannot create a key with role ${role}` },
    ]);
    const u = await api.call(
      'POST',
      '/api/v1/users',
      { email: `admin-made-${role}@example.ru`, role, password: 'long-enough-1' },
      { key: admin.secret },
    );
    assertError(u, 400, 'invalid_input');
    assert.equal(u.body.error.details[0].field, 'role');
  }
  const keys = (await api.call('GET', '/api/v1/keys')).body.items as { name: string }[];
  assert.ok(!keys.some((k) => k.name.startsWith('админский')));

  const operatorKey = await api.call(
    'POST',
    '/api/v1/keys',
    { name: 'от админа', role: 'operator' },
    { key: admin.secret },
  );
  assert.equal(operatorKey.status, 201, operatorKey.text);
  assert.equal(operatorKey.body.key.role, 'operator');
  const operatorUser = await api.call(
    'POST',
    '/api/v1/users',
    { email: 'Operator@Example.RU', name: 'Ольга', role: 'operator', password: 'long-enough-1' },
    { key: admin.secret },
  );
  assert.equal(operatorUser.status, 201, operatorUser.text);
  assert.equal(operatorUser.body.email, 'Operator@example.ru');
  assert.equal(operatorUser.body.role, 'operator');
  assert.ok(!operatorUser.text.includes('long-enough-1'));
  assert.ok(!operatorUser.text.includes('argon2'));

  // An owner may create an owner.
  const ownerKey = await api.call('POST', '/api/v1/keys', { name: 'второй владелец', role: 'owner' });
  assert.equal(ownerKey.status, 201, ownerKey.text);

  // The same e-mail twice (in any case) and a short password are refused, naming the field.
  const dup = await api.call('POST', '/api/v1/users', {
    email: 'operator@example.ru',
    role: 'viewer',
    password: 'long-enough-2',
  });
  assertError(dup, 400, 'invalid_input');
  assert.equal(dup.body.error.details[0].field, 'email');
  const short = await api.call('POST', '/api/v1/users', {
    email: 'short@example.ru',
    role: 'viewer',
    password: 'short',
  });
  assertError(short, 400, 'invalid_input');
  assert.deepEqual(short.body.error.details, [
    { field: 'password', value: '(hidden)', message: 'must be at least 8 characters' },
  ]);
  assert.ok(!short.text.includes('"short"'));
  const users = await api.call('GET', '/api/v1/users');
  assert.equal(users.status, 200);
  assert.deepEqual(
    users.body.items.map((u: { email: string }) => u.email).filter((e: string) => e.includes('example.ru')),
    ['Operator@example.ru'],
  );
  assert.ok(!users.text.includes('password'));
});

test('password sign-in sets an HttpOnly cookie; unsafe calls need the CSRF token; logout ends it', async () => {
  const u = await createUser(api.db, {
    orgId: api.org.id,
    email: 'owner@example.ru',
    name: 'Ольга Владимировна',
    role: 'owner',
    password: 'correct horse battery',
  });
  assert.ok(u.ok);
  const login = await api.call(
    'POST',
    '/api/v1/auth/login',
    { email: '  OWNER@example.RU ', password: 'correct horse battery' },
    { key: null },
  );
  assert.equal(login.status, 200, login.text);
  assert.deepEqual(Object.keys(login.body), ['csrfToken']);
  assert.match(login.body.csrfToken, /^[A-Za-z0-9_-]{32}$/);
  const cookieHeader = setCookies(login).find((c) => c.startsWith('vestnik_session='));
  assert.ok(cookieHeader, `set-cookie: ${setCookies(login).join(' | ')}`);
  const attrs = cookieHeader.split(';').map((s) => s.trim().toLowerCase());
  assert.ok(attrs.includes('httponly'), cookieHeader);
  assert.ok(attrs.includes('samesite=lax'), cookieHeader);
  assert.ok(attrs.includes('path=/'), cookieHeader);
  assert.ok(attrs.includes('max-age=43200'), cookieHeader);
  assert.ok(!attrs.includes('secure'), 'plain http: no Secure attribute');
  const cookie = cookieHeader.split(';')[0]!;
  const token = cookie.slice('vestnik_session='.length);
  assert.ok(token.length >= 40);
  assert.ok(!login.text.includes(token), 'the session token is only in the cookie');
  const csrf = login.body.csrfToken as string;

  const me = await api.call('GET', '/api/v1/me', undefined, { key: null, headers: { cookie } });
  assert.equal(me.status, 200, me.text);
  assert.deepEqual(me.body.user, { id: u.value.id, email: 'owner@example.ru', name: 'Ольга Владимировна' });
  assert.equal(me.body.role, 'owner');
  assert.equal(me.body.initiator, `user:${u.value.id}`);
  assert.equal(
    (await api.call('GET', '/api/v1/contacts', undefined, { key: null, headers: { cookie } })).status,
    200,
  );

  const before = await contactCount(api.org.id);
  const noCsrf = await api.call(
    'POST',
    '/api/v1/contacts',
    { firstName: 'Без токена' },
    { key: null, headers: { cookie } },
  );
  assertError(noCsrf, 403, 'csrf');
  assert.equal(noCsrf.body.error.message, 'missing or wrong X-CSRF-Token header');
  const wrongCsrf = await api.call(
    'POST',
    '/api/v1/contacts',
    { firstName: 'Чужой токен' },
    {
      key: null,
      headers: { cookie, 'x-csrf-token': `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}` },
    },
  );
  assertError(wrongCsrf, 403, 'csrf');
  assertError(
    await api.call('DELETE', '/api/v1/keys/1', undefined, {
      key: null,
      headers: { cookie, 'x-csrf-token': 'x' },
    }),
    403,
    'csrf',
  );
  assert.equal(await contactCount(api.org.id), before);

  const withCsrf = await api.call(
    'POST',
    '/api/v1/contacts',
    { firstName: 'С токеном' },
    { key: null, headers: { cookie, 'x-csrf-token': csrf } },
  );
  assert.equal(withCsrf.status, 201, withCsrf.text);
  assert.equal(await contactCount(api.org.id), before + 1);
  const sent = await api.call(
    'POST',
    '/api/v1/messages',
    { to: '+79120000104', text: 'от человека' },
    { key: null, headers: { cookie, 'x-csrf-token': csrf } },
  );
  assert.equal(sent.status, 201, sent.text);
  assert.equal(sent.body.initiator, `user:${u.value.id}`);

  // A program's Bearer key needs no CSRF token, even beside a cookie.
  const keyWins = await api.call(
    'POST',
    '/api/v1/contacts',
    { firstName: 'Ключом' },
    { headers: { cookie } },
  );
  assert.equal(keyWins.status, 201, keyWins.text);

  const logout = await api.call('POST', '/api/v1/auth/logout', undefined, { key: null, headers: { cookie } });
  assert.equal(logout.status, 204, logout.text);
  const cleared = setCookies(logout).find((c) => c.startsWith('vestnik_session='));
  assert.ok(cleared, 'logout clears the cookie');
  assert.match(cleared, /^vestnik_session=;/);
  const afterLogout = await api.call('GET', '/api/v1/me', undefined, { key: null, headers: { cookie } });
  assertError(afterLogout, 401, 'unauthenticated');
  assert.equal(afterLogout.body.error.message, 'the session has expired; sign in again');
  assertError(
    await api.call(
      'POST',
      '/api/v1/contacts',
      { firstName: 'После выхода' },
      {
        key: null,
        headers: { cookie, 'x-csrf-token': csrf },
      },
    ),
    401,
    'unauthenticated',
  );
  const { rows } = await api.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1',
    [u.value.id],
  );
  assert.equal(rows[0]!.n, 0);
});

test('a wrong password and an unknown e-mail get the same 401', async () => {
  const u = await createUser(api.db, {
    orgId: api.org.id,
    email: 'same-answer@example.ru',
    role: 'viewer',
    password: 'the-right-one',
  });
  assert.ok(u.ok);
  const wrong = await api.call(
    'POST',
    '/api/v1/auth/login',
    { email: 'same-answer@example.ru', password: 'the-wrong-one' },
    { key: null },
  );
  const unknown = await api.call(
    'POST',
    '/api/v1/auth/login',
    { email: 'nobody@example.ru', password: 'the-right-one' },
    { key: null },
  );
  assertError(wrong, 401, 'bad_credentials');
  assert.equal(unknown.status, wrong.status);
  assert.equal(unknown.text, wrong.text);
  assert.deepEqual(wrong.body, { error: { code: 'bad_credentials', message: 'wrong e-mail or password' } });
  assert.equal(setCookies(wrong).length, 0);
  assert.equal(setCookies(unknown).length, 0);
  const empty = await api.call(
    'POST',
    '/api/v1/auth/login',
    { email: 'same-answer@example.ru', password: '' },
    { key: null },
  );
  assert.equal(empty.text, wrong.text);
  const missing = await api.call(
    'POST',
    '/api/v1/auth/login',
    { email: 'same-answer@example.ru' },
    { key: null },
  );
  assertError(missing, 400, 'validation_failed');
  assert.equal(missing.body.error.details[0].field, 'body');
  assert.match(missing.body.error.message, /password/);
  const { rows } = await api.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1',
    [u.value.id],
  );
  assert.equal(rows[0]!.n, 0);
});

test("a signed-in viewer is held to the viewer's role; an expired session or a disabled user is refused", async () => {
  const u = await createUser(api.db, {
    orgId: api.org.id,
    email: 'viewer-person@example.ru',
    role: 'viewer',
    password: 'viewer-password',
  });
  assert.ok(u.ok);
  const s = await api.signIn('viewer-person@example.ru', 'viewer-password');
  const post = await api.call(
    'POST',
    '/api/v1/contacts',
    { firstName: 'Нельзя' },
    { key: null, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } },
  );
  assertError(post, 403, 'forbidden');
  assert.equal(
    (await api.call('GET', '/api/v1/contacts', undefined, { key: null, headers: { cookie: s.cookie } }))
      .status,
    200,
  );

  await api.db.query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1", [
    u.value.id,
  ]);
  const expired = await api.call('GET', '/api/v1/me', undefined, {
    key: null,
    headers: { cookie: s.cookie },
  });
  assertError(expired, 401, 'unauthenticated');

  const s2 = await api.signIn('viewer-person@example.ru', 'viewer-password');
  assert.equal(
    (await api.call('GET', '/api/v1/me', undefined, { key: null, headers: { cookie: s2.cookie } })).status,
    200,
  );
  await api.db.query('UPDATE users SET disabled_at = now() WHERE id = $1', [u.value.id]);
  assertError(
    await api.call('GET', '/api/v1/me', undefined, { key: null, headers: { cookie: s2.cookie } }),
    401,
    'unauthenticated',
  );
  assertError(
    await api.call(
      'POST',
      '/api/v1/auth/login',
      { email: 'viewer-person@example.ru', password: 'viewer-password' },
      { key: null },
    ),
    401,
    'bad_credentials',
  );
  assertError(
    await api.call('GET', '/api/v1/me', undefined, {
      key: null,
      headers: { cookie: 'vestnik_session=forged' },
    }),
    401,
    'unauthenticated',
  );
});

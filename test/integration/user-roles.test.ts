/**
 * Changing users (AC-1): an owner changes anyone else's role and switches people off and on; an
 * admin only those below an admin, and only to roles below; nobody changes themselves; the last
 * enabled owner stays. A role change takes effect on the user's next request; switching a user off
 * ends their sessions at once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApiKey, createUser } from '../../src/services/accounts.ts';
import { createTestApi } from '../helpers/api.ts';

const api = await createTestApi();
const orgId = api.org.id;

async function person(email: string, role: 'owner' | 'admin' | 'operator' | 'viewer') {
  const u = await createUser(api.db, {
    orgId,
    email,
    name: email.split('@')[0],
    role,
    password: 'пароль-12345',
  });
  assert.ok(u.ok);
  const login = await api.call(
    'POST',
    '/api/v1/auth/login',
    { email, password: 'пароль-12345' },
    { key: null },
  );
  assert.equal(login.status, 200, login.text);
  const setCookie = login.headers['set-cookie'];
  const cookie = String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0]!;
  const headers = { cookie, 'x-csrf-token': login.body.csrfToken as string };
  return {
    id: u.value.id,
    call: (method: string, url: string, body?: unknown) =>
      api.call(method, url, body, { key: null, headers }),
  };
}

const owner = await person('owner@snt.example', 'owner');
const admin = await person('admin@snt.example', 'admin');
const operator = await person('operator@snt.example', 'operator');

test('an owner raises an operator to admin; the new role holds on their next request', async () => {
  assert.equal((await operator.call('GET', '/api/v1/users')).status, 403, 'an operator may not manage users');
  const r = await owner.call('PATCH', `/api/v1/users/${operator.id}`, { role: 'admin' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.role, 'admin');
  assert.equal(r.body.disabled, false);
  assert.equal((await operator.call('GET', '/api/v1/users')).status, 200, 'the same session, the new role');
  const back = await owner.call('PATCH', `/api/v1/users/${operator.id}`, { role: 'operator' });
  assert.equal(back.body.role, 'operator');
});

test('an admin changes only those below, to roles below; nobody changes themselves', async () => {
  const toViewer = await admin.call('PATCH', `/api/v1/users/${operator.id}`, { role: 'viewer' });
  assert.equal(toViewer.status, 200, toViewer.text);
  const raise = await admin.call('PATCH', `/api/v1/users/${operator.id}`, { role: 'owner' });
  assert.equal(raise.status, 400);
  assert.match(raise.body.error.message, /role: a admin cannot make someone a owner/);
  const onOwner = await admin.call('PATCH', `/api/v1/users/${owner.id}`, { role: 'viewer' });
  assert.equal(onOwner.status, 400);
  assert.match(onOwner.body.error.message, /a admin cannot change a owner/);
  const self = await admin.call('PATCH', `/api/v1/users/${admin.id}`, { role: 'owner' });
  assert.equal(self.status, 400);
  assert.match(self.body.error.message, /your own role/);
  const other = await api.addOrg('Чужая организация');
  const k = await createApiKey(api.db, { orgId: other.id, name: 'x', role: 'owner', createdBy: null });
  assert.ok(k.ok);
  const foreign = await api.call(
    'PATCH',
    `/api/v1/users/${operator.id}`,
    { role: 'admin' },
    { key: k.value.secret },
  );
  assert.equal(foreign.status, 404, 'another organisation’s user does not exist for it');
  const unknown = await owner.call('PATCH', `/api/v1/users/${operator.id}`, { role: 'boss' });
  assert.equal(unknown.status, 400);
});

test('switching a user off ends their sessions and sign-in; switching on lets them sign in again', async () => {
  const viewer = await person('viewer@snt.example', 'viewer');
  assert.equal((await viewer.call('GET', '/api/v1/me')).status, 200);
  const off = await owner.call('PATCH', `/api/v1/users/${viewer.id}`, { disabled: true });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.body.disabled, true);
  assert.equal((await viewer.call('GET', '/api/v1/me')).status, 401, 'the session has ended');
  const login = () =>
    api.call(
      'POST',
      '/api/v1/auth/login',
      { email: 'viewer@snt.example', password: 'пароль-12345' },
      { key: null },
    );
  assert.equal((await login()).status, 401);
  const list = await owner.call('GET', '/api/v1/users');
  assert.equal(list.body.items.find((u: { id: number }) => u.id === viewer.id).disabled, true);
  const on = await owner.call('PATCH', `/api/v1/users/${viewer.id}`, { disabled: false });
  assert.equal(on.body.disabled, false);
  assert.equal((await login()).status, 200);
});

test('the last enabled owner cannot be demoted or switched off; with a second owner they can', async () => {
  const key = api.org.key; // an owner key: no user of its own, so it may act on every owner
  const demote = await api.call('PATCH', `/api/v1/users/${owner.id}`, { role: 'admin' }, { key });
  assert.equal(demote.status, 400);
  assert.match(demote.body.error.message, /keep one enabled owner/);
  const off = await api.call('PATCH', `/api/v1/users/${owner.id}`, { disabled: true }, { key });
  assert.equal(off.status, 400);
  const second = await person('second-owner@snt.example', 'owner');
  const now = await second.call('PATCH', `/api/v1/users/${owner.id}`, { role: 'admin' });
  assert.equal(now.status, 200, now.text);
  assert.equal(now.body.role, 'admin');
});

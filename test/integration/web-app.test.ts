/**
 * The web interface as the server hands it out: index.html at / and at any page the interface routes
 * itself, its hashed assets, a CSP that allows only its own origin, the API's 404 still JSON, and
 * /me giving a reloaded page its CSRF token back (sessions only: a key has none).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { WEB_DIST } from '../../src/api/webApp.ts';
import { createUser } from '../../src/services/accounts.ts';
import { createTestApi, type TestApi } from '../helpers/api.ts';

// `npm test` builds the interface first (scripts/test.js); without it this file cannot say anything.
assert.ok(fs.existsSync(path.join(WEB_DIST, 'index.html')), `${WEB_DIST} is built (npm run build:web)`);
const api: TestApi = await createTestApi();

const html = { key: null, headers: { accept: 'text/html,application/xhtml+xml' } };

test('/ and the interface’s own routes answer index.html with a same-origin CSP', async () => {
  for (const url of ['/', '/campaigns', '/campaigns/17', '/contacts/import', '/settings/keys']) {
    const r = await api.call('GET', url, undefined, html);
    assert.equal(r.status, 200, url);
    assert.match(String(r.headers['content-type']), /text\/html/, url);
    assert.match(r.text, /<div id="root"><\/div>/, url);
    assert.match(r.text, /<html lang="ru">/, 'Russian by default');
    const csp = String(r.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/, url);
    assert.match(csp, /frame-ancestors 'none'/, url);
    assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/, 'no inline scripts allowed');
    assert.equal(r.headers['cache-control'], 'no-cache', 'index.html is revalidated after an upgrade');
  }
});

test('the hashed assets index.html names are served and cached for good', async () => {
  const index = (await api.call('GET', '/', undefined, html)).text;
  const assets = [...index.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), index);
  for (const a of assets) {
    const r = await api.call('GET', a, undefined, { key: null });
    assert.equal(r.status, 200, a);
    assert.match(String(r.headers['cache-control']), /immutable/, a);
    assert.ok(r.text.length > 100, a);
  }
  const missing = await api.call('GET', '/assets/nope-123.js', undefined, { key: null });
  assert.equal(missing.status, 404, 'a missing asset is not answered with the page');
});

test('the API keeps its JSON 404s, and a program asking for JSON is not sent the page', async () => {
  const r = await api.call('GET', '/api/v1/nothing-here', undefined, html);
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'not_found');
  const post = await api.call('POST', '/campaigns', {}, { key: null });
  assert.equal(post.status, 404);
  assert.equal(post.body.error.code, 'not_found');
  const json = await api.call('GET', '/contacts', undefined, {
    key: null,
    headers: { accept: 'application/json' },
  });
  assert.equal(json.status, 404);
});

test('/me returns a session its CSRF token, which then lets the page make unsafe calls; a key gets none', async () => {
  const u = await createUser(api.db, {
    orgId: api.org.id,
    email: 'kassir@snt.example',
    name: 'Казначей',
    role: 'admin',
    password: 'берёзка-2026',
  });
  assert.ok(u.ok);
  const { cookie, csrf } = await api.signIn('kassir@snt.example', 'берёзка-2026');
  // A reload: the page has only the cookie and asks /me.
  const me = await api.call('GET', '/api/v1/me', undefined, { key: null, headers: { cookie } });
  assert.equal(me.status, 200);
  assert.equal(me.body.csrfToken, csrf);
  const created = await api.call(
    'POST',
    '/api/v1/contacts',
    { firstName: 'Вера', phone: '8 (912) 345-67-89' },
    { key: null, headers: { cookie, 'x-csrf-token': me.body.csrfToken } },
  );
  assert.equal(created.status, 201, created.text);

  const byKey = await api.call('GET', '/api/v1/me');
  assert.equal(byKey.status, 200);
  assert.equal(byKey.body.csrfToken, undefined, 'a key has no CSRF token to hand out');
});

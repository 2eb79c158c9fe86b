/**
 * The API's edges (IF-2, AC-2): one error shape `{"error": {"code", "message", "details"?}}` for
 * every failure, unknown routes and malformed bodies included; the health check; the OpenAPI 3.1
 * document of every /api/v1 route and its reference page.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApi, type Response } from '../helpers/api.ts';
import { TEST_ENGINE } from '../helpers/db.ts';

const api = await createTestApi();

/** Asserts the one error shape, exactly: nothing beside `error`, nothing in it but these keys. */
function assertErrorShape(r: Response, status: number, code: string, what = `${status} ${code}`): void {
  assert.equal(r.status, status, `${what}: ${r.text}`);
  assert.match(String(r.headers['content-type']), /^application\/json/, what);
  assert.ok(r.body && typeof r.body === 'object', `${what}: a JSON object`);
  assert.deepEqual(Object.keys(r.body), ['error'], what);
  const e = r.body.error;
  assert.equal(e.code, code, what);
  assert.equal(typeof e.message, 'string', what);
  assert.ok(e.message.length > 0, what);
  for (const k of Object.keys(e)) assert.ok(['code', 'message', 'details'].includes(k), `${what}: key ${k}`);
  if ('details' in e) assert.ok(Array.isArray(e.details) && e.details.length > 0, `${what}: details`);
}

async function contactCount(): Promise<number> {
  const { rows } = await api.db.query<{ n: number }>('SELECT count(*)::int AS n FROM contacts');
  return rows[0]!.n;
}

test('an unknown route is 404 with the JSON error shape, with or without a key', async () => {
  const r = await api.call('GET', '/nope');
  assertErrorShape(r, 404, 'not_found');
  assert.deepEqual(r.body, { error: { code: 'not_found', message: 'no route GET /nope' } });
  const q = await api.call('GET', '/api/v1/nothing-here?token=secret', undefined, { key: null });
  assertErrorShape(q, 404, 'not_found');
  assert.equal(q.body.error.message, 'no route GET /api/v1/nothing-here', 'the query is not echoed');
  const method = await api.call('DELETE', '/api/v1/contacts');
  assertErrorShape(method, 404, 'not_found');
  assert.equal(method.body.error.message, 'no route DELETE /api/v1/contacts');
  assertErrorShape(await api.call('PUT', '/api/v1/contacts/1', { firstName: 'x' }), 404, 'not_found');
  assertErrorShape(
    await api.call('POST', '/internal/cli', { argv: ['status'] }, { key: null }),
    404,
    'not_found',
  );
});

test('a malformed JSON body is 400 bad_json and nothing is written', async () => {
  const before = await contactCount();
  for (const raw of ['{"firstName": "Иван"', '{firstName: "Иван"}', '{"a":1} trailing', "{'a': 1}"]) {
    const r = await api.call('POST', '/api/v1/contacts', raw, {
      headers: { 'content-type': 'application/json' },
    });
    assertErrorShape(r, 400, 'bad_json', raw);
    assert.match(r.body.error.message, /^the body is not valid JSON: /, raw);
  }
  const charset = await api.call('POST', '/api/v1/contacts', '{"firstName":', {
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
  assertErrorShape(charset, 400, 'bad_json');
  // Public routes parse the same way.
  const login = await api.call('POST', '/api/v1/auth/login', '{"email":', {
    key: null,
    headers: { 'content-type': 'application/json' },
  });
  assertErrorShape(login, 400, 'bad_json');
  assert.equal(await contactCount(), before);
  // A well-formed body of the wrong JSON type is a validation error, not bad_json.
  const array = await api.call('POST', '/api/v1/contacts', '[1, 2]', {
    headers: { 'content-type': 'application/json' },
  });
  assertErrorShape(array, 400, 'validation_failed');
  assert.equal(array.body.error.details[0].field, 'body');
  assert.equal(await contactCount(), before);
});

test('every kind of failure answers in the same shape', async () => {
  const viewer = await api.call('POST', '/api/v1/keys', { name: 'viewer', role: 'viewer' });
  assert.equal(viewer.status, 201, viewer.text);
  const taken = await api.call('POST', '/api/v1/contacts', { externalId: 'shape-1' });
  assert.equal(taken.status, 201, taken.text);
  const c = await api.call('POST', '/api/v1/campaigns', {
    name: 'shape',
    channel: 'sms',
    textTemplate: 'x',
    audience: { kind: 'contacts', contactIds: [taken.body.id] },
  });
  assert.equal(c.status, 201, c.text);
  assert.equal((await api.call('POST', `/api/v1/campaigns/${c.body.id}/launch`)).status, 200);
  const first = await api.call(
    'POST',
    '/api/v1/messages',
    { to: '+79120009000', text: 'a' },
    {
      headers: { 'idempotency-key': 'shape-key' },
    },
  );
  assert.equal(first.status, 201, first.text);

  const cases: [string, () => Promise<Response>, number, string][] = [
    ['no key', () => api.call('GET', '/api/v1/contacts', undefined, { key: null }), 401, 'unauthenticated'],
    [
      'bad key',
      () => api.call('GET', '/api/v1/contacts', undefined, { key: 'vk_bad' }),
      401,
      'unauthenticated',
    ],
    [
      'bad cookie',
      () => api.call('GET', '/api/v1/me', undefined, { key: null, headers: { cookie: 'vestnik_session=x' } }),
      401,
      'unauthenticated',
    ],
    [
      'wrong password',
      () => api.call('POST', '/api/v1/auth/login', { email: 'a@example.ru', password: 'x' }, { key: null }),
      401,
      'bad_credentials',
    ],
    [
      'viewer writes',
      () => api.call('POST', '/api/v1/contacts', { firstName: 'x' }, { key: viewer.body.secret }),
      403,
      'forbidden',
    ],
    ['missing contact', () => api.call('GET', '/api/v1/contacts/999999999'), 404, 'not_found'],
    ['missing campaign', () => api.call('GET', '/api/v1/campaigns/999999999'), 404, 'not_found'],
    ['missing message', () => api.call('GET', '/api/v1/messages/999999999'), 404, 'not_found'],
    ['bad path id', () => api.call('GET', '/api/v1/contacts/abc'), 400, 'validation_failed'],
    ['id zero', () => api.call('GET', '/api/v1/contacts/0'), 400, 'validation_failed'],
    ['bad query', () => api.call('GET', '/api/v1/contacts?limit=0'), 400, 'validation_failed'],
    [
      'bad header',
      () =>
        api.call(
          'POST',
          '/api/v1/messages',
          { to: '+79120009000', text: 'a' },
          {
            headers: { 'idempotency-key': '' },
          },
        ),
      400,
      'validation_failed',
    ],
    ['unknown field', () => api.call('POST', '/api/v1/contacts', { nick: 'x' }), 400, 'validation_failed'],
    ['no body', () => api.call('POST', '/api/v1/contacts'), 400, 'validation_failed'],
    ['bad phone', () => api.call('POST', '/api/v1/contacts', { phone: '12' }), 400, 'invalid_input'],
    [
      'bad template',
      () =>
        api.call('POST', '/api/v1/campaigns', {
          name: 'x',
          channel: 'sms',
          textTemplate: '{{ nope }}',
          audience: { kind: 'all' },
        }),
      400,
      'invalid_input',
    ],
    [
      'text/plain body',
      () =>
        api.call('POST', '/api/v1/contacts', 'firstName=x', { headers: { 'content-type': 'text/plain' } }),
      400,
      'validation_failed',
    ],
    [
      'unsupported media type',
      () =>
        api.call('POST', '/api/v1/contacts', '<contact/>', {
          headers: { 'content-type': 'application/xml' },
        }),
      415,
      'bad_request',
    ],
    [
      'taken externalId',
      () => api.call('POST', '/api/v1/contacts', { externalId: 'shape-1' }),
      409,
      'conflict',
    ],
    ['second launch', () => api.call('POST', `/api/v1/campaigns/${c.body.id}/launch`), 409, 'not_draft'],
    [
      'edit after launch',
      () => api.call('PATCH', `/api/v1/campaigns/${c.body.id}`, { name: 'y' }),
      409,
      'not_draft',
    ],
    [
      'idempotency key reused',
      () =>
        api.call(
          'POST',
          '/api/v1/messages',
          { to: '+79120009000', text: 'b' },
          {
            headers: { 'idempotency-key': 'shape-key' },
          },
        ),
      422,
      'idempotency_key_reused',
    ],
    [
      'unknown gateway',
      () => api.call('POST', '/api/v1/callbacks/999999999', {}, { key: null }),
      404,
      'not_found',
    ],
    [
      'unsigned callback',
      () => api.call('POST', '/api/v1/callbacks/1', {}, { key: null }),
      401,
      'bad_callback',
    ],
    ['unknown route', () => api.call('GET', '/api/v2/contacts'), 404, 'not_found'],
  ];
  for (const [what, run, status, code] of cases) assertErrorShape(await run(), status, code, what);
});

test('GET /healthz answers 200 with the database kind, without a key', async () => {
  const r = await api.call('GET', '/healthz', undefined, { key: null });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { status: 'ok', database: TEST_ENGINE, version: 'test' });
});

test('GET /api/openapi.json is an OpenAPI 3.1 document of every /api/v1 route, with every $ref resolved', async () => {
  const r = await api.call('GET', '/api/openapi.json', undefined, { key: null });
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.match(String(r.headers['content-type']), /^application\/json/);
  const doc = r.body;
  assert.equal(doc.openapi, '3.1.0');
  assert.equal(doc.info.title, 'Vestnik API');
  assert.equal(doc.info.version, 'test');
  assert.deepEqual(doc.components.securitySchemes, { apiKey: { type: 'http', scheme: 'bearer' } });
  assert.deepEqual(doc.security, [{ apiKey: [] }]);

  const operations = new Set<string>();
  for (const [path, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
    assert.ok(path.startsWith('/api/v1/'), `only /api/v1 routes are documented, not ${path}`);
    for (const method of Object.keys(ops)) operations.add(`${method.toUpperCase()} ${path}`);
  }
  const expected = [
    'POST /api/v1/auth/login',
    'POST /api/v1/auth/logout',
    'GET /api/v1/me',
    'GET /api/v1/users',
    'POST /api/v1/users',
    'GET /api/v1/keys',
    'POST /api/v1/keys',
    'DELETE /api/v1/keys/{id}',
    'GET /api/v1/contacts',
    'POST /api/v1/contacts',
    'GET /api/v1/contacts/{id}',
    'PATCH /api/v1/contacts/{id}',
    'DELETE /api/v1/contacts/{id}',
    'GET /api/v1/contacts/{id}/messages',
    'GET /api/v1/contacts/{id}/objects',
    'POST /api/v1/contacts/{id}/objects',
    'PATCH /api/v1/objects/{id}',
    'DELETE /api/v1/objects/{id}',
    'GET /api/v1/campaigns',
    'POST /api/v1/campaigns',
    'GET /api/v1/campaigns/{id}',
    'PATCH /api/v1/campaigns/{id}',
    'POST /api/v1/campaigns/{id}/launch',
    'POST /api/v1/campaigns/{id}/cancel',
    'GET /api/v1/campaigns/{id}/messages',
    'POST /api/v1/messages',
    'GET /api/v1/messages/{id}',
    'GET /api/v1/gateways',
    'POST /api/v1/callbacks/{id}',
  ];
  for (const op of expected) assert.ok(operations.has(op), `${op} is documented`);

  // Public operations say so; every other one inherits the bearer scheme.
  const op = (method: string, path: string) => doc.paths[path][method];
  for (const [m, p] of [
    ['post', '/api/v1/auth/login'],
    ['post', '/api/v1/auth/logout'],
    ['post', '/api/v1/callbacks/{id}'],
  ] as const)
    assert.deepEqual(op(m, p).security, [], `${m} ${p} is public`);
  assert.equal(op('get', '/api/v1/contacts').security, undefined);

  // Shapes come from the route schemas: strict bodies, documented errors, the shared schemas.
  const contactBody = op('post', '/api/v1/contacts').requestBody.content['application/json'].schema;
  assert.equal(contactBody.additionalProperties, false);
  assert.ok('phone' in contactBody.properties);
  const sendParams = op('post', '/api/v1/messages').parameters as { in: string; name: string }[];
  assert.ok(sendParams.some((p) => p.in === 'header' && p.name === 'idempotency-key'));
  assert.ok('422' in op('post', '/api/v1/messages').responses);
  assert.ok('404' in op('get', '/api/v1/contacts/{id}').responses);
  for (const name of ['Error', 'Contact', 'ContactObject', 'Campaign', 'Message'])
    assert.ok(doc.components.schemas[name], `components.schemas.${name}`);

  // Every reference points at something that exists.
  const refs: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string') refs.push(x);
        else walk(x);
      }
    }
  };
  walk(doc);
  assert.ok(refs.length > 10, `${refs.length} references`);
  for (const ref of refs) {
    assert.match(ref, /^#\/components\/schemas\//, ref);
    assert.ok(doc.components.schemas[ref.split('/').pop()!], `${ref} resolves`);
  }
});

test('GET /api/docs serves the HTML reference page', async () => {
  const r = await api.call('GET', '/api/docs', undefined, { key: null });
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/html/);
  assert.match(r.text, /<!DOCTYPE html>/i);
  assert.match(r.text, /swagger-ui/);
  const css = await api.call('GET', '/api/docs/static/swagger-ui.css', undefined, { key: null });
  assert.equal(css.status, 200);
  assert.match(String(css.headers['content-type']), /^text\/css/);
  // The page's own copy of the document is the same document.
  const json = await api.call('GET', '/api/docs/json', undefined, { key: null });
  assert.equal(json.status, 200);
  assert.equal(json.body.openapi, '3.1.0');
  assert.deepEqual(
    Object.keys(json.body.paths),
    Object.keys((await api.call('GET', '/api/openapi.json', undefined, { key: null })).body.paths),
  );
});

/**
 * Tenant isolation (AC-1), for every route the server documents: organisation B's owner key is sent
 * to each operation of the OpenAPI document, with organisation A's ids in the path and in any id
 * field of the body. Nothing of A may come back, nothing of A may change, and a route with an id
 * in its path must answer 403 or 404. A route added later is walked without anyone remembering; one
 * whose path names a resource this test cannot supply fails until the walk learns it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApi } from '../helpers/api.ts';

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  items?: Schema;
  const?: unknown;
  minimum?: number;
  $ref?: string;
};

test('organisation B sees and changes nothing of organisation A on any documented route', async () => {
  const api = await createTestApi();
  const b = await api.addOrg('Организация Б');

  // Organisation A's data, with markers that must never appear in B's responses.
  const contact = await api.call('POST', '/api/v1/contacts', {
    firstName: 'МаркерАконтакт',
    lastName: 'Секретов',
    phone: '+79990001122',
    email: 'secret-a@example.ru',
    externalId: 'ext-A-1',
  });
  assert.equal(contact.status, 201, contact.text);
  const object = await api.call('POST', `/api/v1/contacts/${contact.body.id}/objects`, {
    kind: 'plot',
    number: 'A-17',
    debtKopecks: 4242,
  });
  assert.equal(object.status, 201, object.text);
  const campaign = await api.call('POST', '/api/v1/campaigns', {
    name: 'МаркерАкампания',
    channel: 'sms',
    textTemplate: 'МаркерАтекст {{ contact.name }}',
    audience: { kind: 'all' },
  });
  assert.equal(campaign.status, 201, campaign.text);
  const draft = await api.call('POST', '/api/v1/campaigns', {
    name: 'МаркерАчерновик',
    channel: 'sms',
    textTemplate: 'МаркерАтекст',
    audience: { kind: 'all' },
  });
  assert.equal((await api.call('POST', `/api/v1/campaigns/${campaign.body.id}/launch`)).status, 200);
  const message = await api.call('POST', '/api/v1/messages', {
    to: '+79990001122',
    text: 'МаркерАсообщение',
  });
  assert.equal(message.status, 201, message.text);
  const key = await api.call('POST', '/api/v1/keys', { name: 'МаркерАключ', role: 'viewer' });
  assert.equal(key.status, 201, key.text);
  const gateways = await api.call('GET', '/api/v1/gateways');
  const user = await api.call('POST', '/api/v1/users', {
    email: 'user-a@example.ru',
    role: 'viewer',
    password: 'password-a-123',
  });
  assert.equal(user.status, 201, user.text);
  const tariff = await api.call('PUT', '/api/v1/tariffs', {
    channel: 'sms',
    country: 'KZ',
    priceKopecks: 4242,
  });
  assert.equal(tariff.status, 200, tariff.text);
  const list = await api.call('POST', '/api/v1/lists', { name: 'МаркерАсписок' });
  assert.equal(list.status, 201, list.text);
  assert.equal(
    (await api.call('POST', `/api/v1/lists/${list.body.id}/members`, { ids: [contact.body.id] })).status,
    200,
  );
  const attribute = await api.call('POST', '/api/v1/attributes', { name: 'markerA', type: 'text' });
  assert.equal(attribute.status, 201, attribute.text);
  const document = await api.app.inject({
    method: 'POST',
    url: `/api/v1/objects/${object.body.id}/documents?fileName=${encodeURIComponent('МаркерАквитанция.pdf')}`,
    headers: { authorization: `Bearer ${api.org.key}`, 'content-type': 'application/pdf' },
    payload: Buffer.from('%PDF-1.4 МаркерА'),
  });
  assert.equal(document.statusCode, 201, document.body);
  const upload = await api.call(
    'POST',
    '/api/v1/imports?filename=a.csv',
    Buffer.from('Телефон;Имя\r\n89990001122;МаркерАимпорт\r\n'),
    {
      headers: { 'content-type': 'text/csv' },
    },
  );
  assert.equal(upload.status, 201, upload.text);
  const smsGateway = gateways.body.items.find((g: { channel: string }) => g.channel === 'sms');
  const sender = await api.call('POST', '/api/v1/senders', { gatewayId: smsGateway.id, name: 'MarkerA' });
  assert.equal(sender.status, 201, sender.text);

  const markers = [
    'МаркерА',
    'Секретов',
    '+79990001122',
    'secret-a@example.ru',
    'ext-A-1',
    'user-a@example.ru',
    key.body.key.prefix,
    'Тестовая организация',
    'markerA',
  ];
  /** The A resource behind a path segment followed by {id}. */
  const idFor: Record<string, number> = {
    contacts: contact.body.id,
    objects: object.body.id,
    campaigns: draft.body.id,
    messages: message.body.id,
    keys: key.body.key.id,
    users: user.body.id,
    callbacks: gateways.body.items[0].id,
    gateways: gateways.body.items[0].id,
    tariffs: tariff.body.id,
    senders: sender.body.id,
    lists: list.body.id,
    attributes: attribute.body.id,
    imports: upload.body.job.id,
    documents: document.json().document.id,
  };

  const doc = (await api.call('GET', '/api/openapi.json', undefined, { key: null })).body;
  const resolve = (s: Schema): Schema => (s.$ref ? doc.components.schemas[s.$ref.split('/').pop()!] : s);
  /** A valid-looking value for a schema, with A's contact ids wherever the body refers to contacts. */
  const sample = (schema: Schema, name = ''): unknown => {
    const s = resolve(schema);
    if (s.const !== undefined) return s.const;
    if (s.enum) return s.enum[0];
    const branches = s.anyOf ?? s.oneOf;
    if (branches) {
      const withIds = branches.find((x) => JSON.stringify(x).includes('contactIds'));
      return sample(withIds ?? branches.find((x) => x.type !== 'null') ?? branches[0]!, name);
    }
    if (s.allOf) return Object.assign({}, ...s.allOf.map((x) => sample(x, name)));
    const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
    if (/^contactIds?$/.test(name)) return type === 'array' ? [contact.body.id] : contact.body.id;
    if (name === 'gatewayId') return smsGateway.id;
    switch (type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(s.properties ?? {})) {
          if (s.required?.includes(k) || /contactIds?|gatewayId/.test(k)) out[k] = sample(v, k);
        }
        return out;
      }
      case 'array':
        return [sample(s.items ?? {}, name)];
      case 'integer':
      case 'number':
        return Math.max(1, s.minimum ?? 1);
      case 'boolean':
        return false;
      default:
        if ((s as { format?: string }).format === 'date') return '2026-01-01';
        if (name === 'email') return 'b-user@example.ru';
        if (name === 'to') return '+79123450000';
        if (name === 'password') return 'password-b-123';
        return 'Б';
    }
  };

  let walked = 0;
  for (const [path, ops] of Object.entries<
    Record<
      string,
      {
        requestBody?: { content: Record<string, { schema: Schema }> };
        security?: unknown[];
        parameters?: { in: string; name: string; required?: boolean; schema: Schema }[];
      }
    >
  >(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!['get', 'post', 'patch', 'put', 'delete'].includes(method)) continue;
      const segments = path.split('/');
      const url = segments
        .map((seg, i) => {
          if (!seg.startsWith('{')) return seg;
          const id = idFor[segments[i - 1]!];
          assert.ok(
            id,
            `${method.toUpperCase()} ${path}: the tenancy walk has no organisation-A resource for {${seg}}; add one to idFor`,
          );
          return String(id);
        })
        .join('/');
      const schema = op.requestBody?.content['application/json']?.schema;
      const body = schema ? sample(schema) : undefined;
      // Required query parameters too, with A's ids where they name contacts.
      const query = (op.parameters ?? [])
        .filter((p) => p.in === 'query' && p.required)
        .map((p) => `${p.name}=${encodeURIComponent(String(sample(p.schema, p.name)))}`)
        .join('&');
      const res = await api.call(method.toUpperCase(), query ? `${url}?${query}` : url, body, { key: b.key });
      const where = `${method.toUpperCase()} ${path} with B's key → ${res.status} ${res.text.slice(0, 300)}`;
      assert.ok(res.status < 500, where);
      for (const m of markers) assert.ok(!res.text.includes(m), `${where}: leaks ${m}`);
      if (path.includes('{')) {
        const allowed = op.security?.length === 0 ? [401, 403, 404] : [403, 404];
        assert.ok(
          allowed.includes(res.status),
          `${where}: a path with A's id must answer ${allowed.join('/')}`,
        );
      }
      // A launch through B's key of B's own campaign that names A's contact must not reach A.
      if (method === 'post' && path === '/api/v1/campaigns' && res.status === 201) {
        const launched = await api.call('POST', `/api/v1/campaigns/${res.body.id}/launch`, undefined, {
          key: b.key,
        });
        assert.equal(launched.status, 200, launched.text);
        assert.equal(launched.body.queued, 0, 'B launched a campaign to A’s contact');
      }
      walked++;
      if (process.env.TENANCY_TRACE) console.log(where.slice(0, 160));
    }
  }
  assert.ok(walked >= 20, `only ${walked} operations walked`);

  // And nothing of A changed.
  const after = await api.call('GET', `/api/v1/contacts/${contact.body.id}`);
  assert.equal(after.status, 200);
  assert.equal(after.body.firstName, 'МаркерАконтакт');
  assert.equal((await api.call('GET', `/api/v1/contacts/${contact.body.id}/objects`)).body.items.length, 1);
  assert.equal((await api.call('GET', `/api/v1/campaigns/${draft.body.id}`)).body.state, 'draft');
  assert.equal((await api.call('GET', `/api/v1/campaigns/${campaign.body.id}`)).body.state, 'sending');
  assert.equal((await api.call('GET', '/api/v1/tariffs')).body.items[0].priceKopecks, 4242);
  assert.equal((await api.call('GET', '/api/v1/senders')).body.items[0].state, 'requested');
  const keys = (await api.call('GET', '/api/v1/keys')).body.items;
  assert.equal(keys.find((k: { id: number }) => k.id === key.body.key.id).revokedAt, null);
  const history = await api.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM messages WHERE contact_id = $1',
    [contact.body.id],
  );
  assert.equal(history.rows[0]!.n, 1, 'a message was written for A’s contact by B');
  const bMessages = await api.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM messages WHERE org_id = $1 AND address = '+79990001122'",
    [b.id],
  );
  assert.equal(bMessages.rows[0]!.n, 0);
});

test('every operation but the public ones needs a key', async () => {
  const api = await createTestApi();
  const doc = (await api.call('GET', '/api/openapi.json', undefined, { key: null })).body;
  for (const [path, ops] of Object.entries<Record<string, { security?: unknown[] }>>(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (op.security?.length === 0) continue;
      const res = await api.call(
        method.toUpperCase(),
        path.replaceAll(/\{[^}]+\}/g, '1'),
        method === 'get' ? undefined : {},
        { key: null },
      );
      assert.equal(res.status, 401, `${method.toUpperCase()} ${path} without a key → ${res.status}`);
      assert.equal(res.body.error.code, 'unauthenticated');
    }
  }
});

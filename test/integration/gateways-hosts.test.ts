/**
 * Gateways may not point the server at internal addresses (issue 20, SSRF), through the API: a
 * private URL or host is refused when saved, naming the setting, the value and the instance setting
 * that would allow it; `gateway test` tells a failed answer by its status only, never its body; and
 * a gateway saved while the instance allowed its host is refused at the connection once it does not.
 * The suite allows loopback (scripts/test.js); this file takes the allowance away to prove the refusal.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createTestApi } from '../helpers/api.ts';
import { startFakeProvider } from '../helpers/fakeHttp.ts';

const SETTING = 'VESTNIK_GATEWAY_PRIVATE_HOSTS';
const before = process.env[SETTING];
delete process.env[SETTING];
after(() => {
  if (before === undefined) delete process.env[SETTING];
  else process.env[SETTING] = before;
});

const api = await createTestApi();
const SECRET = 'db-password=hunter2-internal';
/** An «internal» service: 500 with a secret for the balance, 200 with a secret elsewhere. */
const internal = await startFakeProvider((r) =>
  r.path.endsWith('/balance.php')
    ? { status: 500, body: `<h1>Internal error</h1><pre>${SECRET}</pre>` }
    : { status: 200, body: `{"error":"${SECRET}"}` },
);
after(() => internal.close());

test('a private URL or host is refused when saved, naming the field, the value and the setting', async () => {
  const smsc = await api.call('POST', '/api/v1/gateways', {
    name: 'smsc-internal',
    kind: 'smsc',
    settings: { login: 'garden', password: 'pw', url: 'http://10.0.0.5/' },
  });
  assert.equal(smsc.status, 400, smsc.text);
  assert.equal(smsc.body.error.code, 'invalid_input');
  assert.equal(
    smsc.body.error.message,
    'settings.url: `http://10.0.0.5/` is a private address 10.0.0.5; set VESTNIK_GATEWAY_PRIVATE_HOSTS to allow it',
  );
  assert.equal(smsc.body.error.details[0].field, 'settings.url');

  for (const [url, kind] of [
    ['http://2130706433:8080/', 'loopback'],
    ['http://[::ffff:a9fe:a9fe]/latest/', 'cloud metadata'],
    ['http://localhost:8080/', 'loopback'],
  ] as const) {
    const r = await api.call('POST', '/api/v1/gateways', {
      name: 'aero-internal',
      kind: 'smsaero',
      settings: { email: 'a@b.ru', apiKey: 'k', url },
    });
    assert.equal(r.status, 400, `${url}: ${r.text}`);
    assert.equal(r.body.error.details[0].field, 'settings.url');
    assert.match(
      r.body.error.message,
      new RegExp(`(is|resolves to) an? ${kind.replace(/[()]/g, '\\$&')} address`),
    );
  }

  const smpp = await api.call('POST', '/api/v1/gateways', {
    name: 'smpp-internal',
    kind: 'smpp',
    settings: { host: '192.168.1.10', port: 2775, system_id: 'garden', password: 'pw' },
  });
  assert.equal(smpp.status, 400, smpp.text);
  assert.equal(smpp.body.error.details[0].field, 'settings.host');
  assert.match(
    smpp.body.error.message,
    /192\.168\.1\.10.* is a private address 192\.168\.1\.10; set VESTNIK_GATEWAY_PRIVATE_HOSTS/,
  );

  const smtp = await api.call('POST', '/api/v1/gateways', {
    name: 'smtp-internal',
    kind: 'smtp',
    settings: { host: '127.0.0.1', port: 25, from: 'news@garden.ru', requireTLS: false },
  });
  assert.equal(smtp.status, 400, smtp.text);
  assert.equal(smtp.body.error.details[0].field, 'settings.host');

  // An edit is checked the same way; a public address is saved.
  const ok = await api.call('POST', '/api/v1/gateways', {
    name: 'smsc-public',
    kind: 'smsc',
    settings: { login: 'garden', password: 'pw', url: 'http://93.184.216.34/' },
  });
  assert.equal(ok.status, 201, ok.text);
  const edited = await api.call('PATCH', `/api/v1/gateways/${ok.body.id}`, {
    settings: { url: 'http://0x7f.1/' },
  });
  assert.equal(edited.status, 400, edited.text);
  assert.match(
    edited.body.error.message,
    /^settings\.url: `http:\/\/127\.0\.0\.1\/` is a loopback address 127\.0\.0\.1/,
  );
});

test('gateway test shows the status of a failed answer and nothing of its body; refused once not allowed', async () => {
  process.env[SETTING] = '127.0.0.1';
  const added = await api.call('POST', '/api/v1/gateways', {
    name: 'smsc-lan',
    kind: 'smsc',
    settings: { login: 'garden', password: 'pw', url: internal.url },
  });
  assert.equal(added.status, 201, added.text);
  const checked = await api.call('POST', `/api/v1/gateways/${added.body.id}/test`);
  assert.equal(checked.status, 200, checked.text);
  assert.equal(checked.body.ok, false);
  assert.match(
    checked.body.message,
    /\/sys\/balance\.php answered HTTP 500: .*the answer itself is not shown/,
  );
  assert.doesNotMatch(checked.text, /hunter2|Internal error|<pre>|psw|pw/);
  assert.ok(internal.requests.length >= 1, 'the allowed host was asked');

  // The same gateway after the allowance is taken away: refused at the connection, nothing asked.
  delete process.env[SETTING];
  const asked = internal.requests.length;
  const refused = await api.call('POST', `/api/v1/gateways/${added.body.id}/test`);
  assert.equal(refused.body.ok, false);
  assert.match(
    refused.body.message,
    /`http:\/\/127\.0\.0\.1:\d+\/` is a loopback address 127\.0\.0\.1; set VESTNIK_GATEWAY_PRIVATE_HOSTS to allow it/,
  );
  assert.equal(internal.requests.length, asked);
});

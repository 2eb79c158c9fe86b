/**
 * Gateway credentials at rest (core/secrets.ts): AES-256-GCM round trip, a value bound to its gateway,
 * a wrong key named by its id, tampering detected, the development key's values still open after a
 * real key is set, which setting names are secret, and VESTNIK_SECRET_KEY parsed or refused.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import {
  gatewaySecretContext,
  isSecretSetting,
  parseSecretKey,
  SecretBox,
  SecretError,
  splitSecrets,
} from '../../src/core/secrets.ts';

const KEY = crypto.randomBytes(32);
const box = SecretBox.fromKey(KEY);

test('seal and open: the same secrets back; the sealed text shows none of them', () => {
  const secrets = { password: 'пароль-123', apiKey: 'AK-secret' };
  const sealed = box.seal(secrets, gatewaySecretContext(5));
  assert.match(sealed, /^v1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.doesNotMatch(sealed, /AK-secret/);
  assert.deepEqual(box.open(sealed, gatewaySecretContext(5)), secrets);
  assert.notEqual(box.seal(secrets, gatewaySecretContext(5)), sealed, 'a fresh IV each time');
});

test('a sealed value does not open for another gateway, nor altered, nor under another key', () => {
  const sealed = box.seal({ password: 'x' }, gatewaySecretContext(5));
  assert.throws(() => box.open(sealed, gatewaySecretContext(6)), /sealed for another gateway/);
  const parts = sealed.split('.');
  const body = Buffer.from(parts[4]!, 'base64url');
  body[0]! ^= 1;
  parts[4] = body.toString('base64url');
  assert.throws(() => box.open(parts.join('.'), gatewaySecretContext(5)), SecretError);
  const other = SecretBox.fromKey(crypto.randomBytes(32));
  assert.throws(
    () => other.open(sealed, gatewaySecretContext(5)),
    (e: unknown) =>
      e instanceof SecretError && e.message.includes(box.keyId) && e.message.includes(other.keyId),
  );
  assert.throws(() => box.open('not sealed', gatewaySecretContext(5)), /not in a known format/);
});

test('the development key: warns once, and its values still open once a real key is configured', () => {
  const warnings: string[] = [];
  const dev = SecretBox.fromKey(undefined, (m) => warnings.push(m));
  assert.equal(dev.development, true);
  const sealed = dev.seal({ token: 't' }, gatewaySecretContext(1));
  dev.open(sealed, gatewaySecretContext(1));
  assert.equal(warnings.length, 1, 'once per process, however often it is used');
  assert.deepEqual(box.open(sealed, gatewaySecretContext(1)), { token: 't' });
  assert.equal(SecretBox.fromKey(undefined).keyId, dev.keyId, 'the same development key in every process');
});

test('which settings are secret', () => {
  for (const name of [
    'password',
    'apiKey',
    'api_key',
    'token',
    'botToken',
    'dkimPrivateKey',
    'callbackSecret',
  ])
    assert.ok(isSecretSetting(name), name);
  for (const name of ['login', 'email', 'url', 'sender', 'username', 'timeoutMs', 'keyId'])
    assert.ok(!isSecretSetting(name), name);
  assert.deepEqual(splitSecrets({ login: 'a', password: 'b', apiKey: 'c', url: 'u' }), {
    plain: { login: 'a', url: 'u' },
    secrets: { password: 'b', apiKey: 'c' },
  });
});

test('VESTNIK_SECRET_KEY: hex or base64 of 32 bytes; anything else, or none in production, is refused', () => {
  assert.deepEqual(parseSecretKey(KEY.toString('hex')), KEY);
  assert.deepEqual(parseSecretKey(KEY.toString('base64')), KEY);
  assert.deepEqual(parseSecretKey(KEY.toString('base64url')), KEY);
  assert.equal(parseSecretKey('abc'), null);
  assert.equal(parseSecretKey(crypto.randomBytes(16).toString('hex')), null);
  assert.deepEqual(loadConfig({ VESTNIK_SECRET_KEY: KEY.toString('hex') }).secretKey, KEY);
  assert.equal(loadConfig({}).secretKey, undefined);
  assert.throws(() => loadConfig({ VESTNIK_SECRET_KEY: 'short' }), ConfigError);
  assert.throws(
    () => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://127.0.0.1/vestnik' }),
    /VESTNIK_SECRET_KEY is required/,
  );
});

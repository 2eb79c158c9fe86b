/**
 * Secrets at rest (issue 20 item 8, decision 0020): the embedded database's own key beside its data
 * (mode 0600, the same on every start), NODE_ENV compared case-insensitively, callback and link
 * secrets sealed in their rows and bound to them, and the start's re-sealing of clear values and of
 * values sealed with the development key once a real key is in force.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, loadConfig, SECRET_KEY_FILE } from '../../src/config.ts';
import {
  callbackSecretContext,
  gatewaySecretContext,
  linkSecretContext,
  SecretBox,
} from '../../src/core/secrets.ts';
import { resealSecrets } from '../../src/services/resealSecrets.ts';
import { getGatewayById, insertGateway, listGateways } from '../../src/store/gateways.ts';
import { createOrg, getLinkSecret } from '../../src/store/orgs.ts';
import { setStoreSecretKey, storeSecretBox } from '../../src/store/sealed.ts';
import { openTestDb } from '../helpers/db.ts';

const { db } = await openTestDb();
const DEV = SecretBox.fromKey(undefined, null);
after(() => setStoreSecretKey(undefined));

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vestnik-key-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the embedded database makes a random key beside its data on first use, 0600, and keeps it', () => {
  const dir = path.join(tempDir(), 'data');
  const key = loadConfig({ VESTNIK_DATA_DIR: dir }, '/', { keyFile: true }).secretKey!;
  assert.equal(key.length, 32);
  const file = path.join(dir, SECRET_KEY_FILE);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(
    loadConfig({ VESTNIK_DATA_DIR: dir }, '/', { keyFile: true }).secretKey,
    key,
    'the same key again',
  );
  const other = loadConfig({ VESTNIK_DATA_DIR: tempDir() }, '/', { keyFile: true }).secretKey!;
  assert.notDeepEqual(other, key, 'each data directory its own');
  // A copy restored with a looser mode is narrowed; a damaged file is named.
  fs.chmodSync(file, 0o644);
  loadConfig({ VESTNIK_DATA_DIR: dir }, '/', { keyFile: true }).secretKey;
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  fs.writeFileSync(file, 'nonsense');
  assert.throws(() => loadConfig({ VESTNIK_DATA_DIR: dir }, '/', { keyFile: true }).secretKey, ConfigError);

  // VESTNIK_SECRET_KEY wins and no file is made; PostgreSQL and the tests' own configurations use none.
  const given = crypto.randomBytes(32);
  const fresh = path.join(tempDir(), 'd');
  const env = { VESTNIK_DATA_DIR: fresh, VESTNIK_SECRET_KEY: given.toString('hex') };
  assert.deepEqual(loadConfig(env, '/', { keyFile: true }).secretKey, given);
  assert.equal(
    loadConfig({ VESTNIK_DATA_DIR: fresh, DATABASE_URL: 'postgres://h/db' }, '/', { keyFile: true })
      .secretKey,
    undefined,
  );
  assert.equal(loadConfig({ VESTNIK_DATA_DIR: fresh }, '/').secretKey, undefined);
  assert.equal(fs.existsSync(path.join(fresh, SECRET_KEY_FILE)), false);
});

test('NODE_ENV is compared case-insensitively: production on PostgreSQL needs a key; embedded has its own', () => {
  for (const NODE_ENV of ['production', 'Production', ' PRODUCTION ']) {
    assert.throws(
      () => loadConfig({ NODE_ENV, DATABASE_URL: 'postgres://h/db' }),
      /VESTNIK_SECRET_KEY is required when NODE_ENV=production/,
      NODE_ENV,
    );
    const key = crypto.randomBytes(32).toString('hex');
    assert.ok(loadConfig({ NODE_ENV, DATABASE_URL: 'postgres://h/db', VESTNIK_SECRET_KEY: key }).secretKey);
    const dir = tempDir();
    assert.equal(
      loadConfig({ NODE_ENV, VESTNIK_DATA_DIR: dir }, '/', { keyFile: true }).secretKey!.length,
      32,
    );
  }
  assert.equal(loadConfig({ NODE_ENV: 'development', DATABASE_URL: 'postgres://h/db' }).secretKey, undefined);
});

const raw = async (sql: string, params: unknown[]) =>
  (await db.query<Record<string, string>>(sql, params)).rows[0]!;

test('callback and link secrets are sealed in their rows, open as they are read, and only for their row', async () => {
  const org = await createOrg(db, 'Запечатанная');
  const row = await raw('SELECT link_secret FROM orgs WHERE id = $1', [org.id]);
  assert.match(row.link_secret!, /^v1\.[0-9a-f]{8}\./);
  const link = await getLinkSecret(db, org.id);
  assert.equal(link?.length, 32);
  assert.equal(DEV.openText(row.link_secret!, linkSecretContext(org.id)), link!.toString('hex'));

  const added = await insertGateway(db, org.id, {
    name: 'aero',
    kind: 'sandbox',
    channel: 'sms',
    priority: 5,
    settings: {},
  });
  assert.notEqual(added, 'name_taken');
  const gateways = await listGateways(db, org.id);
  assert.equal(gateways.length, 4);
  for (const g of gateways) {
    const stored = (await raw('SELECT callback_secret FROM gateways WHERE id = $1', [g.id])).callback_secret!;
    assert.match(stored, /^v1\./, g.name);
    assert.ok(!stored.includes(g.callbackSecret));
    assert.match(g.callbackSecret, /^[\w-]{32}$/);
    assert.equal(DEV.openText(stored, callbackSecretContext(g.id)), g.callbackSecret);
  }
  // A sealed secret copied into another gateway's row does not open there: no callback verifies.
  const [a, b] = gateways;
  await db.query(
    'UPDATE gateways SET callback_secret = (SELECT callback_secret FROM gateways WHERE id = $1) WHERE id = $2',
    [a!.id, b!.id],
  );
  const copied = await getGatewayById(db, b!.id);
  assert.notEqual(copied!.callbackSecret, a!.callbackSecret);
  assert.match(copied!.callbackSecret, /^unopened-/);
});

test('at start: clear and development-sealed secrets are sealed with the real key, and read the same', async () => {
  setStoreSecretKey(undefined);
  const org = await createOrg(db, 'До ключа');
  const [gw] = await listGateways(db, org.id);
  // As rows were before migration 0019 (clear), and credentials sealed without a key.
  const linkHex = crypto.randomBytes(32).toString('hex');
  await db.query('UPDATE orgs SET link_secret = $2 WHERE id = $1', [org.id, linkHex]);
  await db.query('UPDATE gateways SET callback_secret = $2, secrets = $3 WHERE id = $1', [
    gw!.id,
    'clear-callback-secret',
    DEV.seal({ apiKey: 'AK-1' }, gatewaySecretContext(gw!.id)),
  ]);
  assert.equal(
    (await getGatewayById(db, gw!.id))!.callbackSecret,
    'clear-callback-secret',
    'clear rows still read',
  );
  assert.equal((await getLinkSecret(db, org.id))!.toString('hex'), linkHex);

  // Without a real key only the clear values are sealed (with the development key).
  const first = await resealSecrets(db, storeSecretBox());
  assert.ok(first.gateways >= 1 && first.orgs >= 1);
  assert.deepEqual(await resealSecrets(db, storeSecretBox()), { gateways: 0, orgs: 0 });

  const key = crypto.randomBytes(32);
  const real = SecretBox.fromKey(key);
  setStoreSecretKey(key);
  const second = await resealSecrets(db, storeSecretBox());
  const all = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM gateways');
  const orgs = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM orgs');
  // Every row was on the development key but one: the callback secret copied from another gateway
  // (the test above) does not open, and is left as it is.
  assert.deepEqual(second, { gateways: all.rows[0]!.n - 1, orgs: orgs.rows[0]!.n });
  assert.deepEqual(await resealSecrets(db, storeSecretBox()), { gateways: 0, orgs: 0 }, 'nothing left');

  const stored = await raw('SELECT callback_secret, secrets FROM gateways WHERE id = $1', [gw!.id]);
  const prefix = `v1.${real.keyId}.`;
  assert.ok(stored.callback_secret!.startsWith(prefix));
  assert.ok(stored.secrets!.startsWith(prefix));
  assert.deepEqual(real.open(stored.secrets!, gatewaySecretContext(gw!.id)), { apiKey: 'AK-1' });
  assert.ok(
    (await raw('SELECT link_secret FROM orgs WHERE id = $1', [org.id])).link_secret!.startsWith(prefix),
  );
  assert.equal((await getGatewayById(db, gw!.id))!.callbackSecret, 'clear-callback-secret');
  assert.equal((await getLinkSecret(db, org.id))!.toString('hex'), linkHex);

  // A process on another key cannot open them: callbacks fail closed, links are refused.
  setStoreSecretKey(crypto.randomBytes(32));
  assert.match((await getGatewayById(db, gw!.id))!.callbackSecret, /^unopened-/);
  await assert.rejects(getLinkSecret(db, org.id), /sealed with key/);
  setStoreSecretKey(key);
});

/**
 * One bind per account across processes (PostgreSQL): a bound gateway holds an advisory lock for
 * the account and shows its bind's state in that connection's application_name; while another
 * process holds it, a gateway binds nothing — its sends wait without costing an attempt, and
 * `verify` (`vestnik gateway test`) reports the other process's bind, up or down — and it binds as
 * soon as the other lets go. The other process is played by a plain connection taking the same lock.
 * On PGlite only one process can open the data, so there is nothing to share (smpp-options.test.ts
 * tests the leases within a process).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import type { OutgoingMessage } from '../../src/providers/provider.ts';
import { createSmppGateway, type SmppGateway } from '../../src/providers/smpp.ts';
import { lockKey, setSmppLeaseDatabase } from '../../src/providers/smppLeases.ts';
import { TEST_ENGINE, TEST_PG_URL } from '../helpers/db.ts';
import { FakeSmsc } from '../helpers/smppServer.ts';

const skip =
  TEST_ENGINE === 'postgres'
    ? false
    : 'leases across processes live in PostgreSQL (VESTNIK_TEST_DB=postgres)';
const smsc = new FakeSmsc();
const gateways: SmppGateway[] = [];
const clients: pg.Client[] = [];
after(async () => {
  for (const g of gateways) await g.close?.();
  for (const c of clients) await c.end().catch(() => undefined);
  await smsc.stop();
});

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 4000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sms: OutgoingMessage = {
  id: 1,
  channel: 'sms',
  address: '+79161234567',
  subject: null,
  body: 'Hi',
  sender: null,
};

test('PostgreSQL leases: one bind for the account across processes; gateway test reports the holder', {
  skip,
}, async () => {
  setSmppLeaseDatabase(TEST_PG_URL);
  const port = await smsc.start();
  const gateway = () => {
    const gw = createSmppGateway({
      gatewayId: 1,
      channel: 'sms',
      settings: { host: '127.0.0.1', port, system_id: 'vestnik', password: 'secret', reconnectSeconds: 0.05 },
      callbackUrl: 'http://127.0.0.1:1/unused',
      callbackSecret: 'unused',
    });
    gateways.push(gw);
    return gw;
  };
  const key = lockKey(`127.0.0.1:${port}:vestnik:transceiver`);
  const observer = new pg.Client({ connectionString: TEST_PG_URL });
  clients.push(observer);
  await observer.connect();
  const lockHolders = async () =>
    (
      await observer.query<{ app: string }>(
        `SELECT a.application_name AS app FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = $1::bigint::oid`,
        [key],
      )
    ).rows.map((r) => r.app);

  // A bound gateway holds the lock and says its bind is up.
  const a = gateway();
  a.onReports!(async () => {});
  await until('the bind', () => smsc.sessions.length === 1);
  await until('the lock says up', async () => /^vestnik smpp up \d+$/.test((await lockHolders())[0] ?? ''));
  await a.close?.();
  await until('the lock let go', async () => (await lockHolders()).length === 0);

  // Another process holds it, its bind down.
  const other = new pg.Client({
    connectionString: TEST_PG_URL,
    application_name: `vestnik smpp down CONNECT_FAILED ${Math.floor(Date.now() / 1000)}`,
  });
  clients.push(other);
  await other.connect();
  await other.query('SELECT pg_advisory_lock($1, 0)', [key]);
  const binds = smsc.binds.length;
  const b = gateway();
  await assert.rejects(
    b.verify(),
    /transceiver bound by another Vestnik process.*: the bind is down since .*CONNECT_FAILED/,
  );
  const [out] = await b.send([sms]);
  assert.equal(out?.kind, 'rate_limited');
  assert.equal(out?.kind === 'rate_limited' && out.rawStatus, 'BINDS_IN_USE');
  // Its bind comes up: gateway test says so, and still binds nothing.
  await other.query(`SET application_name = 'vestnik smpp up ${Math.floor(Date.now() / 1000)}'`);
  assert.match(
    await gateway().verify(),
    /bound by another Vestnik process.*: the bind is up since .*not bound again/,
  );
  assert.equal(smsc.binds.length, binds, 'no bind beside the other process');
  // The other process stops: the waiting gateway takes the account.
  b.onReports!(async () => {});
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(smsc.binds.length, binds);
  await other.end();
  await until('the bind after the other let go', () => smsc.sessions.length === 1, 7000);
  assert.equal((await b.send([{ ...sms, id: 2 }]))[0]?.kind, 'accepted');
  assert.equal(smsc.mostBound.get('transceiver'), 1);
});

/**
 * The launch's reads on a connection of their own (store/db.ts, readAt; dispatch/launch.ts): the
 * reader sees exactly the launch transaction's snapshot, a launch of several batches writes every
 * recipient once with the right text and price whichever way its reads and writes interleave, and a
 * launch that fails leaves no transaction open behind it.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { launchCampaign } from '../../src/dispatch/launch.ts';
import { insertCampaign } from '../../src/store/campaigns.ts';
import type { Db } from '../../src/store/db.ts';
import { insertGateway } from '../../src/store/gateways.ts';
import { topUp } from '../../src/store/ledger.ts';
import { createOrg } from '../../src/store/orgs.ts';
import { openTestDb, TEST_ENGINE, waitFor } from '../helpers/db.ts';

const onPostgres = { skip: TEST_ENGINE !== 'postgres' && 'PostgreSQL only: PGlite is one connection' };

test(
  'readAt sees what was committed at the export: not the exporter’s writes, not later commits',
  onPostgres,
  async () => {
    const { db } = await openTestDb();
    await db.exec('CREATE TABLE t (v int)');
    await db.query('INSERT INTO t VALUES (1)');
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES (2)');
      const { rows } = await tx.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
      await tx.query('INSERT INTO t VALUES (3)');
      await db.query('INSERT INTO t VALUES (4)');
      const reader = await db.readAt!(rows[0]!.id);
      try {
        const seen = await reader.query<{ v: number }>('SELECT v FROM t ORDER BY v');
        // What was committed at the export, and only that: the exporter's own writes (2, 3) are not
        // committed, so another transaction does not see them — the launch reads nothing it writes.
        assert.deepEqual(
          seen.rows.map((r) => r.v),
          [1],
        );
        await assert.rejects(reader.query('INSERT INTO t VALUES (5)'), /read-only transaction/);
      } finally {
        await reader.close();
      }
    });
    await assert.rejects(db.readAt!('00000000-00000000-1'), /snapshot/);
  },
);

async function orgWithContacts(db: Db, n: number, money: number) {
  const org = await createOrg(db, `Читатель ${crypto.randomBytes(3).toString('hex')}`);
  if (money) await db.transaction((tx) => topUp(tx, org.id, money, 'test', 'test'));
  const gw = await insertGateway(db, org.id, {
    name: 'sandbox',
    kind: 'sandbox',
    channel: 'sms',
    priority: -1,
    settings: {},
    ratePerSecond: null,
  });
  assert.notEqual(gw, 'name_taken');
  await db.query(
    `INSERT INTO contacts (org_id, first_name, phone, attributes)
     SELECT $1, 'Имя' || g, '+7912' || lpad(g::text, 7, '0'), jsonb_build_object('n', g) FROM generate_series(1, $2) g`,
    [org.id, n],
  );
  await db.query(
    `INSERT INTO objects (org_id, contact_id, kind, number, debt_kopecks)
     SELECT org_id, id, 'plot', 'У-' || id, id * 100 FROM contacts WHERE org_id = $1`,
    [org.id],
  );
  const campaign = await insertCampaign(
    db,
    org.id,
    {
      name: 'batches',
      channel: 'sms',
      textTemplate: '{{ contact.first_name }} №{{ contact.attributes.n }}: долг {{ debt }} руб.',
      audience: { kind: 'all' },
    },
    'test',
  );
  return { orgId: org.id, campaignId: campaign.id };
}

test('a launch of several batches writes each recipient once, with its own text, and reserves the sum', async () => {
  const { db } = await openTestDb();
  const n = 4321; // five batches of 1,000, the last short: more than the reads run ahead
  const { orgId, campaignId } = await orgWithContacts(db, n, n * 100);
  const r = await launchCampaign(db, orgId, campaignId, 'test');
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.queued, n);
  const { rows } = await db.query<{ n: number; distinct_contacts: number; cost: number; wrong: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT m.contact_id)::int AS distinct_contacts,
            sum(m.price_kopecks)::int AS cost,
            count(*) FILTER (WHERE m.body <> c.first_name || ' №' || (c.attributes->>'n') || ': долг ' ||
                             to_char(o.debt_kopecks / 100.0, 'FM999999990.00') || ' руб.')::int AS wrong
     FROM messages m JOIN contacts c ON c.id = m.contact_id JOIN objects o ON o.contact_id = c.id
     WHERE m.campaign_id = $1`,
    [campaignId],
  );
  assert.deepEqual(
    { n: rows[0]!.n, contacts: rows[0]!.distinct_contacts, wrong: rows[0]!.wrong },
    { n, contacts: n, wrong: 0 },
  );
  assert.equal(r.costKopecks, rows[0]!.cost);
  const { rows: held } = await db.query<{ reserved: number }>(
    'SELECT reserved_kopecks::int AS reserved FROM balances WHERE org_id = $1',
    [orgId],
  );
  assert.equal(held[0]!.reserved, r.costKopecks);
});

test(
  'a launch the balance does not cover writes nothing and leaves no transaction open',
  onPostgres,
  async () => {
    const applicationName = `launch-reader-${crypto.randomBytes(4).toString('hex')}`;
    const { db } = await openTestDb({ applicationName });
    try {
      const { orgId, campaignId } = await orgWithContacts(db, 2500, 100);
      const r = await launchCampaign(db, orgId, campaignId, 'test');
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.code, 'insufficient_balance');
      const { rows } = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1',
        [campaignId],
      );
      assert.equal(rows[0]!.n, 0);
      // The reader's connection is closed with the launch, not left idle in its transaction.
      // (Its server process may take a moment to go once the client has hung up.)
      await waitFor(async () => {
        const { rows: open } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE application_name = $1 AND state LIKE 'idle in transaction%'`,
          [applicationName],
        );
        return open[0]!.n === 0;
      }, 5000);
    } finally {
      // Were one left, it would hold its locks and keep the schema from being dropped: end it, so a
      // failure here fails rather than hangs.
      await db.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
        [applicationName],
      );
    }
  },
);

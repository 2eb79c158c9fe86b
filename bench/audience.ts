/**
 * The audience's count and exclusion report (AU-4 … AU-6) over 1,000,000 contacts, on PostgreSQL
 * (target ≤ 1 s) and PGlite: a filter of an age range, a gender and a debt, an advertising category
 * (consent checked), de-duplication by phone and a suppression list. The contacts are generated in
 * SQL, so the load is not what is measured; each figure is the median of three runs after a warm one.
 * VESTNIK_BENCH_N changes the size.
 */
import type { Audience } from '../src/core/audience/audience.ts';
import { buildAudienceQuery } from '../src/services/audience.ts';
import { createOrg } from '../src/store/orgs.ts';
import { countRecipients } from '../src/store/recipients.ts';
import { engines, freshDb, printFigures, report } from './_common.ts';

const N = Number(process.env.VESTNIK_BENCH_N ?? 1_000_000);

for (const engine of engines()) {
  const { db, dispose } = await freshDb(engine);
  try {
    const org = await createOrg(db, 'Бенчмарк');
    let t = performance.now();
    // Every 50th phone repeats an earlier one (shared numbers), every 7th contact has no phone.
    await db.query(
      `INSERT INTO contacts (org_id, first_name, phone, gender, birth_date, do_not_message)
       SELECT $1::bigint, 'К' || i, CASE WHEN i % 7 = 0 THEN NULL ELSE '+7900' || lpad(((CASE WHEN i % 50 = 0 THEN i - 1 ELSE i END) % 10000000)::text, 7, '0') END,
              CASE WHEN i % 2 = 0 THEN 'male' ELSE 'female' END, date '1950-01-01' + (i % 20000), i % 101 = 0
       FROM generate_series(1, $2::int) i`,
      [org.id, N],
    );
    await db.query(
      `INSERT INTO objects (org_id, contact_id, kind, number, debt_kopecks)
       SELECT $1::bigint, c.id, 'loan', 'L' || c.id, (c.id % 5) * 1000 FROM contacts c WHERE c.org_id = $1 AND c.id % 3 = 0`,
      [org.id],
    );
    await db.query(
      `INSERT INTO consents (org_id, contact_id, channel, category, source, wording)
       SELECT $1::bigint, c.id, 'sms', 'advertising', 'bench', 'да' FROM contacts c WHERE c.org_id = $1 AND c.id % 4 <> 0`,
      [org.id],
    );
    await db.query(
      `INSERT INTO suppressions (org_id, channel, address, reason, created_by)
       SELECT DISTINCT $1::bigint, 'sms', phone, 'unsubscribed', 'bench' FROM contacts WHERE org_id = $1 AND id % 997 = 0 AND phone IS NOT NULL`,
      [org.id],
    );
    // At rest, as autovacuum leaves a table after a bulk load: statistics, and the visibility map
    // that lets the sums over objects and the consent probes read their indexes alone.
    await db.exec('VACUUM ANALYZE');
    console.log(
      `  ${engine}: ${N.toLocaleString('en')} contacts loaded in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const audience: Audience = {
      kind: 'filter',
      filter: {
        type: 'and',
        of: [
          { type: 'age', min: 25, max: 60 },
          { type: 'gender', value: 'female' },
          { type: 'objects', kind: 'loan', measure: 'debt', op: 'gt', value: 0 },
        ],
      },
    };
    for (const [label, a] of [
      ['filter', audience],
      ['all', { kind: 'all' } as Audience],
    ] as const) {
      const built = await buildAudienceQuery(db, org.id, {
        audience: a,
        channel: 'sms',
        category: 'advertising',
      });
      if (!built.ok) throw new Error(JSON.stringify(built.problems));
      // The median of three: one run on a shared machine says more about its neighbours than itself.
      const runs: number[] = [];
      let counts = await countRecipients(db, built.query); // warm
      for (let i = 0; i < 3; i++) {
        t = performance.now();
        counts = await countRecipients(db, built.query);
        runs.push(performance.now() - t);
      }
      runs.sort((a, b) => a - b);
      report(
        `audience.report.${label}.${engine}`,
        runs[1]!,
        'ms',
        `${N.toLocaleString('en')} contacts: ${counts.selected} selected, ${counts.recipients} recipients, excluded ${JSON.stringify(counts.excluded)}`,
      );
    }
  } finally {
    await dispose();
  }
}
printFigures();

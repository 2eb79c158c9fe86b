/**
 * Property: the SQL compiled from a random filter tree selects exactly the contacts that an
 * independent in-memory reading of the same tree selects (test/helpers/audience-model.ts), on small
 * random data sets with awkward values — 29 February, far time zones, numbers stored as text, empty
 * strings, negative debts, closed loans — and at random moments around midnight. A second property
 * checks the exclusion report: the one-pass counts, the listed reasons and the model agree.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Audience, Category } from '../../src/core/audience/audience.ts';
import { compileFilter, SqlParams } from '../../src/core/audience/compile.ts';
import type { Filter } from '../../src/core/audience/filter.ts';
import { attributeTypes, insertAttribute } from '../../src/store/attributes.ts';
import type { Db } from '../../src/store/db.ts';
import { createOrg } from '../../src/store/orgs.ts';
import { countRecipients, listRecipients, recipientQuery } from '../../src/store/recipients.ts';
import { filterArb, TEXTS } from '../helpers/audience-arbitraries.ts';
import {
  evaluate,
  type ModelContact,
  type ModelData,
  type ModelExtras,
  type ModelObject,
  reasons,
} from '../helpers/audience-model.ts';
import { openTestDb } from '../helpers/db.ts';

const pick = <T>(...xs: T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);
const BIRTHS = ['2000-02-29', '1996-02-29', '1990-02-28', '1985-03-01', '1970-12-31', '2001-01-01'];

const contactArb = fc.record({
  // Made unique below by the contact's position: `a1`, `b2`…
  externalId: pick(null, 'a', 'b'),
  lastName: pick(...TEXTS),
  firstName: pick(...TEXTS),
  phone: pick(null, '', '+79000000001', '+79000000002', '+79000000003', '89001234567'),
  email: pick(null, '', 'a@x.ru', 'b@x.ru', 'bad-email'),
  timeZone: pick(null, null, 'Europe/Moscow', 'America/New_York', 'Pacific/Kiritimati', 'Pacific/Pago_Pago'),
  gender: pick(null, 'male' as const, 'female' as const),
  birthDate: fc.oneof(
    pick(null, ...BIRTHS),
    fc.integer({ min: -10_000, max: 18_000 }).map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10)),
  ),
  doNotMessage: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
  attributes: fc.record(
    {
      score: fc.oneof(fc.integer({ min: -5, max: 20 }), pick<unknown>(2.5, 'n/a', '7', true)),
      plan: pick('gold', 'basic', ''),
      since: pick('2020-01-01', '2021-06-15', '01.02.2020'),
      vip: pick<unknown>(true, false, 'true', 'yes'),
      note: pick('x', ''),
      rating: pick<unknown>('A', 'B', 'C', 5),
      office: pick('Центр', 'Север'),
    },
    { requiredKeys: [] },
  ),
});
const objectArb = fc.record({
  kind: pick('plot' as const, 'account' as const, 'order' as const, 'loan' as const, 'meter' as const),
  debt: pick(-1000, 0, 0, 1, 1000, 5000),
  charges: pick(0, 100, 2500),
  attributes: fc.record(
    {
      country: pick('tr', 'TR', 'eg', 'Tr '),
      direction: pick('Анталья', ' анталья ', 'Каир'),
      status: pick('active', 'closed', 'Аннулирован', 'CANCELLED'),
    },
    { requiredKeys: [] },
  ),
  payments: fc.array(fc.record({ offset: fc.integer({ min: -40, max: 40 }), paid: pick(0, 500, 1000) }), {
    maxLength: 3,
  }),
});
const dataArb = fc.record({
  orgTimeZone: pick('Europe/Moscow', 'Asia/Vladivostok', 'America/Los_Angeles'),
  reference: pick(
    '2024-02-28T22:30:00Z',
    '2023-02-28T12:00:00Z',
    '2024-12-31T21:30:00Z',
    '2025-03-01T09:00:00Z',
    '2024-02-29T11:00:00Z',
  ),
  contacts: fc.array(fc.tuple(contactArb, fc.array(objectArb, { maxLength: 3 })), {
    minLength: 8,
    maxLength: 22,
  }),
  listed: fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
  suppressed: fc.subarray(['+79000000002', 'b@x.ru']),
  consenting: fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
});

type DataSet = typeof dataArb extends fc.Arbitrary<infer T> ? T : never;

interface Loaded {
  orgId: number;
  model: ModelData;
  extras: ModelExtras;
  reference: Date;
  listIds: number[];
}

async function load(db: Db, d: DataSet, n: number): Promise<Loaded> {
  const org = await createOrg(db, `Свойства ${n}`, d.orgTimeZone);
  for (const [name, type] of [
    ['score', 'number'],
    ['plan', 'list'],
    ['since', 'date'],
    ['vip', 'boolean'],
    ['note', 'text'],
  ] as const)
    await insertAttribute(db, org.id, {
      name,
      type,
      ...(type === 'list' ? { options: ['gold', 'basic'] } : {}),
    });
  const ref = new Date(d.reference);
  const contacts: ModelContact[] = [];
  const objects: ModelObject[] = [];
  const model: ModelData = {
    contacts,
    objects,
    payments: [],
    contactLists: new Map(),
    objectLists: new Map(),
    attributeTypes: await attributeTypes(db, org.id),
    orgTimeZone: d.orgTimeZone,
  };
  const extras: ModelExtras = { suppressions: [], consents: [] };
  // Straight SQL: the data may hold what the API would refuse today (imported or older rows).
  for (const [c, objs] of d.contacts) {
    const ext = c.externalId === null ? null : `${c.externalId}${contacts.length}`;
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO contacts (org_id, external_id, last_name, first_name, phone, email, time_zone, gender,
         birth_date, do_not_message, attributes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [
        org.id,
        ext,
        c.lastName,
        c.firstName,
        c.phone,
        c.email,
        c.timeZone,
        c.gender,
        c.birthDate,
        c.doNotMessage,
        c.attributes,
      ],
    );
    const id = rows[0]!.id;
    contacts.push({ ...c, externalId: ext, id });
    for (const o of objs) {
      const r = await db.query<{ id: number }>(
        `INSERT INTO objects (org_id, contact_id, kind, number, debt_kopecks, charges_kopecks, attributes)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [org.id, id, o.kind, `n${objects.length}`, o.debt, o.charges, o.attributes],
      );
      const objectId = r.rows[0]!.id;
      objects.push({
        id: objectId,
        contactId: id,
        kind: o.kind,
        debt: o.debt,
        charges: o.charges,
        attributes: o.attributes,
      });
      for (const p of o.payments) {
        const due = new Date(ref.getTime() + p.offset * 86_400_000).toISOString().slice(0, 10);
        await db.query(
          `INSERT INTO loan_payments (org_id, object_id, due_date, amount_kopecks, paid_kopecks) VALUES ($1, $2, $3, 1000, $4)`,
          [org.id, objectId, due, p.paid],
        );
        model.payments.push({ objectId, dueDate: due, amount: 1000, paid: p.paid });
      }
    }
  }
  const people = (
    await db.query<{ id: number }>(
      `INSERT INTO lists (org_id, name, kind) VALUES ($1, 'люди', 'contacts') RETURNING id`,
      [org.id],
    )
  ).rows[0]!.id;
  const things = (
    await db.query<{ id: number }>(
      `INSERT INTO lists (org_id, name, kind) VALUES ($1, 'объекты', 'objects') RETURNING id`,
      [org.id],
    )
  ).rows[0]!.id;
  model.contactLists.set(people, new Set());
  model.objectLists.set(things, new Set());
  for (const [i, c] of contacts.entries())
    if (d.listed[i]) {
      await db.query('INSERT INTO list_contacts (list_id, contact_id, org_id) VALUES ($1, $2, $3)', [
        people,
        c.id,
        org.id,
      ]);
      model.contactLists.get(people)!.add(c.id);
    }
  for (const [i, o] of objects.entries())
    if (d.listed[59 - (i % 60)]) {
      await db.query('INSERT INTO list_objects (list_id, object_id, org_id) VALUES ($1, $2, $3)', [
        things,
        o.id,
        org.id,
      ]);
      model.objectLists.get(things)!.add(o.id);
    }
  for (const address of d.suppressed) {
    const channel = address.includes('@') ? 'email' : 'sms';
    const reason = channel === 'sms' ? 'unsubscribed' : 'bounced';
    await db.query(
      `INSERT INTO suppressions (org_id, channel, address, reason, created_by) VALUES ($1, $2, $3, $4, 'test')`,
      [org.id, channel, address, reason],
    );
    extras.suppressions.push({ channel, address, reason });
  }
  for (const [i, c] of contacts.entries())
    for (const channel of ['sms', 'email'])
      if (d.consenting[(i * 2 + (channel === 'sms' ? 0 : 1)) % 30]) {
        const withdrawn = (i + c.id) % 5 === 0;
        await db.query(
          `INSERT INTO consents (org_id, contact_id, channel, category, source, wording, withdrawn_at)
           VALUES ($1, $2, $3, 'advertising', 'test', 'да', $4)`,
          [org.id, c.id, channel, withdrawn ? new Date() : null],
        );
        extras.consents.push({ contactId: c.id, channel, category: 'advertising', withdrawn });
      }
  return { orgId: org.id, model, extras, reference: ref, listIds: [people, things] };
}

const DATA_SETS = 4;
const nowArb = (ref: Date) =>
  fc.integer({ min: -72 * 4, max: 72 * 4 }).map((q) => new Date(ref.getTime() + q * 900_000));

test('compiled filters select what the in-memory model selects', async () => {
  const { db } = await openTestDb();
  const sets = fc.sample(dataArb, { numRuns: DATA_SETS, seed: 4004 });
  for (const [n, d] of sets.entries()) {
    const l = await load(db, d, n);
    await fc.assert(
      fc.asyncProperty(filterArb(l.listIds), nowArb(l.reference), async (filter: Filter, now: Date) => {
        const params = new SqlParams();
        const org = params.add(l.orgId, 'bigint');
        const r = compileFilter(filter, {
          params,
          org,
          attributes: l.model.attributeTypes,
          now,
          orgTimeZone: d.orgTimeZone,
        });
        assert.ok(r.ok, JSON.stringify(r));
        const { rows } = await db.query<{ id: number }>(
          `SELECT c.id FROM contacts c WHERE c.org_id = ${org} AND (${r.sql}) ORDER BY c.id`,
          params.values,
        );
        const want = l.model.contacts.filter((c) => evaluate(filter, c, l.model, now)).map((c) => c.id);
        assert.deepEqual(
          rows.map((x) => x.id),
          want,
          `at ${now.toISOString()} in ${d.orgTimeZone}`,
        );
      }),
      { numRuns: 120, seed: 40 + n, endOnFailure: false },
    );
  }
});

test('the exclusion report counts what it lists, and what the model decides', async () => {
  const { db } = await openTestDb();
  const sets = fc.sample(dataArb, { numRuns: 2, seed: 4005 });
  for (const [n, d] of sets.entries()) {
    const l = await load(db, d, n);
    await fc.assert(
      fc.asyncProperty(
        filterArb(l.listIds),
        nowArb(l.reference),
        pick('sms' as const, 'email' as const),
        pick<Category>('advertising', 'informational'),
        async (filter, now, channel, category) => {
          const audience: Audience = { kind: 'filter', filter };
          const q = recipientQuery({
            orgId: l.orgId,
            orgTimeZone: d.orgTimeZone,
            channel,
            category,
            audience,
            attributes: l.model.attributeTypes,
            now,
          });
          assert.ok(q.ok);
          const listed = await listRecipients(db, q.query, { after: 0, limit: 1000 });
          const counts = await countRecipients(db, q.query);
          const selected = l.model.contacts.filter((c) => evaluate(filter, c, l.model, now));
          const want = reasons(selected, channel, category, l.extras);
          assert.deepEqual(
            listed.map((x) => [x.id, x.reason]),
            [...want.entries()],
          );
          const tally: Record<string, number> = {};
          for (const r of want.values()) if (r) tally[r] = (tally[r] ?? 0) + 1;
          assert.deepEqual(counts, {
            selected: selected.length,
            recipients: [...want.values()].filter((r) => r === null).length,
            excluded: tally,
          });
        },
      ),
      { numRuns: 60, seed: 50 + n },
    );
  }
});

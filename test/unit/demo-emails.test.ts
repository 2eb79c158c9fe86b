/**
 * The demo association's e-mails (issue 19): every one is ASCII and a valid address by the rule
 * contacts are held to — an address with a non-Latin local part needs SMTPUTF8 and is refused on
 * import, so the demo must not make one (it made 22 with «ь», from a hand-written transliteration).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeEmail } from '../../src/core/address.ts';
import { DEMO_PLOTS, demoLogin, demoOwners, loadDemoData } from '../../src/services/demo.ts';
import type { Queryable } from '../../src/store/db.ts';

test('every demo e-mail is ASCII, valid and unique', () => {
  const owners = demoOwners();
  const emails = owners.flatMap((o) => (o.email ? [o.email] : []));
  assert.ok(emails.length > 150, `${emails.length} e-mails`);
  for (const email of emails) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point
    assert.match(email, /^[\x00-\x7f]+$/, `${email} is ASCII`);
    assert.match(email, /^[a-z0-9.]+@example\.ru$/, email);
    const r = normalizeEmail(email);
    assert.deepEqual(r, { ok: true, value: email }, JSON.stringify(r));
  }
  assert.equal(new Set(emails).size, emails.length);
  // The names with a soft or hard sign are still there, written the Wikipedia way.
  assert.ok(
    emails.some((e) => e.startsWith('vasilyev')),
    'Васильев → vasilyev',
  );
});

test('demoLogin: the surname and the initial in Latin letters', () => {
  const cases: [string, string, string][] = [
    ['Васильев', 'Игорь', 'vasilyev.i'],
    ['Соловьёва', 'Наталья', 'solovyova.n'],
    ['Подъячев', 'Юрий', 'podyachev.yu'],
    ['Щукина', 'Ольга', 'shchukina.o'],
    ['Фёдоров', 'Ёлкин', 'fyodorov.yo'],
    ['Иванов-Петров', 'Андрей', 'ivanovpetrov.a'],
  ];
  for (const [last, first, login] of cases) assert.equal(demoLogin(last, first), login, `${last} ${first}`);
});

test('loadDemoData writes those owners and their plots', async () => {
  const contacts: unknown[][] = [];
  let plots = 0;
  const db = {
    async query(sql: string, params: unknown[]) {
      if (sql.includes('INSERT INTO contacts')) contacts.push(params);
      else plots++;
      return { rows: [{ id: contacts.length }] };
    },
  } as unknown as Queryable;
  const loaded = await loadDemoData(db, 1);
  assert.deepEqual(loaded, { contacts: contacts.length, plots: DEMO_PLOTS });
  assert.equal(plots, DEMO_PLOTS);
  assert.deepEqual(
    contacts.map((c) => c[6]),
    demoOwners().map((o) => o.email),
  );
});

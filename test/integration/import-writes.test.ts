/**
 * The import's writes (src/store/importWrites.ts) on either engine: a row that would change nothing
 * is not written again, yet is found and counted as an update; a row that changes one field, one
 * attribute or one amount is written; array parameters carry quotes, backslashes, commas, braces
 * and the text NULL exactly.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { runImport } from '../../src/services/importRun.ts';
import { insertImportJob, startImportJob } from '../../src/store/imports.ts';
import { arrayLiteral } from '../../src/store/importWrites.ts';
import { createOrg } from '../../src/store/orgs.ts';
import { openTestDb } from '../helpers/db.ts';

const { db } = await openTestDb();
const org = await createOrg(db, 'Импорт');

async function importText(text: string) {
  const job = await insertImportJob(db, org.id, {
    format: 'csv',
    fileName: 'a.csv',
    sizeBytes: text.length,
    spool: null,
    createdBy: 'test',
  });
  await startImportJob(db, org.id, job.id, { mapping: {}, dryRun: false, from: ['uploaded'] });
  return runImport(db, {
    orgId: org.id,
    jobId: job.id,
    format: 'csv',
    open: () => Readable.from([Buffer.from(text)]),
    today: '2025-06-15',
  });
}

const rows = async () =>
  (
    await db.query<{ external_id: string; first_name: string; attributes: unknown; xmin: string }>(
      'SELECT external_id, first_name, attributes, xmin::text FROM contacts WHERE org_id = $1 ORDER BY external_id',
      [org.id],
    )
  ).rows;
const objects = async () =>
  (
    await db.query<{ number: string; debt_kopecks: number; xmin: string }>(
      'SELECT number, debt_kopecks, xmin::text FROM objects WHERE org_id = $1 ORDER BY number',
      [org.id],
    )
  ).rows;

const HEADER = 'Код клиента;Имя;Телефон;Лицевой счёт;Долг;Офис\r\n';

test('the same file again writes nothing, and counts every row as an update; a change is written', async () => {
  const file = `${HEADER}K-1;Иван;89123450001;A-1;100;Центр\r\nK-2;Пётр;89123450002;A-2;200;Север\r\n`;
  const first = await importText(file);
  assert.deepEqual([first.created, first.updated, first.objects], [2, 0, 2]);
  const before = await rows();
  const objectsBefore = await objects();

  const again = await importText(file);
  assert.deepEqual([again.created, again.updated, again.rejected, again.objects], [0, 2, 0, 2]);
  assert.deepEqual(await rows(), before, 'no new row versions');
  assert.deepEqual(await objects(), objectsBefore);

  // K-1 a new first name, K-2 a new attribute value, A-1 a new debt: each of those is written.
  const changed = await importText(
    `${HEADER}K-1;Иванушка;89123450001;A-1;150;Центр\r\nK-2;Пётр;89123450002;A-2;200;Юг\r\n`,
  );
  assert.deepEqual([changed.created, changed.updated], [0, 2]);
  const after = await rows();
  assert.deepEqual(
    after.map((r) => [r.external_id, r.first_name, r.attributes]),
    [
      ['K-1', 'Иванушка', { ofis: 'Центр' }],
      ['K-2', 'Пётр', { ofis: 'Юг' }],
    ],
  );
  assert.notEqual(after[0]!.xmin, before[0]!.xmin);
  assert.notEqual(after[1]!.xmin, before[1]!.xmin);
  const objectsAfter = await objects();
  assert.deepEqual(
    objectsAfter.map((o) => [o.number, o.debt_kopecks]),
    [
      ['A-1', 15000],
      ['A-2', 20000],
    ],
  );
  assert.notEqual(objectsAfter[0]!.xmin, objectsBefore[0]!.xmin);
  assert.equal(objectsAfter[1]!.xmin, objectsBefore[1]!.xmin, 'A-2 unchanged, not written');
});

test('array parameters: every character that means something in an array literal comes back as sent', async () => {
  const values = ['a"b', 'back\\slash', 'com,ma', '{brace}', 'NULL', '', ' spaced ', 'ё', null];
  const { rows: out } = await db.query<{ v: string | null }>(
    'SELECT v FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i) ORDER BY i',
    [arrayLiteral(values)],
  );
  assert.deepEqual(
    out.map((r) => r.v),
    values,
  );
  const { rows: nums } = await db.query<{ n: number | null }>('SELECT unnest($1::bigint[]) AS n', [
    arrayLiteral([1, -2, null, 9_007_199_254_740_991]),
  ]);
  assert.deepEqual(
    nums.map((r) => r.n),
    [1, -2, null, 9_007_199_254_740_991],
  );
});

/**
 * Import of 100,000 rows (AU-8; target ≥ 20,000 rows/s on PostgreSQL): a CSV as a housing company
 * sends it — account number, full name, phone, e-mail, birth date, gender, charges, debt, one custom
 * column — in Windows-1251 with `;`, every 1,000th row with a broken phone, read from disk through
 * the import service into a fresh database of each engine: first into an empty organisation (every
 * row creates a contact and its account), then next month's file (every row changes its contact's
 * street and its account's charges, so both are written: a row that changes nothing is skipped,
 * which would make this pass measure nothing). PGlite keeps its files in a data directory, as the
 * server runs it (an in-memory PGlite holds the whole database in the process). Peak RSS is sampled;
 * the note gives the RSS before the pass, since PGlite's own start-up takes most of it.
 * VESTNIK_BENCH_N changes the size.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { runImport } from '../src/services/importRun.ts';
import { openFile } from '../src/services/imports.ts';
import { openPglite } from '../src/store/db.ts';
import { insertImportJob, startImportJob } from '../src/store/imports.ts';
import { migrate } from '../src/store/migrate.ts';
import { createOrg } from '../src/store/orgs.ts';
import { engines, freshDb, printFigures, report } from './_common.ts';

const N = Number(process.env.VESTNIK_BENCH_N ?? 100_000);
const label = N === 100_000 ? '100k' : String(N);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vestnik-bench-import-'));
/** The register of `month` (0, 1): the same accounts and people, other streets and charges. */
function writeFile(file: string, month: number): void {
  const out = fs.openSync(file, 'w');
  fs.writeSync(
    out,
    iconv.encode('Лицевой счёт;ФИО;Телефон;E-mail;Дата рождения;Пол;Начислено;Долг;Улица\r\n', 'win1251'),
  );
  const streets = ['Лесная', 'Садовая', 'Центральная', 'Речная'];
  let chunk = '';
  for (let i = 1; i <= N; i++) {
    const digits = String(i).padStart(7, '0');
    const phone =
      i % 1000 === 0
        ? '8 (912) 34'
        : `8 (912) ${digits.slice(0, 3)}-${digits.slice(3, 5)}-${digits.slice(5)}`;
    const day = String((i % 28) + 1).padStart(2, '0');
    const month2 = String((i % 12) + 1).padStart(2, '0');
    chunk += `ЛС-${i};Иванов${i} Иван Петрович;${phone};user${i}@example.ru;${day}.${month2}.${1950 + (i % 50)};${i % 2 ? 'М' : 'Ж'};${(i % 5000) + 1 + month},50;${i % 7 === 0 ? '1 200,00' : '0'};${streets[(i + month) % 4]}\r\n`;
    if (i % 1000 === 0) {
      fs.writeSync(out, iconv.encode(chunk, 'win1251'));
      chunk = '';
    }
  }
  if (chunk) fs.writeSync(out, iconv.encode(chunk, 'win1251'));
  fs.closeSync(out);
}
const files = [path.join(dir, 'accounts-1.csv'), path.join(dir, 'accounts-2.csv')] as const;
for (const [month, f] of files.entries()) writeFile(f, month);
const file = files[0];
const size = fs.statSync(file).size;
console.log(`  ${N.toLocaleString('en')} rows, ${(size / 1024 / 1024).toFixed(1)} MB, Windows-1251`);

async function pgliteOnDisk() {
  const dataDir = path.join(dir, 'pglite');
  const db = await openPglite(dataDir);
  await migrate(db);
  return { db, dispose: () => db.close() };
}

let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 25);

try {
  for (const engine of engines()) {
    const { db, dispose } = engine === 'pglite' ? await pgliteOnDisk() : await freshDb(engine);
    try {
      const org = await createOrg(db, 'Бенчмарк');
      for (const [pass, passFile] of [
        ['create', files[0]],
        ['update', files[1]],
      ] as const) {
        const job = await insertImportJob(db, org.id, {
          format: 'csv',
          fileName: 'accounts.csv',
          sizeBytes: size,
          spool: null,
          createdBy: 'bench',
        });
        await startImportJob(db, org.id, job.id, { mapping: {}, dryRun: false, from: ['uploaded'] });
        global.gc?.();
        const before = process.memoryUsage.rss();
        peak = before;
        const t = performance.now();
        const s = await runImport(db, {
          orgId: org.id,
          jobId: job.id,
          format: 'csv',
          open: () => openFile(passFile),
        });
        const seconds = (performance.now() - t) / 1000;
        peak = Math.max(peak, process.memoryUsage.rss());
        const name = pass === 'create' ? `import.${label}.${engine}` : `import.${label}.update.${engine}`;
        report(
          name,
          s.processed / seconds,
          'rows/s',
          `${seconds.toFixed(1)} s: ${s.created} created, ${s.updated} updated, ${s.rejected} rejected, ${s.objects} objects`,
        );
        report(
          `${name}.peak_rss`,
          peak / 1024 / 1024,
          'MB',
          `${(before / 1024 / 1024).toFixed(0)} MB before the pass`,
        );
        if (s.processed !== N || s.rejected !== Math.floor(N / 1000))
          throw new Error(`expected ${N} rows and ${Math.floor(N / 1000)} rejects: ${JSON.stringify(s)}`);
      }
    } finally {
      await dispose();
    }
  }
} finally {
  clearInterval(sampler);
  fs.rmSync(dir, { recursive: true, force: true });
}
printFigures();

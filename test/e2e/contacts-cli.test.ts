/**
 * `vestnik contacts import` and `contacts export` as an operator runs them: a Windows-1251 file
 * with rejects, the progress and the summary; a dry run; a column remapped; an export to CSV and
 * XLSX that imports back. Then the same while a server holds the data: the command line reads the
 * file (a relative path, from a directory the server does not know) and writes the export itself.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import iconv from 'iconv-lite';
import { BIN, type RunResult, startServer, vestnikEnv } from '../helpers/process.ts';

/** `vestnik …args` from `cwd` (runVestnik has no cwd; relative paths are the point here). */
function run(args: string[], env: Record<string, string>, cwd: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    for (const k of ['DATABASE_URL', 'VESTNIK_DATA_DIR']) if (!(k in env)) delete childEnv[k];
    const child = spawn(process.execPath, [BIN, ...args], {
      env: childEnv,
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Bytes first, text at the end: a chunk may end inside a character.
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const text = (b: Buffer[]) => Buffer.concat(b).toString('utf8');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vestnik ${args.join(' ')} did not finish\n${text(out)}\n${text(err)}`));
    }, 120_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: text(out), stderr: text(err) });
    });
  });
}

function workDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vestnik-contacts-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const FILE = iconv.encode(
  'Лицевой счёт;ФИО;Моб. телефон;Долг\r\n' +
    Array.from({ length: 1500 }, (_, i) => {
      const phone = i === 17 ? '8 (912) 34' : i === 40 ? '7.91E+10' : `8912${String(i).padStart(7, '0')}`;
      return `ЛС-${i};Жителева Анна ${i};${phone};${i},50`;
    }).join('\r\n') +
    '\r\n',
  'win1251',
);

test('contacts import and export on their own: summary, dry run, remapping, CSV and XLSX that import back', async () => {
  const env = await vestnikEnv({ VESTNIK_DEMO: '0' });
  const dir = workDir();
  fs.writeFileSync(path.join(dir, 'дом.csv'), FILE);
  assert.equal((await run(['org', 'create', '--name', 'ТСЖ'], env, dir)).code, 0);

  const dry = await run(['contacts', 'import', 'дом.csv', '--dry-run'], env, dir);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(
    dry.stdout,
    /^Checked дом\.csv \(csv, windows-1251, delimiter ;\): 1,500 rows\n {2}valid {5}1,498 \(dry run: nothing stored\)/,
  );

  const imported = await run(['contacts', 'import', 'дом.csv'], env, dir);
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /^Imported дом\.csv \(csv, windows-1251, delimiter ;\): 1,500 rows\n/);
  assert.match(
    imported.stdout,
    /\n {2}created {3}1,498\n {2}updated {3}0\n {2}objects {3}1,498 plots and accounts\n {2}rejected {2}2\n/,
  );
  assert.match(imported.stdout, /\n {4}invalid_phone +1\n {4}spoiled_number +1\n/);
  assert.match(
    imported.stdout,
    /First rejected rows:\n {2}row 19: «Моб\. телефон» `8 \(912\) 34` is not a phone number\n {2}row 42: «Моб\. телефон» `7\.91E\+10` was spoiled by a spreadsheet/,
  );
  // Not a terminal: plain progress lines on standard error, ending at 100 %.
  assert.match(imported.stderr, /progress: 1,500 rows read \(100%\), 2 rejected\n/);
  assert.doesNotMatch(imported.stderr, /\r/);

  // The debt column skipped: the second run updates every contact and touches no amount.
  const remapped = await run(['contacts', 'import', 'дом.csv', '--map', 'Долг=', '--json'], env, dir);
  assert.equal(remapped.code, 0, remapped.stderr);
  const summary = JSON.parse(remapped.stdout);
  assert.deepEqual([summary.created, summary.updated, summary.rejected], [0, 1498, 2]);
  assert.equal(summary.info, undefined);
  assert.equal(summary.encoding, 'windows-1251');

  const badMap = await run(['contacts', 'import', 'дом.csv', '--map', 'Нет=phone'], env, dir);
  assert.equal(badMap.code, 1);
  assert.match(
    badMap.stderr,
    /the column mapping cannot be used:\n {2}mapping\.Нет: `Нет` is not a column of the file/,
  );
  const missing = await run(['contacts', 'import', 'нет.csv'], env, dir);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read нет\.csv: ENOENT/);

  const csv = await run(['contacts', 'export', '-o', 'выгрузка.csv'], env, dir);
  assert.equal(csv.code, 0, csv.stderr);
  assert.match(csv.stderr, /Exported 1,498 contacts to выгрузка\.csv \(csv\)/);
  const text = fs.readFileSync(path.join(dir, 'выгрузка.csv'), 'utf8');
  assert.match(text, /^\ufeffВнешний код;Фамилия;Имя;Отчество;Телефон;/);
  assert.match(text, /\r\nЛС-0;Жителева;Анна;0;'\+79120000000;;;;;;ЛС-0;;0,00;0,50\r\n/);
  const xlsx = await run(['contacts', 'export', '-o', 'выгрузка.xlsx'], env, dir);
  assert.equal(xlsx.code, 0, xlsx.stderr);
  assert.equal(fs.readFileSync(path.join(dir, 'выгрузка.xlsx')).subarray(0, 4).toString('hex'), '504b0304');
  const toStdout = await run(['contacts', 'export'], env, dir);
  assert.equal(toStdout.stdout, text);

  for (const file of ['выгрузка.csv', 'выгрузка.xlsx']) {
    const back = await run(['contacts', 'import', file, '--json'], env, dir);
    assert.equal(back.code, 0, back.stderr);
    const s = JSON.parse(back.stdout);
    assert.deepEqual([s.created, s.updated, s.rejected], [0, 1498, 0], file);
  }
});

test('while a server holds the data: the file is read and the export written by the command line', async () => {
  const env = await vestnikEnv({ VESTNIK_DEMO: '0', VESTNIK_WORKERS: '0' });
  await startServer(env);
  const dir = workDir();
  fs.mkdirSync(path.join(dir, 'входящие'));
  fs.writeFileSync(path.join(dir, 'входящие', 'дом.csv'), FILE);

  const imported = await run(['contacts', 'import', 'входящие/дом.csv'], env, dir);
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(
    imported.stdout,
    /^Imported дом\.csv \(csv, windows-1251, delimiter ;\): 1,500 rows\n {2}created {3}1,498\n/,
  );
  assert.match(imported.stderr, /progress: 1,500 rows read \(100%\), 2 rejected\n/);
  const missing = await run(['contacts', 'import', 'входящие/нет.csv'], env, dir);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read входящие\/нет\.csv/);

  const exported = await run(['contacts', 'export', '--format', 'xlsx', '-o', 'все.xlsx'], env, dir);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stderr, /Exported 1,498 contacts to все\.xlsx \(xlsx\)/);
  assert.ok(
    fs.statSync(path.join(dir, 'все.xlsx')).size > 10_000,
    'the command line wrote the file in its own directory',
  );
  const back = await run(['contacts', 'import', 'все.xlsx', '--json'], env, dir);
  assert.equal(back.code, 0, back.stderr);
  assert.deepEqual(JSON.parse(back.stdout).updated, 1498);
});

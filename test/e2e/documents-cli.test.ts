/**
 * `vestnik document upload` and `upload-dir` (seed 003: a directory of receipts, one per plot):
 * through a running server (the command line reads the files and sends them) and on their own.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { runVestnik, startServer, vestnikEnv } from '../helpers/process.ts';

const pdf = (text: string) => Buffer.from(`%PDF-1.4\n% ${text}\n%%EOF\n`, 'utf8');

test('a directory of receipts goes to the plots named in the file names; the rest is reported', async () => {
  const env = await vestnikEnv();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vestnik-receipts-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'Участок 17.pdf'), pdf('17'));
  fs.writeFileSync(path.join(dir, 'Квитанция №19 за 2025.pdf'), pdf('19'));
  fs.writeFileSync(path.join(dir, 'без номера.pdf'), pdf('?'));
  fs.writeFileSync(path.join(dir, '17 и 18.pdf'), pdf('17+18'));
  fs.mkdirSync(path.join(dir, 'архив 5'));

  // The server creates the demo association (plots 1…300) and holds the embedded database.
  const server = await startServer(env);
  const first = await runVestnik(['document', 'upload-dir', dir, '--object-kind', 'plot'], env);
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stdout, /^Участок 17\.pdf → 17 \(object \d+\): stored, document \d+$/m);
  assert.match(first.stdout, /^Квитанция №19 за 2025\.pdf → 19 \(object \d+\): stored/m);
  assert.match(first.stdout, /^not matched: без номера\.pdf — no object number in the name$/m);
  assert.match(
    first.stdout,
    /^not matched: 17 и 18\.pdf — the name has the numbers of several objects \(17, 18\)$/m,
  );
  assert.doesNotMatch(first.stdout, /архив/);
  assert.match(first.stdout, /^2 stored, 0 already stored, 2 not matched$/m);
  assert.match(first.stderr, /2 of 4 files matched no object/);
  const object17 = /Участок 17\.pdf → 17 \(object (\d+)\)/.exec(first.stdout)![1]!;

  const one = await runVestnik(['document', 'upload', object17, path.join(dir, '17 и 18.pdf')], env);
  assert.equal(one.code, 0, one.stderr);
  assert.match(
    one.stdout,
    /^Stored: document \d+, 17 и 18\.pdf \(application\/pdf, \d+ bytes\) of object \d+$/m,
  );
  const list = await runVestnik(['document', 'list', object17], env);
  assert.deepEqual(
    list.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t')[2]),
    // Newest first; the last is the receipt the demo association starts with.
    ['17 и 18.pdf', 'Участок 17.pdf', 'Квитанция участок 17.pdf'],
  );
  const missing = await runVestnik(['document', 'upload', object17, path.join(dir, 'нет такого.pdf')], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read .*нет такого\.pdf: ENOENT/);
  await server.stop();

  // On its own, the same files again: nothing new.
  const again = await runVestnik(['document', 'upload-dir', dir, '--object-kind', 'plot'], env);
  assert.equal(again.code, 1, again.stderr);
  assert.match(again.stdout, /^0 stored, 2 already stored, 2 not matched$/m);
  const dry = await runVestnik(['document', 'upload-dir', dir, '--dry-run'], env);
  assert.match(dry.stdout, /^Участок 17\.pdf → 17 \(object \d+\)$/m);
});

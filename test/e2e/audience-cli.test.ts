/**
 * The audience commands as an operator runs them, against the demo association: lists, consent, the
 * suppression list, and the count and exclusion report of a filter in Russian — first through a
 * running server (the embedded database is the server's, decision 0003), then on their own.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { TEST_ENGINE } from '../helpers/db.ts';
import { runVestnik, startServer, vestnikEnv } from '../helpers/process.ts';

test('lists, consent, suppression and the exclusion report from the command line', async () => {
  const env = await vestnikEnv({ VESTNIK_WORKERS: '0' });
  // A busy machine can take over a minute to migrate a fresh embedded database and load the demo.
  const server = await startServer(env, 180_000);
  const run = async (...args: string[]) => {
    const r = await runVestnik(args, env);
    assert.equal(r.code, 0, `vestnik ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const json = async (...args: string[]) => JSON.parse(await run(...args, '--json'));

  // Everyone in the demo association: Russian labels, numbers that add up.
  const all = await json('audience', 'count');
  assert.ok(all.selected >= 200, JSON.stringify(all));
  const text = await run('audience', 'count');
  assert.match(text, new RegExp(`Выбрано контактов: ${all.selected.toLocaleString('ru-RU')}\\n`));
  assert.match(text, new RegExp(`Получат сообщение: ${all.recipients.toLocaleString('ru-RU')}\\n`));
  const excluded = Object.values(all.excluded as Record<string, number>).reduce((s, n) => s + n, 0);
  assert.equal(all.recipients + excluded, all.selected);
  if (all.excluded.duplicate) assert.match(text, /дубли адреса \(duplicate\): \d/);

  // A list of three, then two.
  assert.match(await run('list', 'create', '--name', 'Правление'), /Created list 1 «Правление» \(contacts\)/);
  assert.match(await run('list', 'add', '1', '--contacts', '1,2,3'), /Added 3 to list 1/);
  assert.match(await run('list', 'remove', '1', '--contacts', '3'), /Removed 1 from list 1/);
  assert.match(await run('list', 'show', '1'), /List 1 «Правление»: 2 contacts\n1 2\n/);
  assert.match(await run('list', 'ls'), /^1\tcontacts\t2\tПравление$/m);
  const missing = await runVestnik(['list', 'add', '1', '--contacts', '999999'], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /--contacts: no such contacts: 999999/);
  const wrongKind = await runVestnik(['list', 'add', '1', '--objects', '1'], env);
  assert.match(wrongKind.stderr, /list 1 is a list of contacts: give --contacts, not --objects/);

  // Advertising needs consent: one of the two gives it.
  const board = await json('audience', 'report', '--list', '1', '--reason', 'included');
  assert.equal(board.selected, 2);
  const [first, second] = board.items.included as { contactId: number; address: string }[];
  assert.ok(first && second && first.address !== second.address, JSON.stringify(board));
  assert.match(
    await run(
      'consent',
      'grant',
      '--contact',
      String(first.contactId),
      '--wording',
      'Согласен на рассылку о новостях СНТ',
    ),
    /Consent of contact 1 to advertising by sms recorded \(командная строка\)/,
  );
  assert.match(
    await run('consent', 'show', '--contact', '1'),
    /^sms\tadvertising\tgiven\t\S+\tкомандная строка\t«Согласен/m,
  );
  const ad = await run('audience', 'report', '--list', '1', '--category', 'advertising');
  assert.match(
    ad,
    /Выбрано контактов: 2\nПолучат сообщение: 1\nИсключено: 1\n {2}нет согласия на рекламу \(no_consent\): 1\n/,
  );
  assert.match(
    ad,
    new RegExp(`Нет согласия на рекламу — первые 1:\\n {2}${second.contactId}\\t\\S.*\\t\\${second.address}`),
  );

  // Suppressing the consenting one's number leaves nobody; taking it off brings them back.
  assert.match(
    await run('suppress', 'add', '--address', first.address, '--reason', 'unsubscribed', '--note', 'звонок'),
    /Suppressed \+7\d{10} on sms \(unsubscribed\); 0 queued messages excluded/,
  );
  assert.match(
    await run('suppress', 'ls'),
    new RegExp(`^sms\\t\\${first.address}\\tunsubscribed\\tзвонок$`, 'm'),
  );
  const none = await json('audience', 'count', '--list', '1', '--category', 'advertising');
  assert.deepEqual(none, { selected: 2, recipients: 0, excluded: { unsubscribed: 1, no_consent: 1 } });
  assert.match(
    await run('suppress', 'remove', '--address', first.address),
    /removed from the sms suppression list/,
  );
  assert.match(await run('consent', 'withdraw', '--contact', '1'), /withdrawn/);
  assert.equal((await json('audience', 'count', '--list', '1', '--category', 'advertising')).recipients, 0);

  // A filter from a file (absolute: the server reads it), and its mistakes.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vestnik-filter-'));
  const file = path.join(dir, 'debtors.json');
  fs.writeFileSync(file, JSON.stringify({ type: 'objects', measure: 'debt', op: 'gt', value: 0 }));
  const debtors = await json('audience', 'count', '--filter', `@${file}`);
  assert.ok(debtors.selected > 0 && debtors.selected < all.selected, JSON.stringify(debtors));
  const inline = await json(
    'audience',
    'count',
    '--filter',
    '{"type":"not","filter":{"type":"objects","measure":"debt","op":"gt","value":0}}',
  );
  assert.equal(debtors.selected + inline.selected, all.selected, 'a filter and its negation split everyone');
  const bad = await runVestnik(['audience', 'count', '--filter', '{"type":"age","min":"x"}'], env);
  assert.equal(bad.code, 1);
  assert.match(
    bad.stderr,
    /--filter: not a filter \(see docs\/audience\.md\): \/min \(age\): must be integer/,
  );
  const channel = await runVestnik(['audience', 'count', '--channel', 'fax'], env);
  assert.match(channel.stderr, /--channel fax: use sms, messenger, email/);
  if (TEST_ENGINE === 'pglite') {
    const relative = await runVestnik(['audience', 'count', '--filter', '@debtors.json'], env);
    assert.match(relative.stderr, /a server is running, so give the file's absolute path/);
  }

  // Without the server, the same answers from the command's own connection.
  await server.stop();
  assert.deepEqual(await json('audience', 'count', '--filter', `@${file}`), debtors);
  assert.match(await run('list', 'delete', '1'), /Deleted list 1/);
  const gone = await runVestnik(['audience', 'count', '--list', '1'], env);
  assert.match(gone.stderr, /audience.listId: no list 1/);
  fs.rmSync(dir, { recursive: true, force: true });
});

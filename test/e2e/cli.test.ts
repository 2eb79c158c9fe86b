/**
 * The command line as an operator uses it: every command on its own, then the same commands while
 * a server holds the embedded database (they go through the server), and the clear refusals.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TEST_ENGINE } from '../helpers/db.ts';
import { runVestnik, startServer, vestnikEnv } from '../helpers/process.ts';

test('each command has --help, and a mistake says what is wrong', async () => {
  const env = await vestnikEnv();
  const help = await runVestnik(['--help'], env);
  assert.equal(help.code, 0);
  for (const c of ['serve', 'worker', 'migrate', 'org', 'user', 'key', 'send'])
    assert.match(help.stdout, new RegExp(`\\n\\s+${c}\\b`));
  const sendHelp = await runVestnik(['send', '--help'], env);
  assert.equal(sendHelp.code, 0);
  assert.match(sendHelp.stdout, /--to <address>/);
  const unknown = await runVestnik(['frobnicate'], env);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  const badEnv = await runVestnik(['org', 'list'], { ...env, PORT: 'eighty' });
  assert.equal(badEnv.code, 2);
  assert.match(badEnv.stderr, /PORT=eighty is not a whole number/);
});

test('without a server: organisations, users, keys and a send, each on its own', async () => {
  const env = await vestnikEnv();
  const migrated = await runVestnik(['migrate'], env);
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(migrated.stdout, /Applied: 0001_init/);
  assert.match((await runVestnik(['migrate'], env)).stdout, /Nothing to apply/);

  const org = await runVestnik(['org', 'create', '--name', 'ТСЖ «Дом»'], env);
  assert.equal(org.code, 0, org.stderr);
  assert.match(org.stdout, /Created organisation 1: ТСЖ «Дом»/);

  const user = await runVestnik(
    ['user', 'create', '--email', 'operator@tsj.example', '--role', 'operator'],
    env,
  );
  assert.equal(user.code, 0, user.stderr);
  assert.match(
    user.stdout,
    /Created user 1 operator@tsj\.example \(operator\) in organisation 1\nPassword \(shown once\): \S{16}/,
  );
  const badRole = await runVestnik(['user', 'create', '--email', 'x@tsj.example', '--role', 'boss'], env);
  assert.equal(badRole.code, 1);
  assert.match(badRole.stderr, /--role boss: use owner, admin, operator, moderator or viewer/);
  const raised = await runVestnik(['user', 'set', '1', '--role', 'admin', '--disable'], env);
  assert.equal(raised.code, 0, raised.stderr);
  assert.equal(raised.stdout, 'User 1 operator@tsj.example: admin, disabled\n');
  assert.match(
    (await runVestnik(['user', 'list'], env)).stdout,
    /^1\toperator@tsj\.example\tadmin\tdisabled\t/m,
  );
  const nothing = await runVestnik(['user', 'set', '1'], env);
  assert.match(nothing.stderr, /nothing to change: give --role, --disable or --enable/);
  assert.equal(
    (await runVestnik(['user', 'set', '1', '--enable'], env)).stdout,
    'User 1 operator@tsj.example: admin\n',
  );

  const key = await runVestnik(['key', 'create', '--name', 'crm'], env);
  assert.equal(key.code, 0, key.stderr);
  assert.match(key.stdout, /^vk_[A-Za-z0-9_-]{43}\n$/);
  assert.match((await runVestnik(['key', 'list'], env)).stdout, /^1\tvk_\S+…\toperator\tcrm\tactive$/m);

  const broke = await runVestnik(['send', '--to', '8 (912) 345-67-89', '--text', 'Документы готовы'], env);
  assert.equal(broke.code, 1);
  assert.match(broke.stderr, /the message costs 0,30\u00a0₽ but the available balance is 0,00\u00a0₽/);
  const topup = await runVestnik(['balance', 'topup', '--amount', '500', '--comment', 'счёт 17'], env);
  assert.equal(topup.code, 0, topup.stderr);
  assert.match(topup.stdout, /Topped up 500,00\u00a0₽; available now 500,00\u00a0₽/);

  const sent = await runVestnik(
    ['send', '--to', '8 (912) 345-67-89', '--text', 'Документы готовы', '--json'],
    env,
  );
  assert.equal(sent.code, 0, sent.stderr);
  const message = JSON.parse(sent.stdout);
  assert.equal(message.address, '+79123456789');
  assert.equal(message.state, 'submitted', 'the command sends it itself when no server runs');
  assert.match(message.providerMessageId, /^sbx-/);
  assert.equal(message.initiator, 'cli');
  assert.equal(message.costKopecks, 30);

  // Seed 001's report: 500,00 at the start of nothing, 500,00 bought, 0,30 spent, 499,70 left, 1 sent.
  const today = new Date().toISOString().slice(0, 10);
  const report = await runVestnik(['balance', 'report', '--from', today, '--to', today, '--csv'], env);
  assert.equal(report.code, 0, report.stderr);
  assert.equal(
    report.stdout,
    '\ufeffСумма на начало периода;Куплено сообщений;Стоимость отправленных сообщений;Остаток;Отправлено сообщений\r\n0,00;500,00;0,30;499,70;1\r\n',
  );
  // A campaign from the command line: the seed's placeholders, the estimate, the launch, a pause.
  const created = await runVestnik(
    ['campaign', 'create', '--name', 'Собрание', '--text', 'Уважаемый %name, собрание 12 июня.'],
    env,
  );
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /Created campaign 1 «Собрание» \(draft\)/);
  const typo = await runVestnik(
    ['campaign', 'create', '--name', 'x', '--text', 'Долг {{ contact.nmae }}'],
    env,
  );
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /--text: line 1, column 9: .*contact\.nmae/);
  const notAnId = await runVestnik(['campaign', 'launch', 'abc'], env);
  assert.equal(notAnId.code, 1);
  assert.match(notAnId.stderr, /campaign abc: not an id \(a positive whole number\)/);
  const estimate = await runVestnik(['campaign', 'estimate', '1'], env);
  assert.match(estimate.stdout, /Campaign 1: 0 messages \(0 excluded\), 0 segments/);
  assert.match(
    (await runVestnik(['campaign', 'launch', '1'], env)).stdout,
    /Launched campaign 1: 0 queued, 0 excluded, 0,00\u00a0₽ reserved; nothing to send, completed/,
  );
  assert.match((await runVestnik(['campaign', 'pause', '1'], env)).stderr, /campaign 1 is completed/);

  const inspect = await runVestnik(
    ['sms', 'inspect', '--translit'],
    env,
    30_000,
    'Собрание СНТ «Берёзка» — 12 июня',
  );
  assert.deepEqual(JSON.parse(inspect.stdout), {
    encoding: 'GSM-7',
    characters: 36,
    segments: 1,
    parts: ['Sobraniye SNT "Beryozka" - 12 iyunya'],
  });

  const bad = await runVestnik(['send', '--to', '8 (912) 34', '--text', 'x'], env);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr.trim(), 'error: --to: `8 (912) 34` is not a phone number');

  await runVestnik(['org', 'create', '--name', 'Вторая'], env);
  const ambiguous = await runVestnik(['key', 'create'], env);
  assert.equal(ambiguous.code, 1);
  assert.match(ambiguous.stderr, /there are 2 organisations: say which with --org ID/);
  assert.equal((await runVestnik(['key', 'create', '--org', '2'], env)).code, 0);
});

test('while a server runs on the embedded database, commands go through it', {
  skip: TEST_ENGINE !== 'pglite' && 'PGlite only',
}, async () => {
  const env = await vestnikEnv({ VESTNIK_DEMO: '0' });
  const server = await startServer(env);
  assert.match(server.output(), /Owner's password \(shown once, change it\): \S+/);
  assert.match(server.output(), /The balance is 0,00 ₽: top it up before sending SMS/);
  assert.equal((await runVestnik(['balance', 'topup', '--amount', '10'], env)).code, 0);

  const key = await runVestnik(['key', 'create', '--name', 'via-server', '--role', 'admin'], env);
  assert.equal(key.code, 0, key.stderr);
  const me = await fetch(`${server.url}/api/v1/me`, {
    headers: { authorization: `Bearer ${key.stdout.trim()}` },
  }).then((r) => r.json());
  assert.equal((me as { role: string }).role, 'admin', 'the key made through the server works against it');

  const sent = await runVestnik(
    ['send', '--to', '+7 912 000-00-01', '--text', 'Отключение воды завтра', '--json'],
    env,
  );
  assert.equal(sent.code, 0, sent.stderr);
  assert.notEqual(JSON.parse(sent.stdout).state, 'queued', "the server's workers took it");

  const bad = await runVestnik(['send', '--to', 'not-a-phone', '--text', 'x'], env);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /error: --to: `not-a-phone` is not a phone number/);

  const migrate = await runVestnik(['migrate'], env);
  assert.equal(migrate.code, 1);
  assert.match(migrate.stderr, /embedded database in use by another Vestnik process \(pid \d+, serve\)/);
  const worker = await runVestnik(['worker'], env);
  assert.equal(worker.code, 1);
  assert.match(worker.stderr, /separate workers need a PostgreSQL server \(DATABASE_URL\)/);
  const second = await runVestnik(['serve'], { ...env, PORT: '0' });
  assert.equal(second.code, 1);
  assert.match(second.stderr, /embedded database in use by another Vestnik process/);

  assert.equal(await server.stop(), 0);
  // Once the server is gone, the same data opens directly.
  const list = await runVestnik(['key', 'list'], env);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /via-server\tactive/);
});

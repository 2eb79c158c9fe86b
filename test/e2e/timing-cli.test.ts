/**
 * When messages go, from the command line (issue 7): the delivery settings, a campaign in economy
 * mode with its plan, a scheduled one, a recurring one and its runs, an automation, why a message
 * waits — and clear errors for wrong options.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runVestnik, vestnikEnv } from '../helpers/process.ts';

test('delivery settings, modes, schedules, automations and explanations from the command line', async () => {
  // The product's own default window, not the suite's around-the-clock one.
  const env = await vestnikEnv({ VESTNIK_DEMO: '0', VESTNIK_WORKERS: '0', VESTNIK_DEFAULT_WINDOW: '' });
  const run = async (...args: string[]) => {
    const r = await runVestnik(args, env);
    assert.equal(r.code, 0, `vestnik ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const fail = async (...args: string[]) => {
    const r = await runVestnik(args, env);
    assert.equal(r.code, 1, `vestnik ${args.join(' ')} should fail: ${r.stdout}`);
    return r.stderr;
  };
  await run('org', 'create', '--name', 'СНТ «Часы»');
  await run('balance', 'topup', '--amount', '100');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vestnik-timing-'));
  const csv = path.join(dir, 'people.csv');
  fs.writeFileSync(
    csv,
    'ФИО;Телефон;Часовой пояс\nИванов Иван;8 (912) 000-00-01;Asia/Yekaterinburg\nПетров Пётр;8 (912) 000-00-02;\n',
  );
  await run(
    'contacts',
    'import',
    csv,
    '--map',
    'ФИО=fullName',
    '--map',
    'Телефон=phone',
    '--map',
    'Часовой пояс=timeZone',
  );

  assert.match(await run('delivery', 'show'), /Daytime window: +10:00–23:00/);
  assert.match(
    await fail('delivery', 'set', '--window', '23:00-10:00'),
    /--window 23:00-10:00: start 23:00 must be before end 10:00/,
  );
  assert.match(
    await fail('delivery', 'set', '--urgent-rate', 'fast'),
    /--urgent-rate fast: give a whole number/,
  );
  const set = await run(
    'delivery',
    'set',
    '--window',
    '09:00-21:00',
    '--economy-capacity',
    '1',
    '--daily-cap',
    '5',
  );
  assert.match(set, /Daytime window: +09:00–21:00/);
  assert.match(set, /Economy capacity: +1 a day per gateway/);
  assert.match(set, /Cap per recipient a day: 5/);

  // Economy: one a day, so two recipients take two days; the plan is shown before and at launch.
  assert.match(
    await run('campaign', 'create', '--name', 'Медленно', '--text', 'Взносы', '--mode', 'economy'),
    /Created campaign 1/,
  );
  assert.match(
    await run('campaign', 'estimate', '1'),
    /Economy plan \(day: messages\):\n {2}\d{4}-\d\d-\d\d: 1 .*\n {2}\d{4}-\d\d-\d\d: 1 /,
  );
  assert.match(await run('campaign', 'launch', '1'), /Launched campaign 1: 2 queued.*\nEconomy plan/);

  // Scheduled and recurring campaigns are armed, not sent.
  await run('campaign', 'create', '--name', 'Собрание', '--text', 'Собрание', '--at', '2099-06-01 10:00');
  assert.match(
    await run('campaign', 'launch', '2'),
    /Scheduled campaign 2: it runs at 01\.06\.2099 10:00 \(Europe\/Moscow\)/,
  );
  await run(
    'campaign',
    'create',
    '--name',
    'Ежемесячно',
    '--text',
    'Показания',
    '--every',
    'month',
    '--day',
    '-1',
    '--time',
    '18:00',
  );
  assert.match(
    await run('campaign', 'launch', '3'),
    /Scheduled campaign 3: it runs at \d\d\.\d\d\.\d{4} 18:00/,
  );
  assert.match(await run('campaign', 'runs', '3'), /No runs yet\./);
  assert.match(
    await fail('campaign', 'create', '--name', 'x', '--text', 'x', '--cron', '0 25 * * *'),
    /--cron.*hour/,
  );
  assert.match(
    await fail('campaign', 'create', '--name', 'x', '--text', 'x', '--every', 'month', '--day', '31'),
    /--every.*1–28/,
  );
  assert.match(
    await fail('campaign', 'create', '--name', 'x', '--text', 'x', '--mode', 'fast'),
    /--mode fast: use standard, economy, urgent/,
  );
  assert.match(
    await fail('campaign', 'create', '--name', 'x', '--text', 'x', '--at', 'tomorrow'),
    /--at tomorrow: not a date and time/,
  );

  const auto = await run(
    'automation',
    'create',
    '--name',
    'Дни рождения',
    '--kind',
    'birthday',
    '--time',
    '09:30',
  );
  assert.match(auto, /Automation 4 «Дни рождения»: runs daily at 09:30, next \d{4}-/);
  assert.match(
    await fail('automation', 'create', '--name', 'x', '--kind', 'anniversary'),
    /--kind anniversary: use birthday, debt/,
  );

  // The second recipient's economy message waits for its day's slot, and says so.
  const why = await run('message', 'why', '2');
  assert.match(why, /Message 2 \(sms, queued\): economy: slot of \d{4}-\d\d-\d\d \(1 that day, capacity 1\)/);
  assert.match(await fail('message', 'why', '999'), /no message 999/);
  fs.rmSync(dir, { recursive: true, force: true });
});

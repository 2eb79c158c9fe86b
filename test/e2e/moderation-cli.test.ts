/** `vestnik moderation check` (issue 18 item 3): the matches in Russian, then the JSON line. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runVestnik, vestnikEnv } from '../helpers/process.ts';

test('vestnik moderation check prints the matches in Russian and ends with the same JSON', async () => {
  const env = await vestnikEnv({ VESTNIK_DEMO: '0', VESTNIK_WORKERS: '0' });
  const r = await runVestnik(
    ['moderation', 'check', '--text', 'Только сегодня: k r e d i t', '--sender', 'KAZINO777'],
    env,
  );
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(r.stdout, /«кредит» \(финансовые услуги\) в тексте: «k r e d i t»/);
  assert.match(r.stdout, /«казино» \(азартные игры и лотереи\) в имени отправителя: «KAZINO777»/);
  assert.deepEqual(JSON.parse(lines.at(-1)!), {
    verdict: 'review',
    matches: [
      { word: 'только сегодня', found: 'Только сегодня', group: 'advertising', field: 'text' },
      { word: 'кредит', found: 'k r e d i t', group: 'finance', field: 'text' },
      { word: 'казино', found: 'KAZINO777', group: 'gambling', field: 'sender' },
    ],
  });
  const pass = await runVestnik(['moderation', 'check', '--text', 'Собрание в субботу в 12:00'], env);
  assert.deepEqual(JSON.parse(pass.stdout.trim().split('\n').at(-1)!), { verdict: 'pass', matches: [] });
  const noOrg = await runVestnik(['moderation', 'check', '--text', 'x', '--org', '999'], env);
  assert.equal(noOrg.code, 1);
  assert.match(noOrg.stderr, /no organisation 999/);
});

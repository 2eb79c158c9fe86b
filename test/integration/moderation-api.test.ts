/**
 * The moderation check through the API (issue 18 item 3) and the command line: the verdict and the
 * matches with their fields, the same answer from both, and clear errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApi } from '../helpers/api.ts';
import { runVestnik, vestnikEnv } from '../helpers/process.ts';

test('POST /api/v1/moderation/check: a text, every channel and the sender, and bad requests', async () => {
  const api = await createTestApi();

  const plain = await api.call('POST', '/api/v1/moderation/check', {
    text: 'Акция! Казино и кредит',
    sender: 'SberInfo',
  });
  assert.equal(plain.status, 200, plain.text);
  assert.equal(plain.body.verdict, 'review');
  assert.deepEqual(
    plain.body.matches.map((m: { word: string; found: string; group: string; field: string }) => [
      m.word,
      m.found,
      m.group,
      m.field,
    ]),
    [
      ['акция', 'Акция', 'advertising', 'text'],
      ['казино', 'Казино', 'gambling', 'text'],
      ['кредит', 'кредит', 'finance', 'text'],
      ['Сбер', 'SberInfo', 'banks', 'sender'],
    ],
  );
  assert.deepEqual([plain.body.matches[1].start, plain.body.matches[1].end], [7, 13]);

  const channels = await api.call('POST', '/api/v1/moderation/check', {
    texts: {
      sms: 'Собрание в субботу',
      messenger: 'Кр3дит без отказа',
      email: { subject: 'Распродажа', html: '<p>Л<b>о</b>терея &laquo;Джекпот&raquo;</p>', text: null },
    },
  });
  assert.equal(channels.status, 200, channels.text);
  assert.deepEqual(
    channels.body.matches.map((m: { field: string; word: string }) => `${m.field}:${m.word}`),
    [
      'messenger:кредит',
      'messenger:без отказа',
      'email.subject:распродажа',
      'email.html:лотерея',
      'email.html:джекпот',
    ],
  );

  const innocent = await api.call('POST', '/api/v1/moderation/check', {
    text: 'Документы готовы, заберите в офисе',
  });
  assert.deepEqual(innocent.body, { verdict: 'pass', matches: [] });

  const empty = await api.call('POST', '/api/v1/moderation/check', {});
  assert.equal(empty.status, 400);
  assert.equal(empty.body.error.code, 'invalid_input');
  const tooLong = await api.call('POST', '/api/v1/moderation/check', { text: 'а'.repeat(100_001) });
  assert.equal(tooLong.status, 400);
  const unknown = await api.call('POST', '/api/v1/moderation/check', { text: 'x', channel: 'sms' });
  assert.equal(unknown.status, 400);
  const anonymous = await api.call('POST', '/api/v1/moderation/check', { text: 'x' }, { key: null });
  assert.equal(anonymous.status, 401);

  const doc = await api.call('GET', '/api/openapi.json');
  assert.equal(doc.status, 200);
  assert.ok(doc.body.paths['/api/v1/moderation/check']?.post, 'documented in OpenAPI');
});

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

/**
 * The moderation check through the API (issue 18 item 3): the verdict and the matches with their
 * fields and offsets, and clear errors. The command line's check is test/e2e/moderation-cli.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApi } from '../helpers/api.ts';

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

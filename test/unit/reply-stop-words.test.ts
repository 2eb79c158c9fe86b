/** Stop requests in replies (AC-4): whole reply, any case, look-alike letters folded. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkStopWords,
  DEFAULT_STOP_WORDS,
  isStopReply,
  stopForm,
} from '../../src/core/replies/stopWords.ts';

test('the default words, as people type them, are stop requests', () => {
  for (const reply of [
    'СТОП',
    'стоп',
    'Стоп!',
    '  стоп. ',
    '«СТОП»',
    'STOP',
    'stop',
    'ОТПИСАТЬСЯ',
    'Отписка',
    'отписать',
    'Unsubscribe',
    'СТОП ВСЁ',
    'стоп, все!',
  ])
    assert.equal(isStopReply(reply, DEFAULT_STOP_WORDS), true, reply);
});

test('look-alike letters count: Latin C, T, O in «CTOП», a zero in «ST0P»', () => {
  assert.equal(isStopReply('CTOП', DEFAULT_STOP_WORDS), true);
  assert.equal(isStopReply('cToп', DEFAULT_STOP_WORDS), true);
  assert.equal(isStopReply('ST0P', DEFAULT_STOP_WORDS), true);
  assert.equal(isStopReply('OTПИCATЬCЯ', DEFAULT_STOP_WORDS), true);
  // Hidden characters between the letters do not hide the word.
  assert.equal(isStopReply('С\u200bТОП', DEFAULT_STOP_WORDS), true);
});

test('a sentence with the word in it is not a stop request, nor is an empty reply', () => {
  for (const reply of ['стоп пожалуйста нет', 'не стоп', 'Спасибо, получил', 'стопка', '', '!!!', 'STOPPED'])
    assert.equal(isStopReply(reply, DEFAULT_STOP_WORDS), false, reply);
});

test("an organisation's own words replace the defaults", () => {
  const words = ['Хватит', 'не пишите'];
  assert.equal(isStopReply('хватит!', words), true);
  assert.equal(isStopReply('Не пишите.', words), true);
  assert.equal(isStopReply('стоп', words), false);
});

test('stopForm: punctuation and spaces become one space, ё is е', () => {
  assert.equal(stopForm('  Стоп —  всё!!! '), 'стоп все');
});

test('checkStopWords drops repeats of one form and names the first bad word', () => {
  assert.deepEqual(checkStopWords(['СТОП', 'стоп!', 'CTOП', 'Хватит']), {
    ok: true,
    words: ['СТОП', 'Хватит'],
  });
  assert.deepEqual(checkStopWords(['СТОП', '!!!']), {
    ok: false,
    index: 1,
    value: '!!!',
    message: 'has no letters or digits: it would match nothing',
  });
  const long = 'а'.repeat(61);
  const r = checkStopWords([long]);
  assert.equal(r.ok, false);
});

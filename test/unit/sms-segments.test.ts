/**
 * SMS encoding and segments (CT-3): exact cases from the rules, then property tests over random
 * mixes of Latin, Cyrillic, GSM extension characters and emoji: the parts re-join to the text, each
 * part is within its limit, no surrogate pair or extension character is split, and the counts agree
 * with an independent implementation (Twilio's sms-segments-calculator).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SegmentedMessage } from 'sms-segments-calculator';
import { GSM_EXTENSION, GSM_SEPTETS } from '../../src/core/sms/gsm.ts';
import { countSegments, gsmSeptets, inspectSms } from '../../src/core/sms/segments.ts';
import { transliterate } from '../../src/core/sms/translit.ts';

test('exact boundaries of GSM-7 and UCS-2', () => {
  const cases: [string, string, number, number][] = [
    ['', 'GSM-7', 0, 0],
    ['a', 'GSM-7', 1, 1],
    ['a'.repeat(160), 'GSM-7', 160, 1],
    ['a'.repeat(161), 'GSM-7', 161, 2],
    ['a'.repeat(306), 'GSM-7', 306, 2],
    ['a'.repeat(307), 'GSM-7', 307, 3],
    ['€'.repeat(80), 'GSM-7', 160, 1],
    ['€'.repeat(81), 'GSM-7', 162, 2],
    ['я'.repeat(70), 'UCS-2', 70, 1],
    ['я'.repeat(71), 'UCS-2', 71, 2],
    ['я'.repeat(134), 'UCS-2', 134, 2],
    ['я'.repeat(135), 'UCS-2', 135, 3],
    ['😀'.repeat(35), 'UCS-2', 70, 1],
    ['😀'.repeat(36), 'UCS-2', 72, 2],
  ];
  for (const [text, encoding, characters, segments] of cases) {
    const r = countSegments(text);
    assert.deepEqual(r, { encoding, characters, segments }, `${text.slice(0, 12)}… (${text.length})`);
    assert.equal(inspectSms(text).parts.length, segments);
  }
});

test('one character outside GSM turns the whole message to UCS-2', () => {
  const latin = 'Your documents are ready, please come to the office at 10:00. '.repeat(2);
  assert.deepEqual(countSegments(latin), { encoding: 'GSM-7', characters: 124, segments: 1 });
  assert.deepEqual(countSegments(`${latin}’`), { encoding: 'UCS-2', characters: 125, segments: 2 });
  assert.deepEqual(countSegments(`${latin}👍`), { encoding: 'UCS-2', characters: 126, segments: 2 });
});

test('an extension character is never split across parts', () => {
  // 152 basic septets, then € (two septets) would straddle the 153 boundary: it moves whole.
  const text = `${'a'.repeat(152)}€${'b'.repeat(10)}`;
  const r = inspectSms(text);
  assert.equal(r.encoding, 'GSM-7');
  assert.deepEqual(
    r.parts.map((p) => gsmSeptets(p)),
    [152, 12],
  );
  assert.equal(r.parts[1]![0], '€');
});

test('a surrogate pair is never split across parts', () => {
  const text = `${'я'.repeat(66)}😀${'я'.repeat(10)}`;
  const r = inspectSms(text);
  assert.deepEqual(
    r.parts.map((p) => p.length),
    [66, 12],
  );
  assert.equal(r.parts[1]!.slice(0, 2), '😀');
});

test('seed 001: a Russian SMS of 70 characters is one segment at the tariff', () => {
  const text = 'Ваши документы готовы. Ждём вас в офисе ERP.travel с 10 до 19 часов!!!';
  assert.equal(text.length, 70);
  assert.deepEqual(countSegments(text), { encoding: 'UCS-2', characters: 70, segments: 1 });
});

const pieces = fc.oneof(
  fc.constantFrom(...'abcXYZ 0123.,!?@£$_\n'.split('')),
  fc.constantFrom(...'абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЖЩЯ'.split('')),
  fc.constantFrom(...GSM_EXTENSION.split('')),
  fc.constantFrom('😀', '👍🏽', '🇷🇺', '👨‍👩‍👧', '€', '’', '«', '»'),
);
const texts = fc.array(pieces, { maxLength: 700 }).map((xs) => xs.join(''));
const gsmTexts = fc
  .array(
    fc.oneof(
      fc.constantFrom(...'abcXYZ 0123.,!?@£$_\n'.split('')),
      fc.constantFrom(...GSM_EXTENSION.split('')),
    ),
    { maxLength: 700 },
  )
  .map((xs) => xs.join(''));

function checkParts(text: string) {
  const r = inspectSms(text);
  assert.equal(r.parts.join(''), text, 'parts re-join to the text');
  assert.equal(r.parts.length, r.segments);
  for (const p of r.parts) {
    if (r.encoding === 'GSM-7') {
      assert.ok(gsmSeptets(p) <= (r.segments === 1 ? 160 : 153), `GSM part of ${gsmSeptets(p)} septets`);
    } else {
      assert.ok(p.length <= (r.segments === 1 ? 70 : 67), `UCS-2 part of ${p.length} units`);
      const last = p.charCodeAt(p.length - 1);
      assert.ok(!(last >= 0xd800 && last <= 0xdbff), 'a part ends with half a surrogate pair');
    }
  }
  if (r.encoding === 'GSM-7')
    assert.equal(
      r.characters,
      [...text].reduce((s, ch) => s + GSM_SEPTETS[ch.charCodeAt(0)]!, 0),
    );
  else assert.equal(r.characters, text.length);
}

test('property: parts re-join, stay within limits, split no pair (mixed texts)', () => {
  fc.assert(fc.property(texts, checkParts), { numRuns: 500 });
  fc.assert(fc.property(gsmTexts, checkParts), { numRuns: 300 });
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), checkParts), { numRuns: 300 });
});

test('property: the counts agree with Twilio’s sms-segments-calculator', () => {
  fc.assert(
    fc.property(fc.oneof(texts, gsmTexts), (text) => {
      fc.pre(text.length > 0);
      const ours = countSegments(text);
      const theirs = new SegmentedMessage(text, 'auto');
      assert.equal(ours.encoding, theirs.encodingName, text);
      assert.equal(ours.segments, theirs.segmentsCount, text);
    }),
    { numRuns: 500 },
  );
});

test('transliteration makes Russian typography GSM-7', () => {
  const t = transliterate('Собрание СНТ «Берёзка» — 12 июня, участок № 5… Щука, съешь!');
  assert.equal(t, 'Sobraniye SNT "Beryozka" - 12 iyunya, uchastok N 5... Shchuka, syesh!');
  assert.equal(countSegments(t).encoding, 'GSM-7');
  assert.equal(countSegments(transliterate('Привет 😀')).encoding, 'UCS-2', 'an emoji keeps it UCS-2');
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanGlyphs, foldLookalikes } from '../../src/core/text/lookalike.ts';

describe('foldLookalikes', () => {
  const cases: [string, string, string][] = [
    ['Latin capitals in a Cyrillic word', 'CTOП', 'стоп'],
    ['Latin K and e in a Cyrillic word', 'Kрeдит', 'кредит'],
    ['an all-Cyrillic word is only lower-cased', 'СТОП', 'стоп'],
    ['a pure-Latin word stays Latin', 'STOP', 'stop'],
    ['a pure-Latin word of look-alike letters stays Latin', 'PEKA', 'peka'],
    ['a mostly Latin word with a Cyrillic а goes to Latin', 'kаzino', 'kazino'],
    ['upper-case B is в, lower-case b is ь', 'Bодка ОБЬЯb', 'водка обьяь'],
    ['a Latin or Ukrainian i in a Cyrillic word is и', 'кредiт кредіт', 'кредит кредит'],
    ['Greek look-alikes in a Cyrillic word', 'Κазинο', 'казино'],
    ['0 for о inside a Cyrillic word', 'ст0п', 'стоп'],
    ['6 for б', 'Сбер6анк', 'сбербанк'],
    ['3 for з', 'за3вка', 'зазвка'],
    ['4 for ч', '4ек', 'чек'],
    ['0 in a Latin word is o', 'ST0P', 'stop'],
    ['1 in a Latin word is i', 'kaz1no', 'kazino'],
    ['numbers are never letters', '10кг 2026 г. 300р', '10кг 2026 г. 300р'],
    ['a digit alone is a digit', 'участок 3, дом 0', 'участок 3, дом 0'],
    ['zero-width space', 'кре\u200bдит', 'кредит'],
    ['zero-width joiner and non-joiner', 'ка\u200dзи\u200cно', 'казино'],
    ['word joiner and BOM', '\ufeffсто\u2060п', 'стоп'],
    ['soft hyphen', 'сто\u00adп', 'стоп'],
    ['bidi override', 'ст\u202eоп', 'стоп'],
    ['a stress mark', 'кре́дит', 'кредит'],
    ['й and ё survive, composed or not', 'Йод ёлка и\u0306 е\u0308', 'йод ёлка й ё'],
    ['fullwidth letters', 'ｋｒｅｄｉｔ', 'kredit'],
    ['mathematical bold letters', '𝐒𝐓𝐎𝐏', 'stop'],
    ['punctuation and spaces are kept', 'Стоп! Не пишите.', 'стоп! не пишите.'],
    ['a hyphenated name keeps its hyphen', 'Сбер-Банк', 'сбер-банк'],
    ['empty text', '', ''],
  ];
  for (const [what, input, expected] of cases) {
    it(what, () => assert.equal(foldLookalikes(input), expected));
  }
});

describe('cleanGlyphs', () => {
  it('keeps the span of the original for every character', () => {
    const text = 'a\u200bб𝐒\u00adе\u0308';
    const glyphs = cleanGlyphs(text);
    assert.deepEqual(
      glyphs.map((g) => [g.ch, text.slice(g.start, g.end)]),
      [
        ['a', 'a'],
        ['б', 'б'],
        ['S', '𝐒'],
        ['ё', 'е\u0308'],
      ],
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkContent } from '../../src/core/moderation/check.ts';
import { DEFAULT_DICTIONARY } from '../../src/core/moderation/dictionary.ts';
import {
  combineDictionary,
  compileModeration,
  defaultModerationDictionary,
  LIMITS,
  ModerationError,
} from '../../src/core/moderation/edit.ts';
import { visibleText } from '../../src/core/moderation/html.ts';

const moderation = defaultModerationDictionary();
const words = (text: string, field: 'text' | 'sender' = 'text') =>
  checkContent(moderation, field === 'text' ? { text } : { sender: text }).matches.map((m) => m.word);

/** [what, text, the entries it must find (in order), in the sender field?] */
type Case = [string, string, string[]];

function table(name: string, cases: Case[], field: 'text' | 'sender' = 'text') {
  describe(name, () => {
    for (const [what, text, expected] of cases)
      it(`${what}: ${JSON.stringify(text)}`, () => assert.deepEqual(words(text, field), expected));
  });
}

table('word forms (the Russian stemmer)', [
  ['the entry itself', 'кредит', ['кредит']],
  ['plural', 'кредиты', ['кредит']],
  ['genitive plural', 'кредитов', ['кредит']],
  ['a derived adjective', 'кредитная карта', ['кредит']],
  ['capitals', 'КРЕДИТ', ['кредит']],
  ['a feminine noun', 'Скидки до 50%', ['скидка']],
  ['a form the stemmer cuts differently, listed', 'скидок нет', ['скидка']],
  ['a case of a bank', 'в Сбербанке', ['Сбербанк']],
  ['ё and е are one letter', 'ликер и ликёр', ['ликёр', 'ликёр']],
  ['«Водоканал» is not «водка»', 'Водоканал сообщает', []],
  ['«казначей» is not «казино»', 'Казначей товарищества, казначейство', []],
  ['«займите» (занять) is not «займ»', 'Займите очередь заранее', []],
  ['but the forms of «займ» are', 'платёж по договору займа', ['займ']],
  ['«голосов» of a meeting is not agitation', 'подсчёт голосов за кандидатуру председателя', []],
  ['but «голосуйте за» is', 'Голосуйте за нашего кандидата!', ['голосуйте за']],
  ['«вина» (guilt) is not wine', 'по вине подрядчика', []],
  ['«ставка» of a fee is not a bet', 'ставка взноса 1500 руб.', []],
  ['but «ставки на спорт» are', 'Ставки на спорт онлайн', ['ставки на спорт']],
  ['«открытие» of a season is not the bank', 'Открытие дачного сезона', []],
  ['the bank is', 'Банк «Открытие»', ['Банк Открытие']],
]);

table('phrases and names written together', [
  ['a hyphenated name', 'Т-Банк', ['Т-Банк']],
  ['the same written together', 'Альфабанк', ['Альфа-Банк']],
  ['a phrase in another case', 'в отделении Почта Банка', ['Почта Банк']],
  ['a short name with its number', 'ВТБ24', ['ВТБ']],
  ['two entries', 'Акция! Казино и кредит', ['акция', 'казино', 'кредит']],
]);

table('disguises, one by one', [
  ['Latin look-alikes in a Cyrillic word', 'Kрeдит', ['кредит']],
  ['all Latin capitals but one', 'KAЗИНO', ['казино']],
  ['Cyrillic look-alikes in a Latin word', 'kаzino', ['казино']],
  ['look-alikes of both scripts and no letter only one has', 'сbеrbаnk', ['Сбербанк']],
  ['the English spelling', 'Casino', ['казино']],
  ['0 for о', 'Сбер ст0л казин0', ['Сбер', 'казино']],
  ['3 for е', 'кр3дит', ['кредит']],
  ['3 for з', 'ка3ино', ['казино']],
  ['6 for б', 'Сбер6анк', ['Сбербанк']],
  ['zero-width space', 'кре\u200bдит', ['кредит']],
  ['zero-width joiner', 'ка\u200dзино', ['казино']],
  ['soft hyphen', 'кре\u00adдит', ['кредит']],
  ['spaced with spaces', 'к р е д и т', ['кредит']],
  ['spaced with dots', 'к.р.е.д.и.т', ['кредит']],
  ['spaced with hyphens', 'к-р-е-д-и-т', ['кредит']],
  ['spaced after a preposition', 'и к р е д и т', ['кредит']],
  ['two spaced words', 'к р е д и т  и  к а з и н о', ['кредит', 'казино']],
  ['transliterated', 'kredit', ['кредит']],
  ['transliterated, another form', 'kredity', ['кредит']],
  ['transliterated, y or i or j', 'zaim zaym zajm', ['займ', 'займ', 'займ']],
  ['transliterated bank', 'SberBank', ['Сбербанк']],
  ['transliterated, doubled letters', 'Tinkoff', ['Тинькофф']],
  ['transliterated with a hyphen', 'Alfa-Bank', ['Альфа-Банк']],
  ['fullwidth letters', 'ｋａｚｉｎｏ', ['казино']],
  ['a stress mark', 'кре́дит', ['кредит']],
]);

table(
  'sender names (words glued together)',
  [
    ['a stop-word at the start', 'KreditPlus', ['кредит']],
    ['a stop-word inside', 'MoiKredit', ['кредит']],
    ['capitals', 'KAZINOVULKAN', ['казино']],
    ['a bank', 'SBERBANK', ['Сбербанк']],
    ['an association', 'SNT-Berezka', []],
    ['a water utility', 'Vodokanal', []],
    ['Cyrillic', 'МойКредит', ['кредит']],
  ],
  'sender',
);

describe('a match reports where it is', () => {
  it('the entry, the text as written, the group, the field and offsets in the original', () => {
    const text = 'Оформите  К р е д и т сегодня';
    const [m] = checkContent(moderation, { text }).matches;
    assert.deepEqual(m, {
      word: 'кредит',
      found: 'К р е д и т',
      group: 'finance',
      field: 'text',
      start: 10,
      end: 21,
    });
  });
  it('a preposition before spaced-out letters is not part of what was found', () => {
    const [m] = checkContent(moderation, { text: 'Играй и к а з и н о' }).matches;
    assert.equal(m?.found, 'к а з и н о');
  });
  it('offsets count the invisible characters of the original', () => {
    const text = '\u200bКа\u00adзино';
    const [m] = checkContent(moderation, { text }).matches;
    assert.equal(text.slice(m!.start, m!.end), 'Ка\u00adзино');
  });
  it('every field of every channel, by name', () => {
    const result = checkContent(moderation, {
      texts: {
        sms: 'Скидки',
        messenger: 'казино',
        email: { subject: 'Лотерея', html: '<p>Промо<b>код</b></p>', text: 'водка' },
      },
      sender: 'Kredit',
    });
    assert.equal(result.verdict, 'review');
    assert.deepEqual(
      result.matches.map((m) => [m.field, m.word, m.found]),
      [
        ['sms', 'скидка', 'Скидки'],
        ['messenger', 'казино', 'казино'],
        ['email.subject', 'лотерея', 'Лотерея'],
        ['email.html', 'промокод', 'Промо<b>код'],
        ['email.text', 'водка', 'водка'],
        ['sender', 'кредит', 'Kredit'],
      ],
    );
  });
  it('an innocent text passes', () => {
    assert.deepEqual(checkContent(moderation, { text: 'Собрание в субботу в 12:00' }), {
      verdict: 'pass',
      matches: [],
    });
  });
});

describe('the text of HTML', () => {
  it('keeps offsets, joins inline tags, separates blocks, hides styles and decodes entities', () => {
    const html = '<p>кре<b>дит</b></p><p>банк</p><style>казино</style>&#1082;&shy;';
    const text = visibleText(html);
    assert.equal(text.length, html.length);
    assert.deepEqual(
      checkContent(moderation, { texts: { email: { html } } }).matches.map((m) => m.found),
      ['кре<b>дит'],
    );
    assert.doesNotMatch(text, /казино|<|>/);
  });
});

describe('editable dictionaries', () => {
  const check = (edits: Parameters<typeof combineDictionary>[1][], text: string) =>
    checkContent(compileModeration(combineDictionary(DEFAULT_DICTIONARY, ...edits)), { text }).matches.map(
      (m) => m.word,
    );
  it('an organisation adds a word with its group, matched in its forms', () => {
    assert.deepEqual(check([{ add: [{ word: 'шашлык', group: 'alcohol' }] }], 'Шашлыки в субботу'), [
      'шашлык',
    ]);
  });
  it('an addition without a group is «custom»', () => {
    const d = combineDictionary(DEFAULT_DICTIONARY, { add: ['шашлык'] });
    assert.equal(d.entries.find((e) => e.word === 'шашлык')?.group, 'custom');
  });
  it('the instance removes an entry, in any case', () => {
    assert.deepEqual(check([{ remove: ['РАССРОЧКА'] }], 'Рассрочка платежа'), []);
  });
  it('the organisation re-adds what the instance removed', () => {
    assert.deepEqual(check([{ remove: ['рассрочка'] }, { add: ['рассрочка'] }], 'Рассрочка'), ['рассрочка']);
  });
  it('an allowed phrase never matches, the same word elsewhere still does', () => {
    const text = 'Кредитный потребительский кооператив «Надежда» напоминает: кредит не нужен';
    assert.deepEqual(check([], text), ['кредит', 'кредит']);
    assert.deepEqual(check([{ allow: ['Кредитный потребительский кооператив'] }], text), ['кредит']);
  });
  it('a lender allows the words of its trade', () => {
    const text = 'Напоминаем: платёж по договору займа № 123 — 5 000 руб. до 15.05.';
    assert.deepEqual(check([], text), ['займ']);
    assert.deepEqual(check([{ allow: ['договор займа'] }], text), []);
  });
  it('an association allows the bank its members pay through', () => {
    const text = 'Оплатить взнос можно в Сбербанк Онлайн по QR-коду';
    assert.deepEqual(check([], text), ['Сбербанк']);
    assert.deepEqual(check([{ allow: ['Сбербанк Онлайн'] }], text), []);
  });
  it('a 10,000-word dictionary compiles and checks quickly', () => {
    const CONSONANTS = 'бвгджзклмнпрстфхцчшщ';
    const add = Array.from(
      { length: 10_000 },
      (_, i) => `кс${[8000, 400, 20, 1].map((d) => CONSONANTS[Math.floor(i / d) % 20]).join('')}к`,
    );
    let started = performance.now();
    const combined = combineDictionary(DEFAULT_DICTIONARY, { add });
    assert.equal(combined.entries.length, DEFAULT_DICTIONARY.length + 10_000);
    const compiled = compileModeration(combined);
    assert.ok(performance.now() - started < 5000, 'compiles in under 5 s');
    started = performance.now();
    const result = checkContent(compiled, { text: `Это ${add[9_999]} и ${add[0]}` });
    assert.equal(result.matches.length, 2);
    assert.ok(performance.now() - started < 50);
  });
});

describe('bad entries and texts are clear errors', () => {
  const refused: [string, unknown, string][] = [
    ['an empty entry', '', 'entry_empty'],
    ['spaces only', '   ', 'entry_empty'],
    ['separators only', '-.-', 'entry_no_letters'],
    ['a pattern', 'кред.*т', 'entry_pattern'],
    ['a character class', '[кc]редит', 'entry_pattern'],
    ['too long', 'к'.repeat(LIMITS.entryChars + 1), 'entry_too_long'],
    ['too many words', 'раз два три четыре пять шесть семь', 'entry_too_long'],
    ['not a string', 42, 'entry_empty'],
  ];
  for (const [what, word, code] of refused) {
    it(what, () => {
      assert.throws(
        () => combineDictionary(DEFAULT_DICTIONARY, { add: [word as string] }),
        (e: unknown) =>
          e instanceof ModerationError &&
          e.code === code &&
          (typeof word !== 'string' || !word.trim() || e.message.includes(String(word).slice(0, 20))),
      );
    });
  }
  it('an unknown group', () => {
    assert.throws(
      () => combineDictionary(DEFAULT_DICTIONARY, { add: [{ word: 'шашлык', group: 'food' as 'custom' }] }),
      (e: unknown) =>
        e instanceof ModerationError && e.code === 'entry_group' && /шашлык.*food/.test(e.message),
    );
  });
  it('a bad allow-list entry', () => {
    assert.throws(() => combineDictionary(DEFAULT_DICTIONARY, { allow: ['*'] }), { code: 'entry_pattern' });
  });
  it('a 100 KB text is checked in linear time', () => {
    const sentence = 'Уважаемые садоводы! Общее собрание состоится в субботу, кредит. ';
    const small = sentence.repeat(160); // ~10 KB
    const big = sentence.repeat(1_600); // ~100 KB
    checkContent(moderation, { text: small });
    let t = performance.now();
    const smallResult = checkContent(moderation, { text: small });
    const smallMs = performance.now() - t;
    t = performance.now();
    const bigResult = checkContent(moderation, { text: big });
    const bigMs = performance.now() - t;
    assert.equal(bigResult.matches.length, 1_600);
    assert.equal(smallResult.matches.length, 160);
    assert.ok(bigMs < 2_000, `100 KB in ${bigMs} ms`);
    assert.ok(bigMs < Math.max(smallMs, 5) * 40, `10 KB ${smallMs} ms, 100 KB ${bigMs} ms: not linear`);
  });
  it('100 KB made to be slow: one word, spaced letters, digits, markup, invisible characters', () => {
    const texts: Parameters<typeof checkContent>[1][] = [
      { text: 'кредит'.repeat(16_000) },
      { text: 'к р е д и т '.repeat(8_000) },
      { text: 'к3к4'.repeat(25_000) },
      { text: 'к\u200b'.repeat(50_000) },
      { texts: { email: { html: '<b>'.repeat(33_000) } } },
      { texts: { email: { html: '<style>'.repeat(14_000) } } },
      { sender: 'k'.repeat(100_000) },
    ];
    for (const content of texts) {
      const started = performance.now();
      checkContent(moderation, content);
      const ms = performance.now() - started;
      assert.ok(ms < 3_000, `${JSON.stringify(content).slice(0, 40)}: ${ms} ms`);
    }
  });
  it('more than the limit is refused', () => {
    assert.throws(() => checkContent(moderation, { text: 'а'.repeat(LIMITS.textChars + 1) }), {
      code: 'text_too_long',
    });
  });
});

/**
 * The seeds' placeholders translated into Liquid on save (CT-1): each alias to its variable, ordinary
 * `%` and `#` left alone, links and addresses left alone, and the translation stable and total.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ALIASES, aliasesIn, translateAliases } from '../../src/core/templates/aliases.ts';
import { compileTemplate } from '../../src/core/templates/render.ts';
import { validateTemplate } from '../../src/core/templates/validate.ts';

test('every alias of seeds 000 and 004 has its Liquid, and nothing else is an alias', () => {
  assert.deepEqual(ALIASES, {
    '%name': '{{ contact.name }}',
    '%kvit': '{{ objects | links }}',
    '%total': '{{ total }}',
    '%debt': '{{ debt }}',
    '#FAM#': '{{ contact.last_name }}',
    '#IM#': '{{ contact.first_name }}',
    '#OT#': '{{ contact.middle_name }}',
    '#DATE_P#': '{{ payment.date | date_ru: "short" }}',
    '#SUM_P#': '{{ payment.amount }}',
    '#SUM_Z#': '{{ loan.amount }}',
    '#DATE_D#': '{{ loan.date | date_ru: "short" }}',
    '#NOM_D#': '{{ loan.number }}',
  });
  // Each translation is a valid template over the scope's variables.
  for (const [alias, liquid] of Object.entries(ALIASES)) {
    assert.equal(translateAliases(alias), liquid);
    assert.deepEqual(validateTemplate(liquid), [], alias);
  }
});

test("seed 000's example template", () => {
  const seed =
    'Уважаемый %name. Направляем Вам квитанцию для оплаты начислений %kvit. Общая сумма начислений за ваши участки %total руб., просроченная задолженность по которой начисляются пени: %debt руб.';
  assert.equal(
    translateAliases(seed),
    'Уважаемый {{ contact.name }}. Направляем Вам квитанцию для оплаты начислений {{ objects | links }}. Общая сумма начислений за ваши участки {{ total }} руб., просроченная задолженность по которой начисляются пени: {{ debt }} руб.',
  );
  assert.deepEqual(aliasesIn(seed), ['%name', '%kvit', '%total', '%debt']);
});

test('aliases side by side, at the edges and next to punctuation', () => {
  const cases: [string, string][] = [
    ['#FAM# #IM# #OT#', '{{ contact.last_name }} {{ contact.first_name }} {{ contact.middle_name }}'],
    ['#IM##OT#', '{{ contact.first_name }}{{ contact.middle_name }}'],
    ['#IM#OT#', '{{ contact.first_name }}OT#'],
    ['(%total)', '({{ total }})'],
    ['%debt.', '{{ debt }}.'],
    ['%debt,%total', '{{ debt }},{{ total }}'],
    ['сумма:%total₽', 'сумма:{{ total }}₽'],
    ['10%name', '10{{ contact.name }}'],
    ['%%name', '%{{ contact.name }}'],
    ['##IM##', '#{{ contact.first_name }}#'],
    ['%name\n%kvit', '{{ contact.name }}\n{{ objects | links }}'],
    // A literal brace before an alias would make `{{{`; it is printed by Liquid instead.
    ['{#IM#}', '{{ "{" }}{{ contact.first_name }}}'],
  ];
  for (const [input, expected] of cases) assert.equal(translateAliases(input), expected, input);
});

test('ordinary text with % and # stays exactly as it is', () => {
  for (const text of [
    'скидка 10%',
    'скидка 10% на всё, #1 в рейтинге',
    'Заказ #123 готов',
    '#hashtag #СНТ',
    '100%-ная гарантия',
    '%names, %totally, %debts, %kvitok, %name_x, %name2, %Name, %NAME',
    '#fam# #Im# #DATE# #SUM# #IM #OT',
    '50 % 3',
    '#',
    '%',
    '',
    'Уважаемый {{ contact.name }}!',
  ]) {
    assert.equal(translateAliases(text), text);
    assert.deepEqual(aliasesIn(text), []);
  }
});

test('links and e-mail addresses keep their % and # untouched', () => {
  const cases: [string, string][] = [
    ['https://example.ru/pay?sum=%total', 'https://example.ru/pay?sum=%total'],
    ['см. https://example.ru/a#IM# и %name', 'см. https://example.ru/a#IM# и {{ contact.name }}'],
    ['http://x.ru/%D0%BF%debt', 'http://x.ru/%D0%BF%debt'],
    ['www.snt.ru/#NOM_D#, #NOM_D#', 'www.snt.ru/#NOM_D#, {{ loan.number }}'],
    ['пишите: user%name@example.com', 'пишите: user%name@example.com'],
    ['a#IM#b@snt.ru #IM#', 'a#IM#b@snt.ru {{ contact.first_name }}'],
    ['mailto:%name@x.ru', 'mailto:%name@x.ru'],
    ['ftp://files.ru/#OT#', 'ftp://files.ru/#OT#'],
  ];
  for (const [input, expected] of cases) assert.equal(translateAliases(input), expected, input);
  assert.deepEqual(aliasesIn('см. https://example.ru/a#IM# и %name, a#IM#b@snt.ru #OT#'), ['%name', '#OT#']);
});

test('Liquid markup, raw and comment blocks are not touched', () => {
  const cases: [string, string][] = [
    ['{{ "%name" }} %name', '{{ "%name" }} {{ contact.name }}'],
    ['{% raw %}%name #IM#{% endraw %} %name', '{% raw %}%name #IM#{% endraw %} {{ contact.name }}'],
    [
      '{% comment %}%debt{% comment %}#IM#{% endcomment %}%debt{% endcomment %}%debt',
      '{% comment %}%debt{% comment %}#IM#{% endcomment %}%debt{% endcomment %}{{ debt }}',
    ],
    ['{% if debt != "0.00" %}долг %debt{% endif %}', '{% if debt != "0.00" %}долг {{ debt }}{% endif %}'],
    ['{%- # %name -%} #IM#', '{%- # %name -%} {{ contact.first_name }}'],
    // Broken markup: the text before it is translated, from the unclosed tag on nothing is.
    ['%name {% if %name', '{{ contact.name }} {% if %name'],
    ['%name {{ total', '{{ contact.name }} {{ total'],
  ];
  for (const [input, expected] of cases) assert.equal(translateAliases(input), expected, input);
});

const piece = fc.constantFrom(
  ...Object.keys(ALIASES),
  '%',
  '#',
  '%na',
  'me',
  '#IM',
  'OT#',
  '{',
  '}',
  '{{',
  '}}',
  '{%',
  '%}',
  ' raw ',
  ' endraw ',
  ' comment ',
  ' endcomment ',
  '"',
  "'",
  'https://',
  'www.',
  'x.ru/',
  '@',
  'mail',
  '.ru',
  'mailto:',
  ' ',
  '\n',
  'скидка 10',
  'a',
  '1',
  '_',
  'Я',
  '😀',
);
const text = fc.oneof(
  fc.array(piece, { maxLength: 40 }).map((p) => p.join('')),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
);

test('property: the translator never throws and translating twice is translating once', () => {
  fc.assert(
    fc.property(text, (source) => {
      const once = translateAliases(source);
      assert.equal(typeof once, 'string');
      assert.equal(translateAliases(once), once);
    }),
    { numRuns: 3000 },
  );
});

test('property: text without an alias is unchanged, whatever % and # it has', () => {
  const plain = fc
    .array(
      fc.constantFrom('%', '#', '10', 'а', 'b', ' ', '!', 'https://x.ru/', '@', 'FAM', 'name', '{', '}'),
      {
        maxLength: 40,
      },
    )
    .map((p) => p.join(''))
    .filter(
      (s) =>
        !/%(?:name|kvit|total|debt)(?![\p{L}\p{N}_])|#(?:FAM|IM|OT|DATE_P|SUM_P|SUM_Z|DATE_D|NOM_D)#/u.test(
          s,
        ),
    );
  fc.assert(
    fc.property(
      fc.oneof(
        plain,
        fc.string({ maxLength: 80 }).filter((s) => !/[%#]/.test(s)),
      ),
      (source) => {
        assert.equal(translateAliases(source), source);
      },
    ),
    { numRuns: 2000 },
  );
});

test('property: a template that compiled still compiles after translation', () => {
  fc.assert(
    fc.property(text, (source) => {
      if (!compileTemplate(source).ok) return;
      const translated = translateAliases(source);
      const c = compileTemplate(translated);
      assert.ok(
        c.ok,
        `${JSON.stringify(source)} → ${JSON.stringify(translated)}: ${c.ok ? '' : c.problem.message}`,
      );
    }),
    { numRuns: 3000 },
  );
});

test('property: a % or # inside a URL or an e-mail address is never changed', () => {
  const alias = fc.constantFrom(...Object.keys(ALIASES));
  const url = fc
    .tuple(fc.constantFrom('https://', 'http://', 'www.'), fc.webSegment(), alias, fc.webSegment())
    .map(([scheme, a, x, b]) => `${scheme}snt.ru/${a}${x}${b}`);
  const email = fc
    .tuple(fc.constantFrom('info', 'a.b', 'x'), alias)
    .map(([local, x]) => `${local}${x}@snt.ru`);
  fc.assert(
    fc.property(fc.oneof(url, email), fc.constantFrom(' ', '\n', ' (', ', '), (address, gap) => {
      const source = `%name${gap}${address}${gap.trim() === '(' ? ')' : ''} #IM#`;
      const out = translateAliases(source);
      assert.ok(out.includes(address), `${source} → ${out}`);
      assert.ok(out.startsWith('{{ contact.name }}'));
      assert.ok(out.endsWith('{{ contact.first_name }}'));
    }),
    { numRuns: 1000 },
  );
});

/**
 * The moderation check (issue 18): one check of a message against a dictionary of 1,000 entries —
 * the shipped default and an instance's additions — compiled once. Target: under 1 ms a check.
 * Figures:
 *
 * - `moderation.check`: a typical SMS (seed 000's reminder, ~190 characters, one stop-word) and a
 *   sender name, median of 20 rounds of 2,000 checks, in milliseconds per check;
 * - `moderation.check_messenger`: a 700-character messenger text with disguised stop-words;
 * - `moderation.check_100kb`: a 100 KB text (the bad-input limit the issue names), per check;
 * - `moderation.compile`: compiling the 1,000-entry dictionary, once per change of it.
 */
import { checkContent } from '../src/core/moderation/check.ts';
import { DEFAULT_DICTIONARY } from '../src/core/moderation/dictionary.ts';
import { combineDictionary, compileModeration, type Moderation } from '../src/core/moderation/edit.ts';
import { printFigures, report } from './_common.ts';

const SMS =
  'Уважаемый Иван Петрович. Направляем Вам квитанцию для оплаты начислений https://kv.example/r/3f9a. Общая сумма начислений 4 512,50 руб., просроченная задолженность: 1 200 руб. Кредит не нужен!';
const MESSENGER = (
  'Добрый день! Правление СНТ «Берёзка» напоминает: общее собрание членов товарищества состоится 18 мая в 12:00 у правления. ' +
  'Повестка: отчёт правления за год, утверждение приходно-расходной сметы, выборы председателя и ревизионной комиссии, вывоз мусора и ремонт дороги на 5-й линии. ' +
  'Просим погасить задолженность по членским взносам до собрания: реквизиты в квитанции и в личном кабинете. Только сегодня к.р.е.д.и.т в Сбер6анке и ставки на спорт — ' +
  'это не наше, это пример того, что модерация должна найти: Kрeдит, kazino, ми\u200bкрозайм. Берегите себя и соседей, закрывайте калитки и не жгите листву. ' +
  'Вода в летний водопровод будет подана 5 мая, электрик принимает заявки по четвергам. С уважением, правление.'
).slice(0, 700);

/** 1,000 entries: the default and made-up words of the instance, none a form of another. */
function dictionaryOf(size: number): Moderation {
  const consonants = 'бвгджзклмнпрстфхцчшщ';
  const extra = size - DEFAULT_DICTIONARY.length;
  const add = Array.from(
    { length: extra },
    (_, i) => `ст${[400, 20, 1].map((d) => consonants[Math.floor(i / d) % 20]).join('')}ок`,
  );
  return compileModeration(combineDictionary(DEFAULT_DICTIONARY, { add }));
}

function perCheck(
  moderation: Moderation,
  content: Parameters<typeof checkContent>[1],
  n: number,
  rounds: number,
): number {
  for (let i = 0; i < n; i++) checkContent(moderation, content); // warm-up
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    for (let i = 0; i < n; i++) checkContent(moderation, content);
    times.push((performance.now() - started) / n);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const started = performance.now();
const moderation = dictionaryOf(1_000);
const compileMs = performance.now() - started;
const entries = moderation.dictionary.entries.length;

const sms = perCheck(moderation, { texts: { sms: SMS }, sender: 'SNT-Berezka' }, 2_000, 20);
const smsMatches = checkContent(moderation, { texts: { sms: SMS } }).matches.length;
report(
  'moderation.check',
  sms,
  'ms',
  `${SMS.length}-character SMS + sender, ${entries} entries, ${smsMatches} match`,
);

const messenger = perCheck(moderation, { texts: { messenger: MESSENGER } }, 500, 20);
const messengerMatches = checkContent(moderation, { texts: { messenger: MESSENGER } }).matches.length;
report(
  'moderation.check_messenger',
  messenger,
  'ms',
  `${MESSENGER.length} characters, ${messengerMatches} matches`,
);

const big = MESSENGER.repeat(Math.ceil(100_000 / MESSENGER.length)).slice(0, 100_000);
report('moderation.check_100kb', perCheck(moderation, { text: big }, 3, 5), 'ms', '100,000 characters');
report('moderation.compile', compileMs, 'ms', `${entries} entries, once per dictionary change`);

printFigures();

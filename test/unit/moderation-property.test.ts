/**
 * Moderation against what people write: a stop-word disguised by any combination of the tricks is
 * still found (fast-check), and the everyday texts of the seeds' users — garden and housing
 * associations, a travel agency, a lender's non-loan notices — are not flagged.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import iuliia from 'iuliia';
import { checkContent } from '../../src/core/moderation/check.ts';
import { defaultModerationDictionary } from '../../src/core/moderation/edit.ts';

const moderation = defaultModerationDictionary();

/** Stop-words with forms a text would use: [entry, forms]. */
const STOP_WORDS: [string, string[]][] = [
  ['кредит', ['кредит', 'кредиты', 'кредитов', 'кредитом', 'кредитная']],
  ['казино', ['казино']],
  ['лотерея', ['лотерея', 'лотереи', 'лотерею']],
  ['мефедрон', ['мефедрон', 'мефедрона']],
  ['букмекер', ['букмекер', 'букмекеры', 'букмекерская']],
  ['водка', ['водка', 'водки', 'водку']],
  ['сигареты', ['сигареты', 'сигарет', 'сигарета']],
  ['джекпот', ['джекпот', 'джекпота']],
  ['рассрочка', ['рассрочка', 'рассрочку', 'рассрочки']],
  ['промокод', ['промокод', 'промокоду', 'промокоды']],
  ['распродажа', ['распродажа', 'распродажу']],
  ['микрозайм', ['микрозайм', 'микрозаймы']],
  ['ипотека', ['ипотека', 'ипотеку']],
  ['Сбербанк', ['Сбербанк', 'Сбербанка']],
  ['Газпромбанк', ['Газпромбанк', 'Газпромбанка']],
  ['Совкомбанк', ['Совкомбанк']],
  ['агитация', ['агитация', 'агитацию']],
  ['табак', ['табак', 'табака']],
  ['наркотики', ['наркотики', 'наркотиков']],
  ['шампанское', ['шампанское', 'шампанского']],
];

const LOWER_LATIN: Record<string, string> = {
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  х: 'x',
  у: 'y',
  к: 'k',
};
const UPPER_LATIN: Record<string, string> = {
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  У: 'Y',
};
const DIGITS: Record<string, string> = { о: '0', з: '3', б: '6', ч: '4', е: '3' };
/** The reverse trick: Cyrillic look-alikes in a transliterated word («kаzino»). */
const LATIN_TO_CYRILLIC: Record<string, string> = {
  a: 'а',
  e: 'е',
  o: 'о',
  p: 'р',
  c: 'с',
  x: 'х',
  y: 'у',
  k: 'к',
};
const INVISIBLE = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad'];
const SCHEMES = [
  'WIKIPEDIA',
  'MOSMETRO',
  'TELEGRAM',
  'ICAO_DOC_9303',
  'GOST_52535',
  'MVD_782',
  'YANDEX_MAPS',
] as const;

interface Disguise {
  word: number;
  form: number;
  /** Per letter: upper-case? */
  caps: boolean[];
  latin: boolean[];
  digits: boolean[];
  invisible: (number | null)[];
  spacing: '' | ' ' | '.' | '-' | ' . ' | '_';
  transliterate: (typeof SCHEMES)[number] | null;
}

const disguise = fc.record({
  word: fc.nat(STOP_WORDS.length - 1),
  form: fc.nat(4),
  caps: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
  latin: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
  digits: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
  invisible: fc.array(fc.option(fc.nat(INVISIBLE.length - 1)), { minLength: 16, maxLength: 16 }),
  spacing: fc.constantFrom(
    '' as const,
    ' ' as const,
    '.' as const,
    '-' as const,
    ' . ' as const,
    '_' as const,
  ),
  transliterate: fc.option(fc.constantFrom(...SCHEMES)),
});

function disguised(d: Disguise): { entry: string; text: string } {
  const [entry, forms] = STOP_WORDS[d.word]!;
  let word = forms[d.form % forms.length]!;
  if (d.transliterate) word = iuliia.translate(word, iuliia[d.transliterate]);
  let digitsUsed = 0;
  let lastDigit = -2;
  const letters = [...word].map((ch, i) => {
    let c = d.caps[i % 16] ? ch.toUpperCase() : ch.toLowerCase();
    const lower = c.toLowerCase();
    // Digits only alone (two side by side are a number) and at most three in a word.
    if (!d.transliterate && d.digits[i % 16] && DIGITS[lower] && i - lastDigit > 1 && digitsUsed < 3) {
      digitsUsed++;
      lastDigit = i;
      return DIGITS[lower]!;
    }
    if (d.latin[i % 16])
      c = d.transliterate
        ? c === lower
          ? (LATIN_TO_CYRILLIC[c] ?? c)
          : c
        : ((c === lower ? LOWER_LATIN[c] : UPPER_LATIN[c]) ?? c);
    return c;
  });
  const glue = letters.map((c, i) => {
    const hidden = d.invisible[i % 16];
    return i === 0
      ? c
      : `${d.spacing}${hidden === null || hidden === undefined ? '' : INVISIBLE[hidden]}${c}`;
  });
  return { entry, text: glue.join('') };
}

describe('a disguised stop-word is still found', () => {
  it('any combination of case, look-alikes, digits, invisible characters, spacing and transliteration', () => {
    fc.assert(
      fc.property(disguise, fc.constantFrom('Уважаемые клиенты! ', 'Только у нас: ', ''), (d, before) => {
        const { entry, text } = disguised(d);
        const full = `${before}${text} — уже сегодня.`;
        const found = checkContent(moderation, { text: full }).matches.map((m) => m.word);
        assert.ok(
          found.includes(entry),
          `${JSON.stringify(full)} should find «${entry}», found ${JSON.stringify(found)}`,
        );
      }),
      { numRuns: 1500, seed: 18 },
    );
  });
  it('in a sender name, transliterated and glued to another word', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STOP_WORDS.filter(([, forms]) => forms[0]!.length <= 9)),
        fc.constantFrom(...SCHEMES),
        fc.constantFrom('', 'Moi', 'Info'),
        fc.constantFrom('', 'Plus', '24'),
        fc.boolean(),
        ([entry, forms], scheme, before, after, caps) => {
          let name = `${before}${iuliia.translate(forms[0]!, iuliia[scheme])}${after}`;
          if (caps) name = name.toUpperCase();
          const found = checkContent(moderation, { sender: name }).matches.map((m) => m.word);
          assert.ok(found.includes(entry), `${name} should find «${entry}», found ${JSON.stringify(found)}`);
        },
      ),
      { numRuns: 400, seed: 18 },
    );
  });
});

/** What the seeds' users send every day. None of it may wait for a moderator in automatic mode. */
const INNOCENT = [
  // A garden association (seed 000).
  'Уважаемые садоводы! Общее собрание членов СНТ «Берёзка» состоится 18 мая в 12:00 у правления.',
  'Повестка собрания: отчёт правления, утверждение сметы на 2026 год, выборы председателя и ревизора.',
  'Заочное голосование по вопросам повестки продлится до 15 июня. Бюллетени — в правлении.',
  'Проголосуйте бюллетенем до 15 июня: подсчёт голосов 16 июня.',
  'Уважаемый Иван Петрович. Направляем Вам квитанцию для оплаты начислений https://kv.example/r/abc. Общая сумма начислений 4 500 руб.',
  'Просроченная задолженность, по которой начисляются пени: 1 200 руб. Просим погасить до конца месяца.',
  'Напоминаем о членских взносах за 2026 год: 6 000 руб. Ставка взноса утверждена собранием.',
  'В субботу субботник: уборка территории у пруда. Займите, пожалуйста, место у ворот к 10:00.',
  'С 1 мая открытие дачного сезона: вода в летний водопровод будет подана 5 мая.',
  'Завтра с 9 до 17 отключение электричества на линиях 3 и 4: ремонт трансформаторной подстанции.',
  'Просим не жечь листву и мусор: штраф по решению администрации. Вывоз мусора по средам.',
  'Дорогу у 5-й линии отсыплют щебнем в четверг. Просим убрать машины с проезда.',
  'Зимой дорожки будут посыпать песком и солью, просим не загораживать проход.',
  'Показания счётчиков электроэнергии передайте до 25 числа в личном кабинете.',
  'Охрана сообщает: ворота закрываются в 23:00. Пропуск для гостей — у сторожа.',
  'Сторож принимает заявки на вывоз веток до пятницы. Контейнер у правления.',
  'Праздник урожая 30 августа: конкурс на лучшую тыкву, чай и пироги у правления.',
  'Протокол общего собрания размещён на сайте СНТ и на доске объявлений.',
  'По вине подрядчика ремонт дороги переносится на следующую неделю. Приносим извинения.',
  'Водоканал сообщает о плановой промывке сетей 12 апреля, возможна мутная вода.',
  'Казначей товарищества принимает отчёты о расходах по четвергам.',
  // A housing association and a managing company (seed 003).
  'ТСЖ «Солнечный»: платёжный документ (ЕПД) за апрель сформирован и доступен в личном кабинете.',
  'Уважаемый собственник кв. 45! Задолженность за жилищно-коммунальные услуги: 3 210,50 руб.',
  'Плановое отключение горячей воды с 10 по 24 июня. Приносим извинения за неудобства.',
  'Поверка счётчиков воды: запишитесь у диспетчера по телефону 8 (495) 123-45-67.',
  'Общее собрание собственников помещений в форме очно-заочного голосования с 1 по 20 марта.',
  'Уборка подъезда перенесена на четверг. Просим не оставлять вещи на лестничных площадках.',
  'Лифт во 2-м подъезде не работает до 18:00, ведётся ремонт.',
  'Квитанции за март отправлены на электронную почту. Оплатить можно по QR-коду на квитанции.',
  'Показания ИПУ принимаются с 20 по 25 число каждого месяца.',
  'Свободные слоты для записи на поверку счётчиков — на сайте, запись до пятницы.',
  // A travel agency (seed 001).
  'Добрый день, Анна! Ваши документы готовы: ваучер, страховка и билеты. Заберите их в офисе до пятницы.',
  'Напоминаем: вылет 12 июля в 06:40 из Шереметьево, терминал B. Регистрация закрывается за 40 минут.',
  'Виза в Италию готова, паспорт можно забрать в офисе на Садовой с 10 до 19.',
  'Трансфер из аэропорта в отель заказан: водитель будет ждать с табличкой с вашей фамилией.',
  'Напоминаем о доплате за тур до 1 июня: 25 000 руб. Реквизиты в договоре.',
  'Спасибо, что выбрали наше агентство! Поделитесь впечатлениями о поездке.',
  'Рейс задерживается на 2 часа, новое время вылета — 08:40. Приносим извинения.',
  // A lender's notices that are not about a loan (seed 004).
  'Ваш платёж 5 000 руб. получен 12.05.2026. Спасибо!',
  'Офис на улице Ленина 10 работает в субботу с 10 до 15.',
  'Ваш пароль для входа в личный кабинет: 4821. Никому его не сообщайте.',
  'Код подтверждения: 739102',
  // Birthdays and holidays.
  'Дорогая Мария Ивановна! Поздравляем с днём рождения! Здоровья, тепла и добрых соседей!',
  'С Днём Победы! Правление СНТ поздравляет ветеранов и всех садоводов.',
  'С Новым годом! Пусть 2027 год будет урожайным и спокойным.',
  'Поздравляем с юбилеем! Желаем здоровья и радости, а в подарок — букет от правления.',
  'С 8 Марта, дорогие женщины! Цветы и тёплые слова от правления.',
  // Plain notices.
  'Собрание в субботу в 12:00',
  'Выбор подрядчика на ремонт крыши — на собрании 20 апреля.',
  'Стоп-лист на вывоз мусора: не выбрасывайте строительные отходы в контейнеры.',
  'Стоимость вывоза 1 куба веток — 800 руб., заявки до 10 числа.',
];

const INNOCENT_SENDERS = [
  'SNT-Berezka',
  'TSZh-Solnce',
  'UK-Dom',
  'TravelClub',
  'Vodokanal',
  'KPK-Info',
  'Pravlenie',
  'Vestnik',
];

describe('the everyday texts of the seeds users are not flagged', () => {
  it(`has ${INNOCENT.length} texts`, () => assert.ok(INNOCENT.length >= 50));
  for (const text of INNOCENT) {
    it(text.slice(0, 60), () => {
      const result = checkContent(moderation, { text });
      assert.deepEqual(result.matches, [], `flagged: ${JSON.stringify(result.matches)}`);
    });
  }
  it('nor their sender names', () => {
    for (const sender of INNOCENT_SENDERS)
      assert.deepEqual(checkContent(moderation, { sender }).matches, [], sender);
  });
});

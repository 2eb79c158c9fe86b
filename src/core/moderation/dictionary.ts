/**
 * The default stop-word dictionary (MD-2): what an operator's rules and 38-FZ make an SMS service
 * look at before it goes out. An entry is a word or a phrase as a person writes it; it matches every
 * word form the Russian stemmer gives the same stem (src/core/moderation/match.ts). Where the
 * stemmer would join it with an innocent word, the entry lists its `forms` instead and matches only
 * those: «займ» shares its stem with «займите» (занять), «вино» with «вина» (guilt), «голосуйте» with
 * «голосов» (the votes of a general meeting). `also` adds forms the stemmer does not bring to the
 * same stem («скидок» is not «скидк»).
 *
 * Left out on purpose (each is the daily word of a garden or housing association): «соль» (for the
 * paths in winter), «выборы» and «голосование» alone (the board is elected at a general meeting),
 * «Открытие» alone (the season opens), «банк» alone (payment details name the bank), «ставка» alone
 * (the rate of a fee), «слоты» alone (free slots for sending or booking), «подарок», «бесплатно».
 */

export const GROUPS = [
  'advertising',
  'finance',
  'banks',
  'gambling',
  'narcotics',
  'tobacco',
  'alcohol',
  'politics',
  'custom',
] as const;
export type Group = (typeof GROUPS)[number];

/** The groups' names in the Russian interface and command line. */
export const GROUP_NAMES_RU: Record<Group, string> = {
  advertising: 'реклама',
  finance: 'финансовые услуги',
  banks: 'банки',
  gambling: 'азартные игры и лотереи',
  narcotics: 'наркотики',
  tobacco: 'табак и вейпы',
  alcohol: 'алкоголь',
  politics: 'политическая агитация',
  custom: 'добавлено',
};

export interface DictionaryEntry {
  /** As a person writes it; what a match reports. */
  word: string;
  group: Group;
  /** Only these forms match (exactly, after normalising): for words the stemmer confuses. */
  forms?: readonly string[];
  /** More forms, matched by their stems like the word. */
  also?: readonly string[];
}

type Spec = string | { word: string; forms?: readonly string[]; also?: readonly string[] };

const SPEC: Record<Exclude<Group, 'custom'>, readonly Spec[]> = {
  advertising: [
    'акция',
    { word: 'скидка', also: ['скидок', 'скидочный'] },
    'распродажа',
    'промокод',
    'спецпредложение',
    'специальное предложение',
    'выгодное предложение',
    'кэшбэк',
    'кешбэк',
    'купон',
    'розыгрыш',
    'только сегодня',
    'успейте купить',
    'чёрная пятница',
    'ликвидация склада',
    'sale',
  ],
  finance: [
    'кредит',
    'кредитование',
    'микрокредит',
    {
      word: 'займ',
      forms: ['займ', 'займа', 'займу', 'займом', 'займе', 'займы', 'займов', 'займам', 'займами', 'займах'],
    },
    { word: 'заём', forms: ['заём', 'заем'] },
    'микрозайм',
    'МФО',
    'рассрочка',
    'ипотека',
    'деньги в долг',
    'деньги до зарплаты',
    'без отказа',
    'кредитная история',
    'пассивный доход',
    'инвестиции',
    'форекс',
    'криптовалюта',
    'биткоин',
    'финансовая пирамида',
  ],
  banks: [
    'Сбербанк',
    'Сбер',
    'ВТБ',
    'Т-Банк',
    'Тинькофф',
    'Альфа-Банк',
    'Газпромбанк',
    'Россельхозбанк',
    'Райффайзенбанк',
    'Райффайзен',
    'Совкомбанк',
    'Банк Открытие',
    'Почта Банк',
    { word: 'МКБ', forms: ['мкб'] },
    'Московский кредитный банк',
    'Росбанк',
    'Уралсиб',
    { word: 'ПСБ', forms: ['псб'] },
    'Промсвязьбанк',
    'Банк ДОМ.РФ',
    'Ак Барс Банк',
    'Банк Санкт-Петербург',
    'МТС Банк',
    'ОТП Банк',
    'Хоум Кредит',
    'Ренессанс Кредит',
    'Русский Стандарт',
    'Юникредит',
    'Озон Банк',
    'Яндекс Банк',
  ],
  gambling: [
    { word: 'казино', also: ['casino'] },
    'ставки на спорт',
    'сделай ставку',
    'сделайте ставку',
    'делайте ставки',
    'букмекер',
    'букмекерская контора',
    'тотализатор',
    'лотерея',
    'лотерейный билет',
    'джекпот',
    'покер',
    'рулетка',
    'игровые автоматы',
    'игровые слоты',
    'слоты онлайн',
    'фриспины',
  ],
  narcotics: [
    {
      word: 'закладки',
      forms: ['закладки', 'закладок', 'закладками', 'закладчик', 'закладчики', 'закладчиков'],
    },
    'мефедрон',
    { word: 'меф', forms: ['меф'] },
    'спайс',
    'гашиш',
    'марихуана',
    'героин',
    'кокаин',
    'амфетамин',
    'экстази',
    'наркотики',
    'насвай',
  ],
  tobacco: [
    'табак',
    { word: 'сигареты', also: ['сигарета'] },
    'электронная сигарета',
    'вейп',
    'кальян',
    'никотин',
    'снюс',
    'айкос',
    'IQOS',
  ],
  alcohol: [
    'алкоголь',
    'водка',
    'коньяк',
    'виски',
    'пиво',
    { word: 'вино', forms: ['вино', 'вином', 'винам', 'винами', 'винах', 'вин'] },
    'шампанское',
    'ликёр',
    'текила',
    'самогон',
    { word: 'ром', forms: ['ром', 'ромом'] },
  ],
  politics: [
    {
      word: 'голосуйте за',
      forms: ['голосуйте за', 'голосуй за', 'проголосуйте за', 'проголосуй за', 'голосуем за'],
    },
    'отдай свой голос',
    'отдайте свой голос',
    'агитация',
    'агитационный',
    'предвыборный',
    'выборы депутатов',
    'выборы президента',
    'выборы губернатора',
    'выборы мэра',
    'выборы в госдуму',
    'кандидат в депутаты',
    'единый день голосования',
    'референдум',
    'митинг',
    'политическая партия',
  ],
};

/** The shipped dictionary, in the order of its groups. */
export const DEFAULT_DICTIONARY: readonly DictionaryEntry[] = Object.entries(SPEC).flatMap(([group, specs]) =>
  specs.map((spec) =>
    typeof spec === 'string' ? { word: spec, group: group as Group } : { ...spec, group: group as Group },
  ),
);

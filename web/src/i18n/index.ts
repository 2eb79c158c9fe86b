/**
 * Russian first, English on request. Strings live in one dictionary per area, merged here; a key is
 * looked up in the chosen language and `{name}` placeholders are filled from `vars`. Numbers, money
 * (integer kopecks → roubles) and dates are formatted by the browser's Intl for the chosen language.
 */
import { createContext, useContext } from 'react';
import * as campaigns from './campaigns.ts';
import * as common from './common.ts';
import * as contacts from './contacts.ts';
import * as money from './money.ts';
import * as replies from './replies.ts';
import * as settings from './settings.ts';
import * as wizard from './wizard.ts';

const ru = {
  ...common.ru,
  ...wizard.ru,
  ...campaigns.ru,
  ...contacts.ru,
  ...money.ru,
  ...settings.ru,
  ...replies.ru,
};
const en: typeof ru = {
  ...common.en,
  ...wizard.en,
  ...campaigns.en,
  ...contacts.en,
  ...money.en,
  ...settings.en,
  ...replies.en,
};
export const dictionaries = { ru, en };

export type Lang = keyof typeof dictionaries;
export type Key = keyof typeof ru;
export type Vars = Record<string, string | number>;

export function translate(lang: Lang, key: Key, vars?: Vars): string {
  const text: string = dictionaries[lang][key] ?? key;
  return vars
    ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m))
    : text;
}

const locale = (lang: Lang) => (lang === 'ru' ? 'ru-RU' : 'en-GB');

export interface Formatters {
  lang: Lang;
  t: (key: Key, vars?: Vars) => string;
  /** Integer kopecks as roubles with kopecks: «1 234,50 ₽». */
  money: (kopecks: number) => string;
  number: (n: number) => string;
  dateTime: (iso: string | null | undefined) => string;
  date: (iso: string | null | undefined) => string;
}

export function formatters(lang: Lang): Formatters {
  const moneyFmt = new Intl.NumberFormat(locale(lang), {
    style: 'currency',
    currency: 'RUB',
    currencyDisplay: 'narrowSymbol',
  });
  const numberFmt = new Intl.NumberFormat(locale(lang));
  const dtFmt = new Intl.DateTimeFormat(locale(lang), { dateStyle: 'short', timeStyle: 'short' });
  const dFmt = new Intl.DateTimeFormat(locale(lang), { dateStyle: 'medium' });
  const when = (f: Intl.DateTimeFormat) => (iso: string | null | undefined) =>
    iso ? f.format(new Date(iso)) : '—';
  return {
    lang,
    t: (key, vars) => translate(lang, key, vars),
    money: (kopecks) => moneyFmt.format(kopecks / 100),
    number: (n) => numberFmt.format(n),
    dateTime: when(dtFmt),
    date: when(dFmt),
  };
}

export const I18nContext = createContext<Formatters & { setLang: (lang: Lang) => void }>({
  ...formatters('ru'),
  setLang: () => {},
});

/** `const { t, money } = useI18n();` in any component. */
export const useI18n = () => useContext(I18nContext);

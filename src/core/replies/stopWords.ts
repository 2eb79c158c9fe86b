/**
 * Stop requests in replies (AC-4): a reply is a stop request when the whole of it, trimmed of
 * punctuation and spaces, is one of the organisation's stop words — compared case-insensitively and
 * after folding look-alike letters (core/text/lookalike.ts), so «CTOП» typed with Latin C, T and O
 * is «стоп», and «ST0P» is «stop». Only the whole reply counts: «стоп» inside «не стоп-кран, а
 * стоп-сигнал» is a sentence, not a request, and a person who wants out writes the word alone.
 */
import { foldLookalikes } from '../text/lookalike.ts';

/** The words every organisation starts with (editable: PUT /api/v1/org/replies). */
export const DEFAULT_STOP_WORDS: readonly string[] = [
  'СТОП',
  'STOP',
  'ОТПИСАТЬСЯ',
  'ОТПИСКА',
  'ОТПИСАТЬ',
  'ОТПИШИТЕ',
  'ОТПИШИСЬ',
  'UNSUBSCRIBE',
  'STOPALL',
  'СТОП ВСЕ',
];

export const DEFAULT_CONFIRMATION_TEXT =
  'Вы отписаны от рассылок. Чтобы снова получать сообщения, свяжитесь с нами.';

/** The most words a list holds, and the longest word: a list is for words, not for texts. */
export const MAX_STOP_WORDS = 200;
export const MAX_STOP_WORD_LENGTH = 60;

/**
 * The comparable form of a reply or a stop word: look-alikes folded, lower case, «ё» as «е», every
 * run of punctuation, symbols and spaces one space, none at either end.
 */
export function stopForm(text: string): string {
  return foldLookalikes(text)
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Is the reply one of `words` (in any form a person types it)? */
export function isStopReply(text: string, words: readonly string[]): boolean {
  const reply = stopForm(text);
  if (reply === '') return false;
  return words.some((w) => stopForm(w) === reply);
}

/** A list as given → the list kept, or the problem with the first bad word. */
export function checkStopWords(
  words: readonly string[],
): { ok: true; words: string[] } | { ok: false; index: number; value: string; message: string } {
  if (words.length > MAX_STOP_WORDS)
    return {
      ok: false,
      index: MAX_STOP_WORDS,
      value: words[MAX_STOP_WORDS]!,
      message: `at most ${MAX_STOP_WORDS} words`,
    };
  const kept: string[] = [];
  const seen = new Set<string>();
  for (const [index, raw] of words.entries()) {
    const word = raw.trim();
    if (stopForm(word) === '')
      return { ok: false, index, value: raw, message: 'has no letters or digits: it would match nothing' };
    if (word.length > MAX_STOP_WORD_LENGTH)
      return { ok: false, index, value: raw, message: `is longer than ${MAX_STOP_WORD_LENGTH} characters` };
    const form = stopForm(word);
    if (seen.has(form)) continue;
    seen.add(form);
    kept.push(word);
  }
  return { ok: true, words: kept };
}

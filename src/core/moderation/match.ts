/**
 * A dictionary compiled once into maps from a word's keys to the entries that start with it, so one
 * check costs a few map look-ups per word of the text, whatever the dictionary's size.
 *
 * A word of an entry matches a word of a text (both normalised by tokens.ts) when:
 * - Cyrillic: the forms are equal; or their stems are (a stem shorter than three letters is too
 *   vague and is not used); or the text's stem is the entry's word («кредиты» → «кредит», while the
 *   stemmer cuts «кредит» itself to «кред»); or, for an entry word of five letters or more, the text's
 *   stem begins with it (derived words: «кредитная» → «кредитн», «букмекерской» → «букмекерск»);
 *   or stems of four letters or more differ by one last letter («лотере», «лотер»);
 * - Latin: the skeletons are equal, or the text's skeleton begins with the entry's (or its stem's)
 *   skeleton of four letters or more («kredity», «SberBank»);
 * - an entry with `forms` matches those forms only, exactly.
 * A phrase matches consecutive words. An entry written with hyphens or spaces also matches written
 * together («Альфабанк», «tbank»). Whole words only: «Водоканал» is not «водка», «казначей» not
 * «казино». In a sender name (words glued together: «MoiKredit», «KAZINOVULKAN») an entry word of
 * four letters or more is also found inside a word.
 */
import type { DictionaryEntry } from './dictionary.ts';
import { cyrillicSkeleton, entryWords, type Token, tokenize } from './tokens.ts';

interface WordMatcher {
  exact: boolean;
  latin: boolean;
  /** Cyrillic: the folded word and its stem; Latin entries: their skeleton. */
  word: string;
  stem: string;
  skel: string;
  skelStem: string;
}

interface Variant {
  entry: number;
  words: WordMatcher[];
}

export interface CompiledDictionary {
  entries: readonly DictionaryEntry[];
  variants: Variant[];
  /** Key («c:» Cyrillic word or stem, «l:» Latin skeleton) → variants whose first word has it. */
  index: Map<string, number[]>;
}

const MIN_STEM = 3;
const MIN_DERIVED = 5;
const MIN_NEAR_STEM = 4;
const MIN_LATIN_PREFIX = 4;
const MIN_INSIDE = 4;
const MAX_WORD_KEYS = 40;

function matcher(token: Token, exact: boolean): WordMatcher {
  if (token.skeletons.length)
    return { exact, latin: true, word: '', stem: '', skel: token.skeletons[0]!, skelStem: '' };
  const word = token.forms[0]!;
  const stem = token.stems[0]!;
  const skelStem = !exact && stem.length >= MIN_STEM ? cyrillicSkeleton(stem) : '';
  return { exact, latin: false, word, stem, skel: cyrillicSkeleton(word), skelStem };
}

function keysOf(m: WordMatcher): string[] {
  const keys = [`l:${m.skel}`];
  if (m.skelStem.length >= MIN_LATIN_PREFIX) keys.push(`l:${m.skelStem}`);
  if (!m.latin) {
    keys.push(`c:${m.word}`);
    if (!m.exact && m.stem.length >= MIN_STEM) keys.push(`c:${m.stem}`);
    if (!m.exact && m.stem.length > MIN_NEAR_STEM) keys.push(`c:${m.stem.slice(0, -1)}`);
  }
  return keys;
}

/** The ways an entry can be written: its word, its extra forms, its words written together. */
function variantsOf(entry: DictionaryEntry): { text: string; exact: boolean }[] {
  if (entry.forms?.length) return entry.forms.map((text) => ({ text, exact: true }));
  const texts = [entry.word, ...(entry.also ?? [])];
  const out = texts.map((text) => ({ text, exact: false }));
  for (const text of texts) {
    const joined = text.replace(/[\s\-.‐-―]+/gu, '');
    if (joined !== text) out.push({ text: joined, exact: false });
  }
  return out;
}

export function compileDictionary(entries: readonly DictionaryEntry[]): CompiledDictionary {
  const variants: Variant[] = [];
  const index = new Map<string, number[]>();
  entries.forEach((entry, e) => {
    for (const { text, exact } of variantsOf(entry)) {
      const words = entryWords(text).map((t) => matcher(t, exact));
      if (!words.length) continue;
      const id = variants.push({ entry: e, words }) - 1;
      for (const key of new Set(keysOf(words[0]!))) {
        const list = index.get(key);
        if (list) list.push(id);
        else index.set(key, [id]);
      }
    }
  });
  return { entries, variants, index };
}

/**
 * The stemmer cuts some words one letter differently by form («лотерея» → «лотере», «лотереи» →
 * «лотер»): stems of four letters or more that differ by one last letter are the same word.
 */
function nearStems(a: string, b: string): boolean {
  if (a.length === b.length + 1) [a, b] = [b, a];
  return a.length >= MIN_NEAR_STEM && b.length === a.length + 1 && b.startsWith(a);
}

function wordMatches(m: WordMatcher, t: Token): boolean {
  for (const s of t.skeletons) {
    if (s === m.skel) return true;
    if (m.exact) continue;
    if (m.skel.length >= MIN_LATIN_PREFIX && s.startsWith(m.skel)) return true;
    if (m.skelStem.length >= MIN_LATIN_PREFIX && s.startsWith(m.skelStem)) return true;
  }
  if (m.latin) return false;
  for (let i = 0; i < t.forms.length; i++) {
    const form = t.forms[i]!;
    if (form === m.word) return true;
    if (m.exact) continue;
    const s = t.stems[i]!;
    if ((m.stem.length >= MIN_STEM && s === m.stem) || s === m.word) return true;
    if (nearStems(s, m.stem)) return true;
    if (m.word.length >= MIN_DERIVED && s.startsWith(m.word)) return true;
  }
  return false;
}

/** Map keys a text word may find its entries under (prefixes for derived words and Latin endings). */
function lookupKeys(t: Token): string[] {
  const keys: string[] = [];
  for (const s of t.skeletons)
    for (let k = 1; k <= Math.min(s.length, MAX_WORD_KEYS); k++) keys.push(`l:${s.slice(0, k)}`);
  for (let i = 0; i < t.forms.length; i++) {
    const s = t.stems[i]!;
    keys.push(`c:${t.forms[i]}`, `c:${s}`);
    if (s.length > MIN_NEAR_STEM) keys.push(`c:${s.slice(0, -1)}`);
    for (let k = MIN_DERIVED; k < Math.min(s.length, MAX_WORD_KEYS); k++) keys.push(`c:${s.slice(0, k)}`);
  }
  return keys;
}

export interface Span {
  entry: number;
  start: number;
  end: number;
}

function candidates(d: CompiledDictionary, keys: string[]): Set<number> {
  const found = new Set<number>();
  for (const key of keys) for (const v of d.index.get(key) ?? []) found.add(v);
  return found;
}

/** Entries found inside a glued word (sender names): equal to a piece of four letters or more. */
function inside(d: CompiledDictionary, t: Token): Set<number> {
  const found = new Set<number>();
  const readings: [string, string | undefined][] = [
    ['l:', t.skeletons[0]],
    ['c:', t.forms[0]],
  ];
  for (const [prefix, s] of readings) {
    if (!s || s.length > MAX_WORD_KEYS) continue;
    for (let from = 1; from + MIN_INSIDE <= s.length; from++)
      for (let to = from + MIN_INSIDE; to <= s.length; to++)
        for (const v of d.index.get(prefix + s.slice(from, to)) ?? []) {
          const variant = d.variants[v]!;
          const m = variant.words[0]!;
          const piece = prefix === 'l:' ? m.skel : m.word;
          if (variant.words.length === 1 && !m.exact && piece === s.slice(from, to)) found.add(v);
        }
  }
  return found;
}

/**
 * Where the dictionary's entries occur in a text: one span per entry and starting word, the longest.
 * `glued` also looks inside words (for sender names).
 */
export function findSpans(d: CompiledDictionary, text: string, glued = false): Span[] {
  return findSpansInTokens(d, tokenize(text), glued);
}

/** The same for a text already tokenized (a check looks for the dictionary and the allow-list). */
export function findSpansInTokens(d: CompiledDictionary, tokens: readonly Token[], glued = false): Span[] {
  if (!d.variants.length) return [];
  const best = new Map<string, Span>();
  tokens.forEach((t, i) => {
    const found = candidates(d, lookupKeys(t));
    const without = t.withoutFirst;
    if (without) for (const v of candidates(d, lookupKeys(without))) found.add(v);
    const within = glued ? inside(d, t) : new Set<number>();
    for (const v of [...found, ...within]) {
      const variant = d.variants[v]!;
      const n = variant.words.length;
      if (i + n > tokens.length) continue;
      const [first, ...rest] = variant.words;
      let start = t.start;
      if (!within.has(v)) {
        if (!rest.every((m, k) => wordMatches(m, tokens[i + 1 + k]!))) continue;
        if (!wordMatches(first!, t)) {
          if (!without || !wordMatches(first!, without)) continue;
          start = without.start;
        }
      }
      const span = { entry: variant.entry, start, end: tokens[i + n - 1]!.end };
      const key = `${variant.entry}:${t.start}`;
      const seen = best.get(key);
      if (!seen || seen.end - seen.start < span.end - span.start) best.set(key, span);
    }
  });
  return [...best.values()].sort((a, b) => a.start - b.start || a.entry - b.entry);
}

/**
 * A text as moderation reads it: words, each with the span of the original it came from, after
 * undoing what spammers use to hide a word (MD-2):
 * - zero-width characters, soft hyphens, accents, fullwidth letters (cleanGlyphs);
 * - letters spaced out with spaces, dots, hyphens or the like: «к р е д и т», «к.р.е.д.и.т» — three
 *   or more one-letter words in a row, each gap at most three characters on one line, are one word;
 * - Latin look-alikes in a Cyrillic word and the reverse, digits for letters (foldWordChars): a «3»
 *   is read both as «з» and as «е», a «4» as «ч» and as «а»;
 * - Latin transliteration: a word with no Cyrillic letter is compared by its skeleton, a spelling
 *   both transliterations of a Russian word share («zaim», «zaym», «zajm» → «zaim»).
 * A Cyrillic word is compared by its forms and their stems (snowball's Russian stemmer).
 */
import iuliia from 'iuliia';
import stemmers from 'snowball-stemmers';
import { cleanGlyphs, foldWordChars, type Glyph, isWordChar } from '../text/lookalike.ts';

export interface Token {
  /** Offsets in the original text (UTF-16), for highlighting. */
  start: number;
  end: number;
  /** Cyrillic readings of the word (lower-case, е for ё) and their stems. */
  forms: string[];
  stems: string[];
  /** A word with no Cyrillic letter: its Latin skeletons. */
  skeletons: string[];
  /** Spaced-out letters that may begin with a preposition («и к р е д и т»): the word without it. */
  withoutFirst?: Token;
}

const russian = stemmers.newStemmer('russian');
const stemCache = new Map<string, string>();
const STEM_CACHE_LIMIT = 50_000;

/** The Russian stem of a lower-case word (е for ё), cached: a dictionary and its texts repeat. */
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    if (stemCache.size >= STEM_CACHE_LIMIT) stemCache.clear();
    s = russian.stem(word);
    stemCache.set(word, s);
  }
  return s;
}

const SKELETON_RULES: [RegExp, string][] = [
  [/dj/g, 'dzh'],
  [/shch|sch/g, 'sh'],
  [/kh/g, 'h'],
  [/ts|tz|tc/g, 'c'],
  [/ck/g, 'k'],
  [/ph/g, 'f'],
  [/x/g, 'ks'],
  [/w/g, 'v'],
  [/q/g, 'k'],
  [/[yj]/g, 'i'],
  [/ie/g, 'e'],
  [/[^a-z]/g, ''],
  [/(.)\1+/g, '$1'],
];

/** What the usual transliterations of one Russian word have in common. */
export function latinSkeleton(latin: string): string {
  let s = latin.toLowerCase();
  for (const [re, to] of SKELETON_RULES) s = s.replace(re, to);
  return s;
}

/** The skeleton of a Cyrillic word, through iuliia's Wikipedia scheme. */
export function cyrillicSkeleton(word: string): string {
  return latinSkeleton(iuliia.translate(word, iuliia.WIKIPEDIA));
}

const CYRILLIC = /\p{Script=Cyrillic}/u;
const DIGIT_READINGS: Record<string, string> = { '3': 'е', '4': 'а' };
const MAX_READINGS = 3;
const MAX_GAP = 3;

interface RawWord {
  chars: string[];
  start: number;
  end: number;
  /** The separator before this word ('' for the first). */
  gap: string;
  /** Spaced-out letters after a one-letter word: the letters without it. */
  alternative?: RawWord;
}

/** An apostrophe between Latin letters is a soft or hard sign of a transliteration: «Tin'koff». */
const APOSTROPHES = new Set(["'", '’', 'ʼ', 'ʹ', '`']);
const LATIN_LETTER = /^[a-zA-Z]$/;

function rawWords(glyphs: readonly Glyph[]): RawWord[] {
  const words: RawWord[] = [];
  let current: RawWord | null = null;
  let gap = '';
  for (let i = 0; i < glyphs.length; i++) {
    const g = glyphs[i]!;
    if (
      current &&
      APOSTROPHES.has(g.ch) &&
      LATIN_LETTER.test(current.chars[current.chars.length - 1]!) &&
      LATIN_LETTER.test(glyphs[i + 1]?.ch ?? '')
    )
      continue;
    if (isWordChar(g.ch)) {
      if (!current) {
        current = { chars: [], start: g.start, end: g.end, gap };
        words.push(current);
      }
      current.chars.push(g.ch);
      current.end = g.end;
    } else {
      if (current) gap = '';
      current = null;
      gap += g.ch;
    }
  }
  return words;
}

const spacedGap = (gap: string) => gap.length <= MAX_GAP && !/[\n\r]/.test(gap);

/** One-letter Russian words (prepositions, conjunctions) that may stand before a spaced-out word. */
const ONE_LETTER_WORDS = new Set(['в', 'к', 'с', 'у', 'о', 'и', 'а', 'я', 'b', 'k', 'c', 'y', 'o', 'a']);

/**
 * Runs of three or more one-letter words become one word when every gap in the run is the same
 * («к р е д и т», «к.р.е.д.и.т»): a different gap («к р е д и т — к.р.е.д.и.т») starts another run.
 * A run that may begin with a preposition («и к р е д и т») also carries the reading without it.
 */
function joinSpacedLetters(words: RawWord[]): RawWord[] {
  const out: RawWord[] = [];
  let i = 0;
  while (i < words.length) {
    let j = i;
    const gap = words[i + 1]?.gap ?? '';
    while (
      j + 1 < words.length &&
      words[j]!.chars.length === 1 &&
      words[j + 1]!.chars.length === 1 &&
      words[j + 1]!.gap === gap &&
      spacedGap(gap)
    )
      j++;
    if (j - i >= 2) {
      const run = words.slice(i, j + 1);
      const chars = run.flatMap((w) => w.chars);
      const joined: RawWord = { chars, start: run[0]!.start, end: run[j - i]!.end, gap: run[0]!.gap };
      if (run.length >= 4 && ONE_LETTER_WORDS.has(chars[0]!.toLowerCase()))
        joined.alternative = {
          chars: chars.slice(1),
          start: run[1]!.start,
          end: joined.end,
          gap: run[1]!.gap,
        };
      out.push(joined);
      i = j + 1;
    } else out.push(words[i++]!);
  }
  return out;
}

/** The folded word and its readings with ambiguous digits read the other way. */
function cyrillicForms(chars: readonly string[], folded: string[]): string[] {
  const first = folded.join('');
  let forms = [first.includes('ё') ? first.replace(/ё/g, 'е') : first];
  if (!chars.some((c) => c === '3' || c === '4')) return forms;
  let ambiguous = 0;
  for (let i = 0; i < chars.length && ambiguous < MAX_READINGS; i++) {
    const other = DIGIT_READINGS[chars[i]!];
    if (!other || folded[i] === chars[i]) continue; // a digit left a digit (part of a number)
    ambiguous++;
    forms = forms.concat(forms.map((f) => [...f].map((c, k) => (k === i ? other : c)).join('')));
  }
  return forms;
}

function cyrillicToken(word: RawWord, folded: string[]): Token {
  const forms = cyrillicForms(word.chars, folded);
  // «ВТБ24»: the letters without the number stuck to them.
  for (const form of forms.slice()) {
    const letters = form.replace(/[0-9]+/g, '');
    if (letters !== form && letters.length >= 2) forms.push(letters);
  }
  return { start: word.start, end: word.end, forms, stems: forms.map(stem), skeletons: [] };
}

function toToken(word: RawWord): Token | null {
  const token = readToken(word);
  const without = word.alternative && readToken(word.alternative);
  if (token && without) token.withoutFirst = without;
  return token;
}

/**
 * Latin skeletons of a Latin spelling, with the readings of its ambiguous letters: «j» is «й» in
 * most schemes and «ж» in Telegram's («rasprodaja»); «c» is «ц» in some, a look-alike of «с»
 * («cber») or «k» in English spellings («casino»).
 */
function skeletonsOf(spelling: string): string[] {
  const spellings = [spelling];
  if (spelling.includes('j')) spellings.push(spelling.replace(/j/g, 'zh'));
  for (const s of spellings.slice())
    if (/c(?!h)/.test(s)) spellings.push(s.replace(/c(?!h)/g, 's'), s.replace(/c(?!h)/g, 'k'));
  const skeletons = [...new Set(spellings.map(latinSkeleton))];
  return skeletons[0] ? skeletons : [];
}

function readToken(word: RawWord): Token | null {
  const folded = foldWordChars(word.chars);
  const text = folded.join('');
  if (/^[0-9]+$/.test(text)) return null;
  if (CYRILLIC.test(text)) {
    const token = cyrillicToken(word, folded);
    // Latin and Cyrillic letters with none only one script has («сbеrbаnk»): read as Latin too.
    if (word.chars.some((c) => LATIN_LETTER.test(c))) {
      const asLatin = foldWordChars(word.chars, 'latin').join('');
      if (!CYRILLIC.test(asLatin)) token.skeletons = skeletonsOf(asLatin);
    }
    return token;
  }
  const skeletons = skeletonsOf(text);
  if (!skeletons.length) return null;
  // A word all of look-alikes and digits («Ta6ak», «CTOP») may be a Cyrillic word in disguise.
  const asCyrillic = foldWordChars(word.chars, 'cyrillic');
  const cyrillic = /[a-z]/.test(asCyrillic.join('')) ? null : cyrillicToken(word, asCyrillic);
  return {
    start: word.start,
    end: word.end,
    forms: cyrillic?.forms ?? [],
    stems: cyrillic?.stems ?? [],
    skeletons,
  };
}

/** The words of a text as moderation compares them. Linear in the text. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const word of joinSpacedLetters(rawWords(cleanGlyphs(text)))) {
    const token = toToken(word);
    if (token) out.push(token);
  }
  return out;
}

/** A dictionary entry's text as words (the same normalising, no spaced-letter joining needed). */
export function entryWords(entry: string): Token[] {
  return rawWords(cleanGlyphs(entry))
    .map(toToken)
    .filter((t): t is Token => t !== null);
}

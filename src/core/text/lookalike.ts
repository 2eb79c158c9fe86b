/**
 * Look-alike folding: what a person (or a spammer) types when one keyboard layout stands in for the
 * other. «CTOП» typed with Latin C, T, O is «стоп»; «Kрeдит» is «кредит»; «kаzino» with a Cyrillic
 * «а» is «kazino». Used to match replies («СТОП») and by moderation before its stemmer.
 *
 * The rules, word by word (a word is a run of letters and digits):
 * - the text is NFKC-normalised (fullwidth and mathematical letters become plain ones), combining
 *   accents are dropped (a stress mark «кре́дит»), zero-width characters, soft hyphens and bidi
 *   controls are removed, and everything is lower-cased;
 * - a word with no Cyrillic letter stays Latin (only single digits between letters become the Latin
 *   letters they stand for: «ST0P» → «stop», «kaz1no» → «kazino»);
 * - a word with Cyrillic letters becomes Cyrillic: its Latin (and Greek) look-alikes are mapped and
 *   its single digits too (0→о, 3→з, 4→ч, 6→б, 8→в) — unless it is mostly Latin, i.e. it has letters
 *   only Latin has (z, i, s, d…) and none that only Cyrillic has (д, и, л, ж…): then its Cyrillic
 *   look-alikes go to Latin instead («kаzino» → «kazino»);
 * - a run of two or more digits is a number and is never mapped («10кг», «2026»).
 * Case matters when choosing: an upper-case «B» looks like «В», a lower-case «b» like «ь»; «H» like
 * «Н», while «h» is mapped too because it is typed for «н» in practice.
 */

/** Characters that draw nothing (or only a line-break hint) and hide a word from a search. */
const INVISIBLE_RANGES: readonly [number, number][] = [
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x061c, 0x061c],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180b, 0x180e],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x206f],
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
];

function isInvisible(cp: string): boolean {
  const code = cp.codePointAt(0) ?? 0;
  return INVISIBLE_RANGES.some(([from, to]) => code >= from && code <= to);
}
const COMBINING = /^\p{Mn}$/u;

/** Latin and Greek letters (as typed, before lower-casing) that look like a Cyrillic one. */
const TO_CYRILLIC_TABLE: Record<string, string> = {
  A: 'а',
  B: 'в',
  C: 'с',
  E: 'е',
  H: 'н',
  K: 'к',
  M: 'м',
  O: 'о',
  P: 'р',
  T: 'т',
  X: 'х',
  Y: 'у',
  a: 'а',
  b: 'ь',
  c: 'с',
  e: 'е',
  h: 'н',
  k: 'к',
  m: 'м',
  n: 'п',
  o: 'о',
  p: 'р',
  r: 'г',
  t: 'т',
  u: 'и',
  i: 'и',
  і: 'и',
  x: 'х',
  y: 'у',
  Α: 'а',
  Β: 'в',
  Ε: 'е',
  Η: 'н',
  Κ: 'к',
  Μ: 'м',
  Ο: 'о',
  Ρ: 'р',
  Τ: 'т',
  Χ: 'х',
  Υ: 'у',
  α: 'а',
  ε: 'е',
  κ: 'к',
  ο: 'о',
  ρ: 'р',
  τ: 'т',
  υ: 'у',
  χ: 'х',
  '0': 'о',
  '3': 'з',
  '4': 'ч',
  '6': 'б',
  '8': 'в',
};

/** Cyrillic letters (lower-case) that look like a Latin one, for a mostly Latin word. */
const TO_LATIN_TABLE: Record<string, string> = {
  а: 'a',
  в: 'b',
  е: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  п: 'n',
  и: 'u',
  г: 'r',
  ь: 'b',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
};

const TO_CYRILLIC = new Map(Object.entries(TO_CYRILLIC_TABLE));
const TO_LATIN = new Map(Object.entries(TO_LATIN_TABLE));

const CYRILLIC_SCRIPT = /\p{Script=Cyrillic}/u;
const LATIN_LETTER = /\p{Script=Latin}/u;
const DIGIT = /^[0-9]$/;

/** What a character tells about its word's script, and its two foldings; memoised per character. */
interface CharInfo {
  cyrillic: boolean;
  /** Only Cyrillic has it (д, и, л…): a word with one is meant to be Cyrillic. */
  onlyCyrillic: boolean;
  /** Only Latin has it (z, s, d…): a word with one is meant to be Latin. */
  onlyLatin: boolean;
  digit: boolean;
  toCyrillic: string;
  toLatin: string;
}

const charInfo = new Map<string, CharInfo>();

function infoOf(ch: string): CharInfo {
  let info = charInfo.get(ch);
  if (info) return info;
  const lower = ch.toLowerCase();
  const cyrillic = CYRILLIC_SCRIPT.test(ch);
  const digit = DIGIT.test(ch);
  info = {
    cyrillic,
    onlyCyrillic: cyrillic && !TO_LATIN.has(lower),
    onlyLatin: LATIN_LETTER.test(ch) && !TO_CYRILLIC.has(ch) && !TO_CYRILLIC.has(lower),
    digit,
    toCyrillic: digit ? ch : (TO_CYRILLIC.get(ch) ?? lower),
    toLatin: digit ? ch : (TO_LATIN.get(lower) ?? lower),
  };
  if (charInfo.size < 10_000) charInfo.set(ch, info);
  return info;
}

/** A digit stands for a letter only alone and next to a letter: «кр3дит», not «10», «2026». */
function isLoneDigit(chars: readonly string[], i: number): boolean {
  const before = chars[i - 1];
  const after = chars[i + 1];
  if ((before !== undefined && DIGIT.test(before)) || (after !== undefined && DIGIT.test(after)))
    return false;
  return before !== undefined || after !== undefined;
}

/**
 * One word's characters (as typed: case decides between look-alikes), folded and lower-cased, one
 * output character per input character so a caller can keep offsets. `script` forces a reading:
 * moderation reads «Ta6ak» (no Cyrillic letter) as «табак» too, and «сbеrbаnk» (no letter only one
 * script has) as «sberbank» too.
 */
export function foldWordChars(chars: readonly string[], script?: 'cyrillic' | 'latin'): string[] {
  let cyrillic = false;
  let latinOnly = 0;
  let cyrillicOnly = 0;
  const infos = chars.map(infoOf);
  for (const info of infos) {
    if (info.cyrillic) {
      cyrillic = true;
      if (info.onlyCyrillic) cyrillicOnly++;
    } else if (info.onlyLatin) latinOnly++;
  }
  const toLatin =
    script === 'latin' || (script !== 'cyrillic' && (!cyrillic || (latinOnly > 0 && cyrillicOnly === 0)));
  return infos.map((info, i) => {
    if (info.digit) {
      const ch = chars[i]!;
      const mapped = isLoneDigit(chars, i) ? (toLatin ? TO_LATIN.get(ch) : TO_CYRILLIC.get(ch)) : undefined;
      return mapped ?? ch;
    }
    return toLatin ? info.toLatin : info.toCyrillic;
  });
}

/** A character of the cleaned text and the span of the original it came from (UTF-16 offsets). */
export interface Glyph {
  ch: string;
  start: number;
  end: number;
}

const BREVE = '\u0306';
const DIAERESIS = '\u0308';

/**
 * The text without what draws nothing (zero-width characters, soft hyphens, bidi controls),
 * NFKC-normalised character by character (fullwidth and mathematical letters become plain ones),
 * without combining accents (a stress mark «кре́дит») except the ones that make й and ё. Each
 * output character keeps the span of the original it came from; case is kept.
 */
export function cleanGlyphs(text: string): Glyph[] {
  const out: Glyph[] = [];
  let offset = 0;
  for (const cp of text) {
    const start = offset;
    offset += cp.length;
    const code = cp.charCodeAt(0);
    // Fast path: printable ASCII and the basic Cyrillic letters need no normalising.
    if ((code >= 0x20 && code < 0x7f) || (code >= 0x410 && code <= 0x44f)) {
      out.push({ ch: cp, start, end: offset });
      continue;
    }
    if (isInvisible(cp)) continue;
    const last = out[out.length - 1];
    if (COMBINING.test(cp)) {
      // A separate combining mark: only the breve on и and the diaeresis on е make a Russian letter.
      if (
        last &&
        last.end === start &&
        ((cp === BREVE && /[иИ]/.test(last.ch)) || (cp === DIAERESIS && /[еЕ]/.test(last.ch)))
      ) {
        last.ch = (last.ch + cp).normalize('NFC');
        last.end = offset;
      }
      continue;
    }
    const decomposed = cp.normalize('NFKD');
    let kept = '';
    for (const part of decomposed) {
      if (!COMBINING.test(part)) kept += part;
      else if ((part === BREVE && /[иИ]$/.test(kept)) || (part === DIAERESIS && /[еЕ]$/.test(kept)))
        kept += part;
    }
    for (const ch of kept.normalize('NFC')) out.push({ ch, start, end: offset });
  }
  return out;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

/** Whether a cleaned character belongs to a word (letters and digits do). */
export function isWordChar(ch: string): boolean {
  const code = ch.charCodeAt(0);
  if (code < 0x80) return (code >= 0x30 && code <= 0x39) || ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a);
  if (code >= 0x410 && code <= 0x44f) return true;
  return WORD_CHAR.test(ch);
}

/** Lower-cased text with look-alikes folded into the script of the word they stand in. */
export function foldLookalikes(text: string): string {
  const glyphs = cleanGlyphs(text);
  let out = '';
  let word: string[] = [];
  for (const g of glyphs) {
    if (isWordChar(g.ch)) {
      word.push(g.ch);
      continue;
    }
    if (word.length) out += foldWordChars(word).join('');
    word = [];
    out += g.ch.toLowerCase();
  }
  if (word.length) out += foldWordChars(word).join('');
  return out;
}

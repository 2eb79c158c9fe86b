/**
 * Editable dictionaries (MD-2): the shipped default, then the instance's edits, then an
 * organisation's — each may add entries, remove entries and allow phrases. An allowed phrase never
 * matches: a match inside an occurrence of it is dropped («Кредитный потребительский кооператив
 * "Надежда"» allows its own name, and «кредит» elsewhere in its texts is still found).
 *
 * Entries are words and phrases, never patterns: «кред.*т» is refused with `entry_pattern`, because a
 * pattern could not be compiled into the word maps (match.ts) and a pattern from a form is a way to
 * make every check slow. What a pattern would catch, the normalising already does (spacing, look-alikes,
 * word forms).
 */
import { DEFAULT_DICTIONARY, type DictionaryEntry, GROUPS, type Group } from './dictionary.ts';
import { type CompiledDictionary, compileDictionary } from './match.ts';
import { entryWords } from './tokens.ts';

export class ModerationError extends Error {
  constructor(
    readonly code:
      | 'entry_empty'
      | 'entry_no_letters'
      | 'entry_pattern'
      | 'entry_too_long'
      | 'entry_group'
      | 'dictionary_too_large'
      | 'text_too_long',
    message: string,
    readonly entry?: string,
  ) {
    super(message);
  }
}

export const LIMITS = {
  entryChars: 100,
  entryWords: 6,
  /** Entries after combining; a 10,000-word dictionary compiles in well under a second. */
  entries: 50_000,
  /** Characters of all the texts of one check together. */
  textChars: 1_000_000,
};

export interface AddedEntry {
  word: string;
  group?: Group;
  forms?: readonly string[];
}

export interface DictionaryEdits {
  add?: readonly (string | AddedEntry)[];
  remove?: readonly string[];
  allow?: readonly string[];
}

const PATTERN = /[*+?[\]{}()|\\^$]|\.\*/;

/** Refuses an entry that cannot be a word or phrase, naming it. Returns its words' normalised key. */
export function validateEntry(word: unknown): string {
  if (typeof word !== 'string' || !word.trim())
    throw new ModerationError('entry_empty', 'a dictionary entry is empty', '');
  if (word.length > LIMITS.entryChars)
    throw new ModerationError(
      'entry_too_long',
      `the dictionary entry «${word.slice(0, 40)}…» is longer than ${LIMITS.entryChars} characters`,
      word,
    );
  if (PATTERN.test(word))
    throw new ModerationError(
      'entry_pattern',
      `the dictionary entry «${word}» looks like a pattern; entries are words or phrases, matched in every word form`,
      word,
    );
  const words = entryWords(word);
  if (!words.length)
    throw new ModerationError('entry_no_letters', `the dictionary entry «${word}» has no letters`, word);
  if (words.length > LIMITS.entryWords)
    throw new ModerationError(
      'entry_too_long',
      `the dictionary entry «${word}» has more than ${LIMITS.entryWords} words`,
      word,
    );
  return words.map((w) => (w.skeletons.length ? `l:${w.skeletons[0]}` : w.forms[0])).join(' ');
}

function validateGroup(group: unknown, word: string): Group {
  if (group === undefined) return 'custom';
  if (typeof group === 'string' && (GROUPS as readonly string[]).includes(group)) return group as Group;
  throw new ModerationError(
    'entry_group',
    `the dictionary entry «${word}» names the group «${String(group)}»; groups are ${GROUPS.join(', ')}`,
    word,
  );
}

export interface Dictionary {
  entries: DictionaryEntry[];
  allow: string[];
}

/** The default with each layer's edits applied in order (instance, then organisation). */
export function combineDictionary(
  base: readonly DictionaryEntry[] = DEFAULT_DICTIONARY,
  ...layers: readonly (DictionaryEdits | undefined)[]
): Dictionary {
  const entries = new Map<string, DictionaryEntry>();
  for (const entry of base) entries.set(validateEntry(entry.word), entry);
  const allow = new Map<string, string>();
  for (const layer of layers) {
    if (!layer) continue;
    for (const word of layer.remove ?? []) entries.delete(validateEntry(word));
    for (const added of layer.add ?? []) {
      const spec = typeof added === 'string' ? { word: added } : added;
      const key = validateEntry(spec.word);
      for (const form of spec.forms ?? []) validateEntry(form);
      const entry: DictionaryEntry = { word: spec.word.trim(), group: validateGroup(spec.group, spec.word) };
      if (spec.forms?.length) entry.forms = spec.forms;
      entries.delete(key); // a re-added entry moves to its new group
      entries.set(key, entry);
      if (entries.size > LIMITS.entries)
        throw new ModerationError(
          'dictionary_too_large',
          `the dictionary has more than ${LIMITS.entries} entries (at «${spec.word}»)`,
          spec.word,
        );
    }
    for (const word of layer.allow ?? []) allow.set(validateEntry(word), word.trim());
  }
  return { entries: [...entries.values()], allow: [...allow.values()] };
}

export interface Moderation {
  dictionary: CompiledDictionary;
  allow: CompiledDictionary;
}

/** Compiled once per dictionary change; checks then cost a few look-ups per word. */
export function compileModeration(dictionary: Dictionary): Moderation {
  return {
    dictionary: compileDictionary(dictionary.entries),
    allow: compileDictionary(dictionary.allow.map((word) => ({ word, group: 'custom' as const }))),
  };
}

/** The default dictionary with no edits, compiled on first use. */
let defaultModeration: Moderation | undefined;
export function defaultModerationDictionary(): Moderation {
  defaultModeration ??= compileModeration(combineDictionary());
  return defaultModeration;
}

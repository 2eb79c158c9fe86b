/**
 * Files to objects by the object's number in the file name (seed 003: the management company saves
 * each account's receipt, then sends them all): «ЛС 00123 март.pdf», «uch_15.pdf», «1-15.pdf». A
 * file matches when exactly one object's number is found in its name; anything less certain is
 * reported with the reason and left alone, because a receipt sent to the wrong owner is worse than
 * one not sent.
 */

export interface NumberedObject {
  id: number;
  number: string;
}

export type FileMatch =
  | { file: string; objectId: number; number: string }
  | { file: string; objectId: null; reason: 'no_number' | 'ambiguous' | 'duplicate'; numbers: string[] };

interface Candidate {
  text: string;
  start: number;
  end: number;
}

/** Case and (for numbers of digits only) leading zeros do not matter: «00123» is account 123. */
export function numberKey(s: string): string {
  const t = s.trim().toLowerCase();
  return /^\d+$/.test(t) ? t.replace(/^0+(?=\d)/, '') : t;
}

/** The name without its extension, then its words, the parts of hyphenated words, its digit runs. */
export function candidates(fileName: string): Candidate[] {
  const stem = fileName.replace(/\.[A-Za-z0-9]{1,5}$/, '');
  const out = new Map<string, Candidate>();
  const add = (text: string, start: number) => {
    if (text !== '') out.set(`${start}:${text.length}`, { text, start, end: start + text.length });
  };
  add(stem.trim(), stem.indexOf(stem.trim()));
  for (const re of [/[\p{L}\p{N}-]+/gu, /[\p{L}\p{N}]+/gu, /\d+/g]) {
    for (const m of stem.matchAll(re)) add(m[0], m.index);
  }
  return [...out.values()];
}

/** The spelled-out candidates, to fetch the objects they could name in one query. */
export function candidateTexts(fileNames: readonly string[]): string[] {
  const set = new Set<string>();
  for (const f of fileNames) for (const c of candidates(f)) set.add(c.text);
  return [...set];
}

function matchOne(file: string, byKey: Map<string, NumberedObject[]>): FileMatch {
  const hits: { c: Candidate; o: NumberedObject }[] = [];
  for (const c of candidates(file)) for (const o of byKey.get(numberKey(c.text)) ?? []) hits.push({ c, o });
  // «1-15» names object 1-15, not objects 1 and 15: a hit inside a longer hit's span gives way to it.
  const kept = hits.filter(
    (h) =>
      !hits.some(
        (g) =>
          g.o.id !== h.o.id &&
          g.c.start <= h.c.start &&
          g.c.end >= h.c.end &&
          g.c.end - g.c.start > h.c.end - h.c.start,
      ),
  );
  const objects = [...new Map(kept.map((h) => [h.o.id, h.o])).values()];
  if (objects.length === 1) return { file, objectId: objects[0]!.id, number: objects[0]!.number };
  return {
    file,
    objectId: null,
    reason: objects.length === 0 ? 'no_number' : 'ambiguous',
    numbers: objects.map((o) => o.number),
  };
}

/** One answer per file, in order. Two files naming the same object: neither is taken. */
export function matchFiles(files: readonly string[], objects: readonly NumberedObject[]): FileMatch[] {
  const byKey = new Map<string, NumberedObject[]>();
  for (const o of objects) {
    const k = numberKey(o.number);
    byKey.set(k, [...(byKey.get(k) ?? []), o]);
  }
  const matches = files.map((f) => matchOne(f, byKey));
  const perObject = new Map<number, number>();
  for (const m of matches)
    if (m.objectId !== null) perObject.set(m.objectId, (perObject.get(m.objectId) ?? 0) + 1);
  return matches.map((m) =>
    m.objectId !== null && perObject.get(m.objectId)! > 1
      ? { file: m.file, objectId: null, reason: 'duplicate', numbers: [m.number] }
      : m,
  );
}

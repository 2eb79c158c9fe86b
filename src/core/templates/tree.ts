/**
 * Walking liquidjs's parsed templates, and turning offsets into the line and column a person reads.
 * liquidjs exposes its parse tree (Output, Filter, ForTag…) but no visitor, so this walks the
 * objects' own fields generically: it works for every tag, including ones nested in `{% liquid %}`,
 * without a list of which field of which tag holds children.
 */
import type { Template } from 'liquidjs';

/** Fields that lead out of the template (the engine, the source text) rather than into its children. */
const SKIP = new Set(['liquid', 'tokenizer', 'token', 'input', 'file', 'opTrie', 'literalTrie']);

/** Calls `visit` on every object reachable from `templates`: templates, values, filters, tokens' owners. */
export function walk(templates: readonly Template[], visit: (node: object) => void): void {
  const seen = new Set<object>();
  const stack: unknown[] = [...templates];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const item of node) stack.push(item);
      continue;
    }
    visit(node);
    for (const key of Object.keys(node)) {
      if (SKIP.has(key)) continue;
      const value = (node as Record<string, unknown>)[key];
      if (value !== null && typeof value === 'object') stack.push(value);
    }
  }
}

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units as liquidjs counts (the same as characters for Cyrillic text). */
  column: number;
}

/** The line and column of `offset` in `input`, counted the way liquidjs reports its own errors. */
export function positionAt(input: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), input.length);
  for (let i = 0; i < end; i++) {
    if (input.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** A liquidjs token's start and end, when the object is one (duck-typed: the classes are not all exported). */
export function tokenRange(token: unknown): { input: string; begin: number; end: number } | null {
  if (token === null || typeof token !== 'object') return null;
  const t = token as { input?: unknown; begin?: unknown; end?: unknown };
  if (typeof t.input !== 'string' || typeof t.begin !== 'number' || typeof t.end !== 'number') return null;
  return { input: t.input, begin: t.begin, end: t.end };
}

/** The position a liquidjs error points at, from its token; null when it has none. */
export function errorPosition(err: unknown): Position | null {
  const token = (err as { token?: unknown } | null)?.token;
  const range = tokenRange(token);
  if (range) return positionAt(range.input, range.begin);
  // Some errors only say where in their message: «…, line:2, col:6».
  const m = /line:(\d+), col:(\d+)/.exec(String((err as Error | null)?.message ?? ''));
  return m ? { line: Number(m[1]), column: Number(m[2]) } : null;
}

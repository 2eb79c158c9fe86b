/**
 * Checking a template before any recipient is rendered (CT-2): a Liquid syntax error, every unknown
 * variable and every unknown filter, each with its line and column in the template as stored (after
 * the aliases were translated, so positions point at what the editor shows).
 *
 * Unknown variables are found statically, against `SCOPE_SHAPE`, not by rendering a sample contact:
 * a variable in a branch the sample does not take (`{% if debt != "0.00" %}{{ contact.nmae }}`) is
 * found all the same. Loop variables are followed into the loop: in `{% for o in objects %}` the
 * fields of `o` are the fields of an object.
 */
import { Filter, ForTag, type Liquid, TablerowTag, type Template } from 'liquidjs';
import type { Channel } from '../states.ts';
import { lenientEngine } from './render.ts';
import { EMAIL_SHAPE, SCOPE_SHAPE, type Shape } from './scope.ts';
import { errorPosition, type Position, positionAt, tokenRange, walk } from './tree.ts';

export interface TemplateIssue extends Position {
  code: 'syntax' | 'unknown_variable' | 'unknown_filter';
  message: string;
  /** The variable path or filter name, for the unknown ones. */
  name?: string;
}

type Segment = string | number | { segments: unknown[] };

/** Edit distance counting a swap of neighbours as one edit (`nmae` → `name`), for «did you mean». */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

function suggest(name: string, candidates: string[]): string {
  let best = '';
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= Math.max(1, Math.floor(name.length / 3)) ? best : '';
}

/**
 * Follows `segments` through `shape`. Returns null when the path exists (or cannot be known: a
 * computed index, custom attributes), else how far it got and what could have followed.
 */
function resolve(shape: Shape, segments: readonly Segment[]): { at: number; options: string[] } | null {
  let current: Shape = shape;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (current === 'any') return null;
    if (typeof seg === 'object') return null; // `x[y]`: only known at render time
    if (current === 'value') {
      if (seg === 'size' && i === segments.length - 1) return null;
      return { at: i, options: [] };
    }
    if (Array.isArray(current)) {
      const element = (current as readonly [Shape])[0];
      if (seg === 'size') current = 'value';
      else if (typeof seg === 'number' || seg === 'first' || seg === 'last') current = element;
      else return { at: i, options: ['size', 'first', 'last'] };
      continue;
    }
    const fields = current as { readonly [key: string]: Shape };
    if (typeof seg === 'string' && Object.hasOwn(fields, seg)) current = fields[seg]!;
    else if (seg === 'size') current = 'value';
    else return { at: i, options: Object.keys(fields) };
  }
  return null;
}

function shapeAt(shape: Shape, path: readonly Segment[]): Shape | null {
  let current: Shape | null = shape;
  for (const seg of path) {
    if (current === null || current === 'value') return null;
    if (current === 'any' || typeof seg === 'object') return 'any';
    if (Array.isArray(current))
      current = typeof seg === 'number' || seg === 'first' || seg === 'last' ? current[0] : null;
    else current = (current as { readonly [key: string]: Shape })[seg as string] ?? null;
  }
  return current;
}

/** Where a loop variable is bound, and the shape of one element of what it loops over. */
interface Binding {
  name: string;
  from: Position;
  to: Position;
  element: Shape;
}

const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.column <= b.column);

function loopBindings(templates: Template[], root: Shape): Binding[] {
  const bindings: Binding[] = [];
  walk(templates, (node) => {
    if (!(node instanceof ForTag || node instanceof TablerowTag)) return;
    const loop = node as unknown as {
      variable: string;
      collection: { props?: { content?: unknown }[] };
      templates: Template[];
      token: unknown;
    };
    const path = (loop.collection.props ?? []).map((p) => p.content);
    if (path.length === 0 || !path.every((p) => typeof p === 'string' || typeof p === 'number')) return;
    const collection = shapeAt(root, path as Segment[]);
    const element = Array.isArray(collection) ? (collection as readonly [Shape])[0] : 'any';
    const head = tokenRange(loop.token);
    if (!head) return;
    let end = head.end;
    walk(loop.templates, (inner) => {
      const r = tokenRange((inner as { token?: unknown }).token);
      if (r && r.end > end) end = r.end;
    });
    bindings.push({
      name: loop.variable,
      from: positionAt(head.input, head.end),
      to: positionAt(head.input, end),
      element,
    });
  });
  return bindings;
}

export interface ValidateOptions {
  /** E-mail templates may also use `unsubscribe_url`. */
  channel?: Channel;
}

/** Every problem of a template's source, in order of position; empty when it may be saved. */
export function validateTemplate(source: string, options: ValidateOptions = {}): TemplateIssue[] {
  const engine: Liquid = lenientEngine;
  let templates: Template[];
  try {
    templates = engine.parse(source);
  } catch (err) {
    const at = errorPosition(err) ?? { line: 1, column: 1 };
    const message = String((err as Error).message).replace(/, line:\d+, col:\d+$/, '');
    return [{ code: 'syntax', message, ...at }];
  }
  const issues: TemplateIssue[] = [];
  walk(templates, (node) => {
    if (!(node instanceof Filter) || Object.hasOwn(engine.filters, node.name)) return;
    const filter = node;
    const range = tokenRange((filter as unknown as { token: unknown }).token);
    const at = range ? positionAt(range.input, range.begin) : { line: 1, column: 1 };
    const hint = suggest(filter.name, Object.keys(engine.filters));
    const message = `unknown filter «${filter.name}»${hint ? ` (did you mean «${hint}»?)` : ''}`;
    issues.push({ code: 'unknown_filter', message, name: filter.name, ...at });
  });

  const root: Shape = options.channel === 'email' ? EMAIL_SHAPE : SCOPE_SHAPE;
  let analysis: ReturnType<Liquid['analyzeSync']>;
  try {
    analysis = engine.analyzeSync(templates, { partials: false });
  } catch (err) {
    // Not seen in practice; a check that cannot finish must still say so rather than throw.
    issues.push({
      code: 'syntax',
      message: `cannot check variables: ${(err as Error).message}`,
      line: 1,
      column: 1,
    });
    return issues;
  }
  // `skip`: the loop variable's own name, checked against the loop's element shape instead of the root.
  type Found = { segments: unknown[]; location: { row: number; col: number } };
  const report = (variable: Found, shape: Shape, skip = 0) => {
    const segments = variable.segments as Segment[];
    const miss = resolve(shape, segments.slice(skip));
    if (!miss) return;
    const at = skip + miss.at;
    const known = segments.slice(0, at).join('.');
    const name = segments.slice(0, at + 1).join('.');
    const hint = suggest(String(segments[at]), miss.options);
    const message = `unknown variable «${name}»${hint ? ` (did you mean «${known ? `${known}.` : ''}${hint}»?)` : ''}`;
    issues.push({
      code: 'unknown_variable',
      message,
      name,
      line: variable.location.row,
      column: variable.location.col,
    });
  };
  for (const variables of Object.values(analysis.globals)) for (const v of variables) report(v, root);

  const bindings = loopBindings(templates, root);
  for (const [name, variables] of Object.entries(analysis.variables)) {
    for (const v of variables) {
      const at = { line: v.location.row, column: v.location.col };
      // The innermost loop that binds this name around this place.
      const binding = bindings
        .filter((b) => b.name === name && before(b.from, at) && before(at, b.to))
        .sort((a, b) => (before(a.from, b.from) ? 1 : -1))[0];
      if (binding) report(v, binding.element, 1);
    }
  }
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  return issues;
}

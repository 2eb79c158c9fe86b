/**
 * Per-recipient texts in Liquid (CT-1): parsed once per campaign, rendered once per recipient.
 * Strict: an unknown variable or filter is an error before launch, never an empty hole in an SMS.
 * Sandboxed: only own properties of the scope are visible (no prototypes, no globals).
 *
 * Two engines, the same but for output escaping: `text` (SMS, messenger, e-mail subject and plain
 * part) prints values as they are; `html` (e-mail bodies) HTML-escapes every `{{ … }}` unless its
 * last filter is `raw` — and even then the result is sanitised afterwards (email/render.ts).
 *
 * Every output is parsed with one extra filter at its end, the «hole» hook: it notices an output that
 * came out empty and, when a render asks for it, records it or puts the stated default text in its
 * place (the empty-value policy of CT-2, recipient.ts). Outside such a render it passes values through.
 */
import { EchoTag, Filter, Liquid, type LiquidOptions, Output, type Template } from 'liquidjs';
import { fail, ok, type Result } from '../result.ts';
import { compileFast, type FastRender } from './fast.ts';
import { escapeHtml, FILTERS } from './filters.ts';
import { errorPosition, type Position, positionAt, walk } from './tree.ts';

export type TemplateMode = 'text' | 'html';

const BASE: LiquidOptions = {
  strictVariables: true,
  strictFilters: true,
  ownPropertyOnly: true,
  // No partials: without this, `{% include 'x' %}`, `{% render %}` and `{% layout %}` read files under cwd.
  templates: {},
  jsTruthy: false,
  // Bounds against a template that loops or grows without end.
  renderLimit: 1_000,
  memoryLimit: 10_000_000,
  parseLimit: 100_000,
};

function makeEngine(options: LiquidOptions): Liquid {
  const engine = new Liquid({ ...BASE, ...options });
  for (const [name, fn] of Object.entries(FILTERS)) engine.registerFilter(name, fn);
  return engine;
}

const engines: Record<TemplateMode, Liquid> = {
  text: makeEngine({}),
  html: makeEngine({ outputEscape: escapeHtml }),
};

/** The same engine with unknown filters let through, so validation can name every one of them. */
export const lenientEngine: Liquid = makeEngine({ strictFilters: false });

/** Functions the fast renderer may call without a Liquid context: they never read `this`. */
const PURE = new WeakSet<object>([...Object.values(FILTERS), escapeHtml]);

/** An output that came out empty: what it says and where, in the template as stored. */
export interface Hole extends Position {
  expression: string;
}

export type EmptyPolicy = { mode: 'allow' } | { mode: 'block' } | { mode: 'default'; text: string };

interface Collector {
  policy: EmptyPolicy;
  holes: Hole[];
}

/** Set only during `renderDetailed`; renders are synchronous, so one slot is enough. */
let collector: Collector | null = null;

const isEmpty = (v: unknown): boolean =>
  v === null ||
  v === undefined ||
  (typeof v === 'string' && v.trim() === '') ||
  (Array.isArray(v) && v.length === 0);

function holeFilter(engine: Liquid, hole: Hole, escapeDefault: boolean): Filter {
  const handler = (value: unknown): unknown => {
    if (collector === null || !isEmpty(value)) return value;
    collector.holes.push(hole);
    const policy = collector.policy;
    if (policy.mode !== 'default') return value;
    return escapeDefault ? escapeHtml(policy.text) : policy.text;
  };
  PURE.add(handler);
  // Filter reads only `name` and `args` from its token.
  const token = { name: 'vestnik_hole', args: [] } as unknown as ConstructorParameters<typeof Filter>[0];
  return new Filter(token, handler, engine);
}

/** Appends the hole hook to every `{{ … }}` and `{% echo %}` of a parsed template. */
function instrument(templates: Template[], engine: Liquid, mode: TemplateMode): void {
  walk(templates, (node) => {
    const value = (node as { value?: { filters?: unknown } }).value;
    const token = (
      node as { token?: { input?: unknown; begin?: unknown; content?: unknown; args?: unknown } }
    ).token;
    const isOutput = node instanceof Output;
    const isEcho = node instanceof EchoTag;
    if (!(isOutput || isEcho) || !value || !Array.isArray(value.filters) || !token) return;
    if (typeof token.input !== 'string' || typeof token.begin !== 'number') return;
    const filters = value.filters as Filter[];
    // In the html engine an Output's escaping was appended at parse time, unless it ends in `raw`;
    // an echo is escaped after all its filters, at render time. The default text is escaped once.
    const last = filters[filters.length - 1] as unknown as { handler?: unknown; raw?: boolean } | undefined;
    const escaped = isOutput && mode === 'html' && last?.handler === escapeHtml;
    const inner = isOutput ? token.content : token.args;
    const expression = typeof inner === 'string' ? inner.trim() : '';
    const hole = holeFilter(engine, { expression, ...positionAt(token.input, token.begin) }, escaped);
    // A trailing `raw` must stay last: an echo looks at the last filter, at render time, to decide
    // whether to escape. `raw` passes its value through, so the hook sees the same value before it.
    if (last?.raw) filters.splice(filters.length - 1, 0, hole);
    else filters.push(hole);
  });
}

export interface CompiledTemplate {
  source: string;
  templates: Template[];
  mode: TemplateMode;
  /** A direct renderer for templates of plain text and simple outputs; null otherwise (fast.ts). */
  fast: FastRender | null;
}

export function compileTemplate(
  source: string,
  field = 'text',
  mode: TemplateMode = 'text',
): Result<CompiledTemplate> {
  const engine = engines[mode];
  try {
    const templates = engine.parse(source);
    instrument(templates, engine, mode);
    return ok({ source, templates, mode, fast: compileFast(templates, (fn) => PURE.has(fn as object)) });
  } catch (err) {
    return fail(field, source, `template error: ${(err as Error).message}`);
  }
}

export interface TemplateScope {
  [key: string]: unknown;
}

/** Renders, by the fast path when it can; the fast path gives up (undefined) rather than differ. */
function run(compiled: CompiledTemplate, scope: TemplateScope): string {
  if (compiled.fast) {
    const mark = collector?.holes.length ?? 0;
    try {
      const out = compiled.fast(scope);
      if (out !== undefined) return out;
    } catch {
      // Liquid below throws the same error with its own wording and position.
    }
    if (collector) collector.holes.length = mark;
  }
  return engines[compiled.mode].renderSync(compiled.templates, scope) as string;
}

export function renderTemplate(
  compiled: CompiledTemplate,
  scope: TemplateScope,
  field = 'text',
): Result<string> {
  try {
    return ok(run(compiled, scope));
  } catch (err) {
    return fail(field, compiled.source, `cannot render: ${(err as Error).message}`);
  }
}

export type DetailedRender =
  | { ok: true; text: string; holes: Hole[] }
  | { ok: false; message: string; position: Position | null };

/**
 * Renders and reports the outputs that came out empty; with `default`, they read the default text.
 * With `block` or `allow` the text is as Liquid made it — whether to send it is the caller's call.
 */
export function renderDetailed(
  compiled: CompiledTemplate,
  scope: TemplateScope,
  policy: EmptyPolicy,
): DetailedRender {
  const outer = collector;
  const mine: Collector = { policy, holes: [] };
  collector = mine;
  try {
    return { ok: true, text: run(compiled, scope), holes: mine.holes };
  } catch (err) {
    return { ok: false, message: (err as Error).message, position: errorPosition(err) };
  } finally {
    collector = outer;
  }
}

/** Money in kopecks as the seeds print it: `1234.50`, `0.00` where there is nothing. */
export function formatKopecks(kopecks: number): string {
  const sign = kopecks < 0 ? '-' : '';
  const abs = Math.abs(kopecks);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

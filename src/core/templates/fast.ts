/**
 * A direct renderer for the templates campaigns are made of: plain text and `{{ a.b | f: "x" }}`
 * outputs, with Vestnik's own filters. liquidjs renders through generators and a fresh context per
 * call (~80,000 renders/s of seed 000's template on one core); this walks the same parse tree once,
 * at compile time, into a list of strings and property paths (millions per second), which is what
 * lets a launch of a million recipients meet the benchmark's target.
 *
 * It never differs from liquidjs: anything it is not sure of — a tag, a variable filter argument, a
 * missing or inherited property, an array or a non-plain object on the path, `size`/`first`/`last`,
 * a value Liquid would print in its own way — makes it return `undefined`, and the caller renders
 * that recipient with liquidjs, which also produces the error and its wording. A property test
 * compares the two on generated templates and scopes.
 */
import { Output, type Template, TokenKind } from 'liquidjs';

export type FastRender = (scope: Record<string, unknown>) => string | undefined;

type Fn = (value: unknown, ...args: unknown[]) => unknown;

interface Plan {
  path: string[];
  filters: { fn: Fn; args: unknown[] }[];
}

/** Liquid's special properties: computed by Liquid, not read, so left to it. */
const SPECIAL = new Set(['size', 'first', 'last']);

const LITERAL = TokenKind.Quoted | TokenKind.Number | TokenKind.Literal;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The plan of one output, or null when the output is anything but a path with pure filters. */
function planOf(output: Output, pure: (fn: unknown) => boolean): Plan | null {
  const value = output.value as unknown as {
    initial: { postfix: unknown[] };
    filters: { handler: unknown; args: unknown[] }[];
  };
  if (value.initial.postfix.length !== 1) return null;
  const access = value.initial.postfix[0] as { kind?: number; props?: unknown[]; variable?: unknown };
  if (access.kind !== TokenKind.PropertyAccess || access.variable || !Array.isArray(access.props))
    return null;
  const path: string[] = [];
  for (const prop of access.props as { kind?: number; content?: unknown }[]) {
    const literalKey = prop.kind === TokenKind.Word || prop.kind === TokenKind.Quoted;
    if (!literalKey || typeof prop.content !== 'string' || SPECIAL.has(prop.content)) return null;
    path.push(prop.content);
  }
  if (path.length === 0) return null;
  const filters: Plan['filters'] = [];
  for (const filter of value.filters) {
    if (!pure(filter.handler)) return null;
    const args: unknown[] = [];
    for (const arg of filter.args as { kind?: number; content?: unknown }[]) {
      // Key-value arguments are arrays; variables are property accesses: both need a context.
      if (Array.isArray(arg) || !(((arg.kind ?? 0) & LITERAL) !== 0) || !('content' in arg)) return null;
      args.push(arg.content);
    }
    filters.push({ fn: filter.handler as Fn, args });
  }
  return { path, filters };
}

/** A renderer for `templates`, or null when some part of them needs Liquid itself. */
export function compileFast(
  templates: readonly Template[],
  pure: (fn: unknown) => boolean,
): FastRender | null {
  const parts: (string | Plan)[] = [];
  for (const t of templates) {
    const token = (t as { token?: { kind?: number } }).token;
    const str = (t as { str?: unknown }).str;
    if (token?.kind === TokenKind.HTML && typeof str === 'string') parts.push(str);
    else if (t instanceof Output) {
      const plan = planOf(t, pure);
      if (!plan) return null;
      parts.push(plan);
    } else return null;
  }

  return (scope) => {
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      let value: unknown = scope;
      for (const key of part.path) {
        // Liquid calls a container's `toLiquid` before reading from it; plain data has none.
        if (!isPlainObject(value) || !Object.hasOwn(value, key) || typeof value.toLiquid === 'function') {
          return undefined;
        }
        value = value[key];
        if (value === undefined || typeof value === 'function') return undefined;
        // Liquid would call `toLiquid` or treat a class instance its own way; plain data only here.
        if (value !== null && typeof value === 'object' && !Array.isArray(value) && !isPlainObject(value)) {
          return undefined;
        }
      }
      for (const f of part.filters) value = f.fn(value, ...f.args);
      if (typeof value === 'string') out += value;
      else if (value === null || value === undefined) continue;
      else if (typeof value === 'number' || typeof value === 'boolean') out += String(value);
      else return undefined;
    }
    return out;
  };
}

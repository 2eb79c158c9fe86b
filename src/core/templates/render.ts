/**
 * Per-recipient texts in Liquid (CT-1): parsed once per campaign, rendered once per recipient.
 * Strict: an unknown variable or filter is an error before launch, never an empty hole in an SMS.
 * Sandboxed: only own properties of the scope are visible (no prototypes, no globals).
 */
import { Liquid, type Template } from 'liquidjs';
import { fail, ok, type Result } from '../result.ts';

const engine = new Liquid({
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
});

export interface CompiledTemplate {
  source: string;
  templates: Template[];
}

export function compileTemplate(source: string, field = 'text'): Result<CompiledTemplate> {
  try {
    return ok({ source, templates: engine.parse(source) });
  } catch (err) {
    return fail(field, source, `template error: ${(err as Error).message}`);
  }
}

export interface TemplateScope {
  [key: string]: unknown;
}

export function renderTemplate(
  compiled: CompiledTemplate,
  scope: TemplateScope,
  field = 'text',
): Result<string> {
  try {
    return ok(engine.renderSync(compiled.templates, scope) as string);
  } catch (err) {
    return fail(field, compiled.source, `cannot render: ${(err as Error).message}`);
  }
}

/** Money in kopecks as the seeds print it: `1234.50`, `0.00` where there is nothing. */
export function formatKopecks(kopecks: number): string {
  const sign = kopecks < 0 ? '-' : '';
  const abs = Math.abs(kopecks);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

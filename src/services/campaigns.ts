/**
 * Checks on a campaign's content before it is saved, shared by the API and the command line (CT-1,
 * CT-2): the seeds' placeholders (`%name`, `#FAM#`, …) are translated to Liquid on save, and the
 * stored template is checked statically — syntax, unknown variables and filters — with the line and
 * column of each problem in the template as stored.
 */
import type { FieldProblem } from '../core/result.ts';
import type { Channel } from '../core/states.ts';
import { translateAliases } from '../core/templates/aliases.ts';
import { validateTemplate } from '../core/templates/validate.ts';

export interface TemplateProblem extends FieldProblem {
  code: string;
  line?: number;
  column?: number;
}

/** The template as it will be stored: the seeds' placeholders as Liquid. */
export function storedTemplate(source: string): string {
  return translateAliases(source);
}

export function checkTemplate(source: string, field: string, channel?: Channel): TemplateProblem[] {
  if (source.trim() === '') return [{ field, value: source, message: 'is empty', code: 'empty' }];
  return validateTemplate(storedTemplate(source), channel ? { channel } : {}).map((i) => ({
    field,
    value: source,
    code: i.code,
    line: i.line,
    column: i.column,
    message: `line ${i.line}, column ${i.column}: ${i.message}`,
  }));
}

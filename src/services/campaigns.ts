/** Checks on a campaign's content before it is saved, shared by the API and the command line. */

import type { FieldProblem } from '../core/result.ts';
import { compileTemplate, renderTemplate } from '../core/templates/render.ts';
import { buildScope } from '../core/templates/scope.ts';

/** A contact with every standard field filled, to find unknown variables before launch (CT-2). */
const SAMPLE = buildScope(
  {
    id: 1,
    last_name: 'Иванов',
    first_name: 'Иван',
    middle_name: 'Иванович',
    phone: '+79120000000',
    email: 'a@example.ru',
    attributes: {},
  },
  [{ kind: 'plot', number: '1', charges_kopecks: 0, debt_kopecks: 0 }],
  { name: 'Организация' },
);

export function checkTemplate(source: string, field: string): FieldProblem[] {
  if (source.trim() === '') return [{ field, value: source, message: 'is empty' }];
  const compiled = compileTemplate(source, field);
  if (!compiled.ok) return [compiled.problem];
  const rendered = renderTemplate(compiled.value, SAMPLE, field);
  // Custom attributes differ per contact, so only they may be missing from the sample.
  if (!rendered.ok && !/contact\.attributes\./.test(rendered.problem.message)) return [rendered.problem];
  return [];
}

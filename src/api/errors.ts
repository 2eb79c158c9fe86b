/** The API's one error shape: `{"error": {"code", "message", "details"}}`. Thrown only in `api/`. */
import type { FieldProblem } from '../core/result.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);

export function invalid(problems: FieldProblem[]): ApiError {
  const message = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  return new ApiError(400, 'invalid_input', message, problems);
}

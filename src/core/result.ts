/** Expected failures are returned as values, not thrown: a field-level problem with its value. */
export interface FieldProblem {
  field: string;
  value: unknown;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; problem: FieldProblem };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T>(field: string, value: unknown, message: string): Result<T> => ({
  ok: false,
  problem: { field, value, message },
});

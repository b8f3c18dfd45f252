import { ApiError, type ErrorCode } from "@latchkey/core";

/** Expected outcomes of a use-case are values; only the HTTP layer turns failures into errors. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export const fail = <T = never>(
  code: ErrorCode,
  msg?: string,
  extra?: Record<string, unknown>,
): Result<T> => ({
  ok: false,
  error: new ApiError(code, msg, extra),
});

export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw result.error;
  return result.value;
}

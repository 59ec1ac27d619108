// Validators return a value, never throw: ok with the message, or a typed
// ProtocolError saying which rule broke where.

import { ProtocolError, type ProtocolErrorOptions } from "../errors.js";
import type { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";

export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ProtocolError };

/** Throws a ProtocolError inside a validator; `validated` turns it into a result. */
export function reject(
  reason: ErrorReason,
  message: string,
  options: ProtocolErrorOptions = {},
): never {
  throw new ProtocolError(reason, message, options);
}

/**
 * Runs a checking function and returns its verdict as a result. Rule
 * failures are ProtocolErrors; anything else thrown (a bug) becomes an
 * UNSPECIFIED ProtocolError with the original as cause, so callers only
 * ever see typed values.
 */
export function validated<T>(value: T, check: (value: T) => void): ValidationResult<T> {
  try {
    check(value);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: ProtocolError.from(err) };
  }
}

/** Unwraps a result, throwing its ProtocolError; for hosts that prefer exceptions. */
export function unwrap<T>(result: ValidationResult<T>): T {
  if (result.ok) return result.value;
  throw result.error;
}

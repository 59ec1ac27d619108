// Field-level checks shared by every validator. Each throws a ProtocolError
// (via reject) naming the dotted field path; `validated` catches it.
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import { Resource, type StreamId } from "../gen/tidemark/sync/v1/records_pb.js";
import { FINGERPRINT_BYTES, ID_BYTES, MIN_PROTOCOL_VERSION } from "../limits.js";
import type { ValidationContext } from "./context.js";
import { reject } from "./result.js";

/** An id field: exactly 16 bytes. */
export function checkId(id: Uint8Array, field: string, stream?: StreamId): void {
  if (id.length !== ID_BYTES) {
    reject(ErrorReason.INVALID_ID, `${field} must be ${ID_BYTES} bytes, got ${id.length}`, {
      field,
      limit: ID_BYTES,
      actual: id.length,
      ...(stream === undefined ? {} : { stream }),
    });
  }
}

/** The library id a request names must be the receiver's. */
export function checkLibrary(libraryId: Uint8Array, expected: Uint8Array): void {
  checkId(libraryId, "library_id");
  if (!bytesEqual(libraryId, expected)) {
    reject(ErrorReason.LIBRARY_MISMATCH, "library_id names another library", {
      field: "library_id",
    });
  }
}

/** A stream id: 16-byte origin and a specified resource. */
export function checkStreamId(stream: StreamId | undefined, field: string): StreamId {
  if (stream === undefined) reject(ErrorReason.MISSING_FIELD, `${field} is required`, { field });
  checkId(stream.origin, `${field}.origin`, stream);
  if (stream.resource === Resource.UNSPECIFIED) {
    reject(ErrorReason.MISSING_FIELD, `${field}.resource is required`, {
      field: `${field}.resource`,
      stream,
    });
  }
  return stream;
}

/** A cursor-like uint64 that is absent or >= 1 ("no cursor" is never 0). */
export function checkOptionalSeq(
  value: bigint | undefined,
  field: string,
  stream?: StreamId,
): void {
  if (value === 0n) {
    reject(ErrorReason.MALFORMED, `${field} must be absent or >= 1, never 0`, {
      field,
      actual: 0,
      ...(stream === undefined ? {} : { stream }),
    });
  }
}

/** With a previous cursor in the context, a cursor below it (or absent) is a regression. */
export function checkNoRegression(
  cursor: bigint | undefined,
  field: string,
  ctx: ValidationContext,
  stream: StreamId | undefined,
): void {
  if (ctx.previousCursor === undefined || stream === undefined) return;
  const previous = ctx.previousCursor(stream);
  if (previous === undefined) return;
  if (cursor === undefined || cursor < previous) {
    reject(ErrorReason.CURSOR_REGRESSION, `${field} went back below ${previous}`, {
      field,
      stream,
      limit: previous,
      ...(cursor === undefined ? {} : { actual: cursor }),
    });
  }
}

/** A 16-byte fingerprint. */
export function checkFingerprint(fp: Uint8Array, field: string, stream?: StreamId): void {
  if (fp.length !== FINGERPRINT_BYTES) {
    reject(ErrorReason.MALFORMED, `${field} must be ${FINGERPRINT_BYTES} bytes, got ${fp.length}`, {
      field,
      limit: FINGERPRINT_BYTES,
      actual: fp.length,
      ...(stream === undefined ? {} : { stream }),
    });
  }
}

/** A count bound: `count` items at most `max`. */
export function checkCount(
  count: number,
  max: number,
  field: string,
  reason: ErrorReason = ErrorReason.MESSAGE_TOO_LARGE,
): void {
  if (count > max) {
    reject(reason, `${field} has ${count} items, limit ${max}`, {
      field,
      limit: max,
      actual: count,
    });
  }
}

/** A string bound in UTF-8 bytes. */
export function checkString(value: string, max: number, field: string): void {
  const bytes = utf8Length(value);
  if (bytes > max) {
    reject(ErrorReason.MESSAGE_TOO_LARGE, `${field} is ${bytes} UTF-8 bytes, limit ${max}`, {
      field,
      limit: max,
      actual: bytes,
    });
  }
}

/**
 * A protocol version: set, not below the oldest we speak and, when `max` is
 * given, not above it (a caller may offer more than we speak; a responder
 * may not answer more than it was offered).
 */
export function checkProtocolVersion(
  version: number,
  field: string,
  max: number = Number.POSITIVE_INFINITY,
): void {
  if (version === 0) reject(ErrorReason.MISSING_FIELD, `${field} is required`, { field });
  if (version < MIN_PROTOCOL_VERSION || version > max) {
    reject(ErrorReason.PROTOCOL_VERSION_UNSUPPORTED, `${field} ${version} is not supported`, {
      field,
      limit: version < MIN_PROTOCOL_VERSION ? MIN_PROTOCOL_VERSION : max,
      actual: version,
    });
  }
}

/** Rejects a second occurrence of the same stream in one list. */
export function duplicateStreamGuard(): (stream: StreamId, field: string) => void {
  const seen = new Set<string>();
  return (stream, field) => {
    const key = streamKey(stream);
    if (seen.has(key)) {
      reject(ErrorReason.MALFORMED, `${field} repeats a stream already listed`, { field, stream });
    }
    seen.add(key);
  };
}

/** A stable string key for a stream: origin hex + ":" + resource number. */
export function streamKey(stream: StreamId): string {
  return `${toHex(stream.origin)}:${stream.resource}`;
}

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic byte comparison: negative, zero or positive. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** UTF-8 length of a JS string, counting a lone surrogate as the 3-byte U+FFFD it encodes to. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

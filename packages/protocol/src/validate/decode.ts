// decodeRequest: hostile bytes in, a message or a typed error out.
import { type DescMessage, fromBinary, type MessageShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { ProtocolError } from "../errors.js";
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import { MAX_MESSAGE_BYTES } from "../limits.js";
import type { ValidationResult } from "./result.js";

export interface DecodeOptions {
  /** Defaults to MAX_MESSAGE_BYTES; a smaller bound is allowed, a larger one is not protocol v1. */
  readonly maxBytes?: number;
}

/**
 * Decodes a binary message of `schema`. Bytes over the size bound are
 * refused before any parsing (ResourceExhausted, MESSAGE_TOO_LARGE); any
 * decoder failure (truncation, bad wire type, invalid UTF-8 in a string,
 * overlong varint, recursion) becomes InvalidArgument, MALFORMED. Works for
 * responses too. Unknown fields are kept (forward compatibility).
 */
export function decodeRequest<Desc extends DescMessage>(
  schema: Desc,
  bytes: Uint8Array,
  options: DecodeOptions = {},
): ValidationResult<MessageShape<Desc>> {
  const max = options.maxBytes ?? MAX_MESSAGE_BYTES;
  if (bytes.length > max) {
    const error = new ProtocolError(
      ErrorReason.MESSAGE_TOO_LARGE,
      `${schema.typeName} is ${bytes.length} bytes, limit ${max}`,
      { limit: max, actual: bytes.length },
    );
    return { ok: false, error };
  }
  try {
    return { ok: true, value: fromBinary(schema, bytes) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const error = new ProtocolError(
      ErrorReason.MALFORMED,
      `cannot decode ${schema.typeName}: ${message}`,
      { code: Code.InvalidArgument, cause: err },
    );
    return { ok: false, error };
  }
}

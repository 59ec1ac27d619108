// One typed error for every protocol failure: a Connect Code (closed set)
// refined by the proto ErrorReason, carried on the wire as an ErrorDetail
// (docs/PROTOCOL.md §10). The connect-es ConnectError pattern, one level up.

import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type ErrorDetail,
  ErrorDetailSchema,
  ErrorReason,
} from "./gen/tidemark/sync/v1/errors_pb.js";
import type { StreamId } from "./gen/tidemark/sync/v1/records_pb.js";
import { REFUSED_RETRY_MAX_MIN_MS, REFUSED_RETRY_MIN_MS } from "./limits.js";

/**
 * The Connect code each reason maps to unless a caller overrides it. The
 * table in docs/PROTOCOL.md §10 states the same mapping; a test pins that
 * they agree.
 */
export const DEFAULT_CODE: Readonly<Record<ErrorReason, Code>> = {
  [ErrorReason.UNSPECIFIED]: Code.Internal,
  [ErrorReason.LIBRARY_MISMATCH]: Code.PermissionDenied,
  [ErrorReason.PROTOCOL_VERSION_UNSUPPORTED]: Code.FailedPrecondition,
  [ErrorReason.MISSING_FIELD]: Code.InvalidArgument,
  [ErrorReason.INVALID_ID]: Code.InvalidArgument,
  [ErrorReason.MESSAGE_TOO_LARGE]: Code.ResourceExhausted,
  [ErrorReason.PAGE_TOO_LARGE]: Code.ResourceExhausted,
  [ErrorReason.CURSOR_REGRESSION]: Code.FailedPrecondition,
  [ErrorReason.HLC_TOO_FAR_AHEAD]: Code.FailedPrecondition,
  [ErrorReason.BELOW_HORIZON]: Code.FailedPrecondition,
  [ErrorReason.SEQ_OUT_OF_ORDER]: Code.InvalidArgument,
  [ErrorReason.BODY_MISMATCH]: Code.InvalidArgument,
  [ErrorReason.UNKNOWN_PEER]: Code.FailedPrecondition,
  [ErrorReason.ORIGIN_REWIND]: Code.FailedPrecondition,
  [ErrorReason.NOT_ORIGIN]: Code.InvalidArgument,
  [ErrorReason.BUFFER_FULL]: Code.ResourceExhausted,
  [ErrorReason.MALFORMED]: Code.InvalidArgument,
  [ErrorReason.RATE_LIMITED]: Code.ResourceExhausted,
  [ErrorReason.UNAUTHENTICATED]: Code.Unauthenticated,
  [ErrorReason.DEVICE_MISMATCH]: Code.PermissionDenied,
  [ErrorReason.NOT_PAIRED]: Code.PermissionDenied,
  [ErrorReason.FORGED_ORIGIN]: Code.PermissionDenied,
  [ErrorReason.BAD_SIGNATURE]: Code.PermissionDenied,
};

export interface ProtocolErrorOptions {
  /** Dotted path of the offending field, e.g. "batches[2].changes[0].seq". */
  readonly field?: string;
  /** The bound or expected value the message broke. */
  readonly limit?: bigint | number;
  /** The value the message carried. */
  readonly actual?: bigint | number;
  /** The stream concerned. */
  readonly stream?: StreamId;
  /** Overrides DEFAULT_CODE[reason]. */
  readonly code?: Code;
  readonly cause?: unknown;
}

const toBig = (v: bigint | number | undefined): bigint | undefined =>
  v === undefined ? undefined : BigInt(v);

/** A protocol failure with a Connect code, a reason and where it happened. */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  readonly code: Code;
  readonly reason: ErrorReason;
  /** The message without the "[reason]" prefix. */
  readonly rawMessage: string;
  readonly field: string;
  readonly limit: bigint | undefined;
  readonly actual: bigint | undefined;
  readonly stream: StreamId | undefined;

  constructor(reason: ErrorReason, message: string, options: ProtocolErrorOptions = {}) {
    super(`[${ErrorReason[reason] ?? reason}] ${message}`, { cause: options.cause });
    this.reason = reason;
    this.code = options.code ?? DEFAULT_CODE[reason] ?? Code.Internal;
    this.rawMessage = message;
    this.field = options.field ?? "";
    this.limit = toBig(options.limit);
    this.actual = toBig(options.actual);
    this.stream = options.stream;
  }

  /** The ErrorDetail proto this error carries on the wire. */
  toDetail(): ErrorDetail {
    return create(ErrorDetailSchema, {
      reason: this.reason,
      field: this.field,
      ...(this.stream === undefined ? {} : { stream: this.stream }),
      ...(this.limit === undefined ? {} : { limit: this.limit }),
      ...(this.actual === undefined ? {} : { actual: this.actual }),
    });
  }

  /** A ConnectError with the same code and message and an ErrorDetail attached. */
  toConnectError(): ConnectError {
    return new ConnectError(
      this.rawMessage,
      this.code,
      undefined,
      [{ desc: ErrorDetailSchema, value: this.toDetail() }],
      this.cause,
    );
  }

  /**
   * Reads a ConnectError back: the reason, field, limit and actual come from
   * its ErrorDetail; without one (a non-Tidemark peer, a transport failure)
   * the reason is UNSPECIFIED and the code is kept.
   */
  static fromConnectError(err: ConnectError): ProtocolError {
    const detail = err.findDetails(ErrorDetailSchema)[0];
    if (detail === undefined) {
      return new ProtocolError(ErrorReason.UNSPECIFIED, err.rawMessage, {
        code: err.code,
        cause: err,
      });
    }
    return new ProtocolError(detail.reason, err.rawMessage, {
      code: err.code,
      field: detail.field,
      ...(detail.limit === undefined ? {} : { limit: detail.limit }),
      ...(detail.actual === undefined ? {} : { actual: detail.actual }),
      ...(detail.stream === undefined ? {} : { stream: detail.stream }),
      cause: err,
    });
  }

  /**
   * Normalises anything thrown: ProtocolErrors pass through, ConnectErrors
   * are read with fromConnectError, anything else becomes UNSPECIFIED with
   * the given code (Internal by default) and the original as cause.
   */
  static from(reason: unknown, code: Code = Code.Internal): ProtocolError {
    if (isProtocolError(reason)) return reason;
    if (reason instanceof ConnectError) return ProtocolError.fromConnectError(reason);
    const message = reason instanceof Error ? reason.message : String(reason);
    return new ProtocolError(ErrorReason.UNSPECIFIED, message, { code, cause: reason });
  }
}

/** Type guard by name, so it holds across duplicated module copies. */
export function isProtocolError(value: unknown): value is ProtocolError {
  return (
    value instanceof Error && value.name === "ProtocolError" && "reason" in value && "code" in value
  );
}

/** Codes that refuse a request for what it is (ER-3), unlike transport failures (ER-2). */
export const REFUSAL_CODES: ReadonlySet<Code> = new Set([
  Code.InvalidArgument,
  Code.PermissionDenied,
  Code.FailedPrecondition,
]);

/**
 * ER-3: the least wait before the `n`-th consecutive unchanged repeat
 * (n ≥ 1) of a refused request: min(REFUSED_RETRY_MIN_MS × 2^(n−1), REFUSED_RETRY_MAX_MIN_MS).
 */
export function refusedRetryFloorMs(n: number): number {
  if (n <= 0) return 0;
  return Math.min(REFUSED_RETRY_MAX_MIN_MS, REFUSED_RETRY_MIN_MS * 2 ** Math.min(n - 1, 52));
}

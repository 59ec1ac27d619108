// The engine's closed set of error codes, one error class, and from() to
// normalise anything thrown (the connect-es ConnectError pattern).

/** Every way the engine refuses work. There are no user-defined codes. */
export enum EngineErrorCode {
  /** A chain's prev_seq is ahead of the cursor: a gap to pull first. */
  Gap = "gap",
  /** A change's seq is not consecutive inside a chain or page. */
  SeqOutOfOrder = "seq-out-of-order",
  /** A change for a device-owned stream whose origin is not the writer. */
  NotOrigin = "not-origin",
  /**
   * A change claims an origin that did not write it: a row another origin
   * owns (a forged tombstone), an origin key that does not derive to the
   * stream's origin.
   */
  ForgedOrigin = "forged-origin",
  /** A change without a valid signature of its stream's origin. */
  BadSignature = "bad-signature",
  /** The replica's device id is not the one its signing key derives. */
  KeyMismatch = "key-mismatch",
  /** A change body does not match the stream's resource. */
  BodyMismatch = "body-mismatch",
  /** A pull tried to finish below a seq already applied. */
  CursorRegression = "cursor-regression",
  /**
   * A peer holds seqs of our own streams beyond our confirmed head. Kept in
   * the closed set (ORIGIN_REWIND on the wire); local writes are no longer
   * refused for it (PROTOCOL §3.7).
   */
  OriginRewind = "origin-rewind",
  /** A remote HLC is more than maxOffset ahead of our clock. */
  HlcTooFarAhead = "hlc-too-far-ahead",
  /** The HLC counter would wrap within one millisecond. */
  HlcOverflow = "hlc-overflow",
  /** The dependency buffer or a pending buffer hit its bound. */
  BufferFull = "buffer-full",
  /** A request is below the responder's tombstone horizon. */
  BelowHorizon = "below-horizon",
  /** Stored state contradicts itself (corruption or a bug). */
  Corrupt = "corrupt",
  /** Malformed input: missing fields, bad ids, bad sizes. */
  Invalid = "invalid",
  /** A peer call failed (transport, timeout, remote error). */
  Unavailable = "unavailable",
  /** Anything not covered above; carries the original cause. */
  Internal = "internal",
}

export class EngineError extends Error {
  override readonly name = "EngineError";
  readonly code: EngineErrorCode;
  readonly details: Readonly<Record<string, string | number | bigint | boolean | undefined>>;

  constructor(
    code: EngineErrorCode,
    message: string,
    details: Readonly<Record<string, string | number | bigint | boolean | undefined>> = {},
    options?: { cause?: unknown },
  ) {
    super(`[${code}] ${message}`, options);
    this.code = code;
    this.details = details;
  }

  /** Wraps anything thrown as an EngineError; passes EngineErrors through. */
  static from(reason: unknown, code: EngineErrorCode = EngineErrorCode.Internal): EngineError {
    if (isEngineError(reason)) return reason;
    const message = reason instanceof Error ? reason.message : String(reason);
    return new EngineError(code, message, {}, { cause: reason });
  }
}

/** Type guard by name, so it works across duplicated module copies. */
export function isEngineError(value: unknown): value is EngineError {
  return value instanceof Error && value.name === "EngineError" && "code" in value;
}

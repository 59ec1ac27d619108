// One mapping from the engine's error codes to the wire's ErrorReason (and
// through DEFAULT_CODE to the Connect code), so a peer refusing our call
// learns why in the terms of PROTOCOL.md §10.
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorReason, ProtocolError } from "@tidemark/protocol";
import { type EngineError, EngineErrorCode } from "../errors.js";

/**
 * The reason each engine code is sent with. The record type makes a new
 * EngineErrorCode a compile error until it is mapped here.
 */
export const ENGINE_ERROR_REASON: Readonly<Record<EngineErrorCode, ErrorReason>> = {
  // A chain that does not continue the cursor is out of order for this receiver.
  [EngineErrorCode.Gap]: ErrorReason.SEQ_OUT_OF_ORDER,
  [EngineErrorCode.SeqOutOfOrder]: ErrorReason.SEQ_OUT_OF_ORDER,
  [EngineErrorCode.NotOrigin]: ErrorReason.NOT_ORIGIN,
  [EngineErrorCode.ForgedOrigin]: ErrorReason.FORGED_ORIGIN,
  [EngineErrorCode.BadSignature]: ErrorReason.BAD_SIGNATURE,
  // Our own configuration's fault, never the caller's.
  [EngineErrorCode.KeyMismatch]: ErrorReason.UNSPECIFIED,
  [EngineErrorCode.BodyMismatch]: ErrorReason.BODY_MISMATCH,
  [EngineErrorCode.CursorRegression]: ErrorReason.CURSOR_REGRESSION,
  [EngineErrorCode.OriginRewind]: ErrorReason.ORIGIN_REWIND,
  [EngineErrorCode.HlcTooFarAhead]: ErrorReason.HLC_TOO_FAR_AHEAD,
  // Our own clock's trouble, not the caller's: retry later.
  [EngineErrorCode.HlcOverflow]: ErrorReason.UNSPECIFIED,
  [EngineErrorCode.BufferFull]: ErrorReason.BUFFER_FULL,
  [EngineErrorCode.BelowHorizon]: ErrorReason.BELOW_HORIZON,
  [EngineErrorCode.Corrupt]: ErrorReason.UNSPECIFIED,
  // Refined to MISSING_FIELD when the error says a field is absent (details.missing).
  [EngineErrorCode.Invalid]: ErrorReason.MALFORMED,
  [EngineErrorCode.Unavailable]: ErrorReason.UNSPECIFIED,
  [EngineErrorCode.Internal]: ErrorReason.UNSPECIFIED,
};

/** The ErrorReason an engine error is sent with (see ENGINE_ERROR_REASON). */
export function engineErrorReason(err: EngineError): ErrorReason {
  if (err.code === EngineErrorCode.Invalid && err.details.missing === true) {
    return ErrorReason.MISSING_FIELD;
  }
  return ENGINE_ERROR_REASON[err.code] ?? ErrorReason.UNSPECIFIED;
}

/**
 * The ConnectError a handler answers with for an engine error: the mapped
 * reason with its DEFAULT_CODE and an ErrorDetail (field from
 * details.field). `unavailable` is a transport-like failure: Connect
 * `unavailable` with no detail (PROTOCOL.md §10), so the caller retries.
 */
export function engineErrorToConnect(err: EngineError): ConnectError {
  if (err.code === EngineErrorCode.Unavailable) {
    return new ConnectError(err.message, Code.Unavailable, undefined, undefined, err);
  }
  const field = typeof err.details.field === "string" ? err.details.field : undefined;
  return new ProtocolError(engineErrorReason(err), err.message, {
    ...(field === undefined ? {} : { field }),
    cause: err,
  }).toConnectError();
}

// Engine errors leave the service with the ErrorReason PROTOCOL.md §10 names
// for them and that reason's Connect code, never as a bare UNSPECIFIED.
import { Code, ConnectError } from "@connectrpc/connect";
import { DEFAULT_CODE, ErrorReason, ProtocolError } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { EngineError, EngineErrorCode } from "../errors.js";
import { ENGINE_ERROR_REASON, engineErrorToConnect } from "./error-reason.js";

const expected: Record<EngineErrorCode, ErrorReason> = {
  [EngineErrorCode.Gap]: ErrorReason.SEQ_OUT_OF_ORDER,
  [EngineErrorCode.SeqOutOfOrder]: ErrorReason.SEQ_OUT_OF_ORDER,
  [EngineErrorCode.NotOrigin]: ErrorReason.NOT_ORIGIN,
  [EngineErrorCode.ForgedOrigin]: ErrorReason.FORGED_ORIGIN,
  [EngineErrorCode.BadSignature]: ErrorReason.BAD_SIGNATURE,
  [EngineErrorCode.KeyMismatch]: ErrorReason.UNSPECIFIED,
  [EngineErrorCode.BodyMismatch]: ErrorReason.BODY_MISMATCH,
  [EngineErrorCode.CursorRegression]: ErrorReason.CURSOR_REGRESSION,
  [EngineErrorCode.OriginRewind]: ErrorReason.ORIGIN_REWIND,
  [EngineErrorCode.HlcTooFarAhead]: ErrorReason.HLC_TOO_FAR_AHEAD,
  [EngineErrorCode.HlcOverflow]: ErrorReason.UNSPECIFIED,
  [EngineErrorCode.BufferFull]: ErrorReason.BUFFER_FULL,
  [EngineErrorCode.BelowHorizon]: ErrorReason.BELOW_HORIZON,
  [EngineErrorCode.Corrupt]: ErrorReason.UNSPECIFIED,
  [EngineErrorCode.Invalid]: ErrorReason.MALFORMED,
  [EngineErrorCode.Unavailable]: ErrorReason.UNSPECIFIED,
  [EngineErrorCode.Internal]: ErrorReason.UNSPECIFIED,
};

describe("engine error -> wire error", () => {
  test("every engine code maps to its ErrorReason", () => {
    expect(ENGINE_ERROR_REASON).toEqual(expected);
  });

  test.each(Object.values(EngineErrorCode).filter((c) => c !== EngineErrorCode.Unavailable))(
    "%s leaves with its reason, that reason's Connect code and the field",
    (code) => {
      const err = engineErrorToConnect(new EngineError(code, "refused", { field: "changes[0]" }));
      const back = ProtocolError.fromConnectError(err);
      expect(ErrorReason[back.reason]).toBe(ErrorReason[expected[code]]);
      expect(err.code).toBe(DEFAULT_CODE[expected[code]]);
      expect(back.field).toBe("changes[0]");
    },
  );

  test("an invalid error that names a missing field leaves as MISSING_FIELD", () => {
    const err = engineErrorToConnect(
      new EngineError(EngineErrorCode.Invalid, "stream missing", {
        field: "stream",
        missing: true,
      }),
    );
    expect(ProtocolError.fromConnectError(err).reason).toBe(ErrorReason.MISSING_FIELD);
    expect(err.code).toBe(Code.InvalidArgument);
  });

  test("unavailable leaves as a retryable Connect unavailable with no detail", () => {
    const err = engineErrorToConnect(new EngineError(EngineErrorCode.Unavailable, "busy"));
    expect(err).toBeInstanceOf(ConnectError);
    expect(err.code).toBe(Code.Unavailable);
    expect(ProtocolError.fromConnectError(err).reason).toBe(ErrorReason.UNSPECIFIED);
  });

  test("the codes the brief names get the reasons PROTOCOL.md documents", () => {
    const pairs: [EngineErrorCode, ErrorReason, Code][] = [
      [EngineErrorCode.OriginRewind, ErrorReason.ORIGIN_REWIND, Code.FailedPrecondition],
      [EngineErrorCode.BufferFull, ErrorReason.BUFFER_FULL, Code.ResourceExhausted],
      [EngineErrorCode.HlcTooFarAhead, ErrorReason.HLC_TOO_FAR_AHEAD, Code.FailedPrecondition],
      [EngineErrorCode.BelowHorizon, ErrorReason.BELOW_HORIZON, Code.FailedPrecondition],
      [EngineErrorCode.NotOrigin, ErrorReason.NOT_ORIGIN, Code.InvalidArgument],
      [EngineErrorCode.CursorRegression, ErrorReason.CURSOR_REGRESSION, Code.FailedPrecondition],
    ];
    for (const [code, reason, connect] of pairs) {
      const err = engineErrorToConnect(new EngineError(code, "x"));
      expect(ProtocolError.fromConnectError(err).reason).toBe(reason);
      expect(err.code).toBe(connect);
    }
  });
});

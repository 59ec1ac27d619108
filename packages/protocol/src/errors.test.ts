import { toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_CODE,
  isProtocolError,
  ProtocolError,
  REFUSAL_CODES,
  refusedRetryFloorMs,
} from "./errors.js";
import { ErrorDetailSchema, ErrorReason } from "./gen/tidemark/sync/v1/errors_pb.js";
import { Resource } from "./gen/tidemark/sync/v1/records_pb.js";
import { stream } from "./validate/test-helpers.js";

describe("ProtocolError", () => {
  it("maps every reason to a Connect code", () => {
    const reasons = Object.values(ErrorReason).filter((v) => typeof v === "number");
    for (const reason of reasons) expect(DEFAULT_CODE[reason as ErrorReason]).toBeTypeOf("number");
    expect(new ProtocolError(ErrorReason.MESSAGE_TOO_LARGE, "x").code).toBe(Code.ResourceExhausted);
  });

  it("survives toConnectError and back with reason, field, limit, actual and stream", () => {
    const s = stream(Resource.TAG);
    const e = new ProtocolError(ErrorReason.SEQ_OUT_OF_ORDER, "seq is 7, expected 6", {
      field: "batches[0].changes[1].seq",
      limit: 6n,
      actual: 7,
      stream: s,
    });
    const ce = e.toConnectError();
    expect(ce.code).toBe(Code.InvalidArgument);
    expect(ce.rawMessage).toBe("seq is 7, expected 6");
    const back = ProtocolError.fromConnectError(ce);
    expect(back.reason).toBe(ErrorReason.SEQ_OUT_OF_ORDER);
    expect(back.field).toBe("batches[0].changes[1].seq");
    expect(back.limit).toBe(6n);
    expect(back.actual).toBe(7n);
    expect(back.stream?.resource).toBe(Resource.TAG);
    expect(back.code).toBe(Code.InvalidArgument);
  });

  it("reads the detail back from the wire form (binary detail, as a client receives it)", () => {
    const e = new ProtocolError(ErrorReason.LIBRARY_MISMATCH, "other library", {
      field: "library_id",
    });
    // What connect-es builds from a received error: details as {type, value bytes}.
    const wire = new ConnectError("other library", Code.PermissionDenied);
    wire.details.push({
      type: ErrorDetailSchema.typeName,
      value: toBinary(ErrorDetailSchema, e.toDetail()),
    });
    const back = ProtocolError.from(wire);
    expect(back.reason).toBe(ErrorReason.LIBRARY_MISMATCH);
    expect(back.field).toBe("library_id");
    expect(back.code).toBe(Code.PermissionDenied);
  });

  it("from() keeps ProtocolErrors, reads ConnectErrors without detail, wraps anything else", () => {
    const e = new ProtocolError(ErrorReason.BUFFER_FULL, "full");
    expect(ProtocolError.from(e)).toBe(e);
    const plain = ProtocolError.from(new ConnectError("down", Code.Unavailable));
    expect(plain.reason).toBe(ErrorReason.UNSPECIFIED);
    expect(plain.code).toBe(Code.Unavailable);
    const other = ProtocolError.from("boom");
    expect(other.code).toBe(Code.Internal);
    expect(other.cause).toBe("boom");
    expect(other.message).toContain("boom");
  });

  it("is recognised by name, not only by instanceof", () => {
    const e = new ProtocolError(ErrorReason.MALFORMED, "x");
    expect(isProtocolError(e)).toBe(true);
    expect(isProtocolError(new Error("x"))).toBe(false);
    const lookalike = Object.assign(new Error("x"), { name: "ProtocolError", reason: 1, code: 3 });
    expect(isProtocolError(lookalike)).toBe(true);
    expect(e.message).toBe("[MALFORMED] x");
  });
});

describe("ER-3 repeats of a refused request", () => {
  it("waits 500 ms before the first repeat, doubling up to 30 s, never less after that", () => {
    expect([1, 2, 3, 4, 7, 8, 9, 1000].map(refusedRetryFloorMs)).toEqual([
      500, 1000, 2000, 4000, 30_000, 30_000, 30_000, 30_000,
    ]);
    expect(refusedRetryFloorMs(0)).toBe(0);
  });

  it("covers the refusing codes, not transport failures or exhausted resources", () => {
    expect([...REFUSAL_CODES].sort()).toEqual(
      [Code.InvalidArgument, Code.PermissionDenied, Code.FailedPrecondition].sort(),
    );
    expect(REFUSAL_CODES.has(Code.Unavailable)).toBe(false);
    expect(REFUSAL_CODES.has(Code.ResourceExhausted)).toBe(false);
  });
});

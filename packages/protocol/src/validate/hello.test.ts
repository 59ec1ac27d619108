import { create } from "@bufbuild/protobuf";
import { describe, it } from "vitest";
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import {
  type HelloRequest,
  HelloRequestSchema,
  type HelloResponse,
  HelloResponseSchema,
} from "../gen/tidemark/sync/v1/sync_pb.js";
import { MAX_CAPABILITIES, MAX_CAPABILITY_BYTES, MAX_DEVICE_NAME_BYTES } from "../limits.js";
import { validateHelloRequest, validateHelloResponse } from "./hello.js";
import { DEV, expectOk, expectReject, LIB } from "./test-helpers.js";

const ctx = { libraryId: LIB };
const baseReq = create(HelloRequestSchema, { libraryId: LIB, deviceId: DEV, protocolVersion: 1 });
const req = (o: Partial<HelloRequest> = {}): HelloRequest => ({ ...baseReq, ...o });
const baseRes = create(HelloResponseSchema, { libraryId: LIB, deviceId: DEV, protocolVersion: 1 });
const res = (o: Partial<HelloResponse> = {}): HelloResponse => ({ ...baseRes, ...o });

describe("validateHelloRequest", () => {
  it("accepts a caller that offers a newer version (we answer with ours)", () => {
    expectOk(validateHelloRequest(req({ protocolVersion: 7 }), ctx));
  });
  it("rejects another library and a malformed library id", () => {
    expectReject(
      validateHelloRequest(req({ libraryId: new Uint8Array(16) }), ctx),
      ErrorReason.LIBRARY_MISMATCH,
      "library_id",
    );
    expectReject(
      validateHelloRequest(req({ libraryId: new Uint8Array(8) }), ctx),
      ErrorReason.INVALID_ID,
      "library_id",
    );
  });
  it("rejects a device id that is not 16 bytes", () => {
    expectReject(
      validateHelloRequest(req({ deviceId: new Uint8Array(17) }), ctx),
      ErrorReason.INVALID_ID,
      "device_id",
    );
  });
  it("rejects a missing protocol version", () => {
    expectReject(
      validateHelloRequest(req({ protocolVersion: 0 }), ctx),
      ErrorReason.MISSING_FIELD,
      "protocol_version",
    );
  });
  it("rejects too many or too long capabilities and a long device name", () => {
    const many = Array.from({ length: MAX_CAPABILITIES + 1 }, (_, i) => `c${i}`);
    expectReject(
      validateHelloRequest(req({ capabilities: many }), ctx),
      ErrorReason.MESSAGE_TOO_LARGE,
      "capabilities",
    );
    const long = ["x".repeat(MAX_CAPABILITY_BYTES + 1)];
    expectReject(
      validateHelloRequest(req({ capabilities: long }), ctx),
      ErrorReason.MESSAGE_TOO_LARGE,
      "capabilities[0]",
    );
    const name = "n".repeat(MAX_DEVICE_NAME_BYTES + 1);
    expectReject(
      validateHelloRequest(req({ deviceName: name }), ctx),
      ErrorReason.MESSAGE_TOO_LARGE,
      "device_name",
    );
  });
});

describe("validateHelloResponse", () => {
  it("accepts our version", () => expectOk(validateHelloResponse(res(), ctx)));
  it("rejects a version above what we offered", () => {
    expectReject(
      validateHelloResponse(res({ protocolVersion: 2 }), ctx),
      ErrorReason.PROTOCOL_VERSION_UNSUPPORTED,
      "protocol_version",
    );
    expectOk(validateHelloResponse(res({ protocolVersion: 1 }), { ...ctx, offeredVersion: 2 }));
  });
  it("rejects a missing version, another library and a bad device id", () => {
    expectReject(
      validateHelloResponse(res({ protocolVersion: 0 }), ctx),
      ErrorReason.MISSING_FIELD,
    );
    expectReject(validateHelloResponse(res({ libraryId: DEV }), ctx), ErrorReason.LIBRARY_MISMATCH);
    expectReject(
      validateHelloResponse(res({ deviceId: new Uint8Array(0) }), ctx),
      ErrorReason.INVALID_ID,
    );
  });
});

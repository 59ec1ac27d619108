import { create } from "@bufbuild/protobuf";
import { describe, it } from "vitest";
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import { Resource, StreamWatermarkSchema } from "../gen/tidemark/sync/v1/records_pb.js";
import {
  ExchangeWatermarksRequestSchema,
  ExchangeWatermarksResponseSchema,
  NotifyDataAvailableRequestSchema,
} from "../gen/tidemark/sync/v1/sync_pb.js";
import { MAX_STREAMS_PER_MESSAGE } from "../limits.js";
import {
  validateExchangeWatermarksRequest,
  validateExchangeWatermarksResponse,
} from "./exchange-watermarks.js";
import { validateNotifyDataAvailableRequest } from "./notify-data-available.js";
import { DEV, expectOk, expectReject, LIB, stream } from "./test-helpers.js";

const ctx = { libraryId: LIB };
const wm = (resource: Resource, cursor?: bigint) =>
  create(StreamWatermarkSchema, {
    stream: stream(resource),
    fingerprint: new Uint8Array(16),
    ...(cursor === undefined ? {} : { cursor }),
  });
const req = (watermarks = [wm(Resource.ENTRY, 4n)], libraryId = LIB, deviceId = DEV) =>
  create(ExchangeWatermarksRequestSchema, { libraryId, deviceId, watermarks });

describe("validateExchangeWatermarksRequest", () => {
  it("accepts distinct streams", () => {
    expectOk(
      validateExchangeWatermarksRequest(req([wm(Resource.ENTRY, 4n), wm(Resource.TAG)]), ctx),
    );
  });
  it("rejects another library and a bad device id", () => {
    expectReject(
      validateExchangeWatermarksRequest(req(undefined, DEV), ctx),
      ErrorReason.LIBRARY_MISMATCH,
    );
    expectReject(
      validateExchangeWatermarksRequest(req(undefined, LIB, new Uint8Array(2)), ctx),
      ErrorReason.INVALID_ID,
      "device_id",
    );
  });
  it("rejects a stream listed twice", () => {
    const r = req([wm(Resource.ENTRY, 4n), wm(Resource.ENTRY, 5n)]);
    expectReject(
      validateExchangeWatermarksRequest(r, ctx),
      ErrorReason.MALFORMED,
      "watermarks[1].stream",
    );
  });
  it("rejects an invalid watermark with its index in the path", () => {
    expectReject(
      validateExchangeWatermarksRequest(req([wm(Resource.TAG), wm(Resource.ENTRY, 0n)]), ctx),
      ErrorReason.MALFORMED,
      "watermarks[1].cursor",
    );
  });
  it("rejects more than MAX_STREAMS_PER_MESSAGE watermarks", () => {
    const many = Array.from({ length: MAX_STREAMS_PER_MESSAGE + 1 }, () => wm(Resource.ENTRY));
    expectReject(
      validateExchangeWatermarksRequest(req(many), ctx),
      ErrorReason.MESSAGE_TOO_LARGE,
      "watermarks",
    );
  });
  it("rejects a cursor regression when the context knows the previous cursor", () => {
    expectReject(
      validateExchangeWatermarksRequest(req(), { ...ctx, previousCursor: () => 5n }),
      ErrorReason.CURSOR_REGRESSION,
    );
  });
});

describe("validateExchangeWatermarksResponse", () => {
  it("accepts a valid reply and rejects a bad device id or duplicate streams", () => {
    const ok = create(ExchangeWatermarksResponseSchema, {
      deviceId: DEV,
      watermarks: [wm(Resource.TAG)],
    });
    expectOk(validateExchangeWatermarksResponse(ok));
    expectReject(
      validateExchangeWatermarksResponse({ ...ok, deviceId: new Uint8Array(0) }),
      ErrorReason.INVALID_ID,
    );
    expectReject(
      validateExchangeWatermarksResponse({
        ...ok,
        watermarks: [wm(Resource.TAG), wm(Resource.TAG)],
      }),
      ErrorReason.MALFORMED,
    );
  });
});

describe("validateNotifyDataAvailableRequest", () => {
  const notice = (watermarks = [wm(Resource.ENTRY, 9n)], libraryId = LIB) =>
    create(NotifyDataAvailableRequestSchema, { libraryId, deviceId: DEV, watermarks });
  it("accepts a notice naming new cursors", () =>
    expectOk(validateNotifyDataAvailableRequest(notice(), ctx)));
  it("rejects a watermark without a cursor", () => {
    expectReject(
      validateNotifyDataAvailableRequest(notice([wm(Resource.ENTRY)]), ctx),
      ErrorReason.MISSING_FIELD,
      "watermarks[0].cursor",
    );
  });
  it("rejects another library, duplicates and a bad device id", () => {
    expectReject(
      validateNotifyDataAvailableRequest(notice(undefined, DEV), ctx),
      ErrorReason.LIBRARY_MISMATCH,
    );
    expectReject(
      validateNotifyDataAvailableRequest(notice([wm(Resource.TAG, 1n), wm(Resource.TAG, 2n)]), ctx),
      ErrorReason.MALFORMED,
    );
    expectReject(
      validateNotifyDataAvailableRequest({ ...notice(), deviceId: LIB.subarray(1) }, ctx),
      ErrorReason.INVALID_ID,
    );
  });
});

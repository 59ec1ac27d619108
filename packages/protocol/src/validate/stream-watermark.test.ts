import { create } from "@bufbuild/protobuf";
import { describe, it } from "vitest";
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import { type StreamWatermark, StreamWatermarkSchema } from "../gen/tidemark/sync/v1/records_pb.js";
import { validateStreamWatermark } from "./stream-watermark.js";
import { expectOk, expectReject, stream } from "./test-helpers.js";

const fp = new Uint8Array(16).fill(9);
const base = create(StreamWatermarkSchema, {
  stream: stream(),
  cursor: 10n,
  liveCount: 3n,
  fingerprint: fp,
});
const wm = (o: Partial<StreamWatermark> = {}): StreamWatermark => ({ ...base, ...o });

describe("validateStreamWatermark", () => {
  it("accepts a watermark with and without a cursor", () => {
    expectOk(validateStreamWatermark(wm()));
    expectOk(
      validateStreamWatermark(
        create(StreamWatermarkSchema, { stream: stream(), fingerprint: new Uint8Array(16) }),
      ),
    );
  });

  it("rejects a missing stream and a stream with a bad origin", () => {
    expectReject(
      validateStreamWatermark(create(StreamWatermarkSchema, { fingerprint: fp })),
      ErrorReason.MISSING_FIELD,
      "stream",
    );
    expectReject(
      validateStreamWatermark(wm({ stream: stream(undefined, new Uint8Array(4)) })),
      ErrorReason.INVALID_ID,
      "stream.origin",
    );
  });

  it("rejects cursor 0 (no cursor is absent, never 0)", () => {
    expectReject(validateStreamWatermark(wm({ cursor: 0n })), ErrorReason.MALFORMED, "cursor");
  });

  it("rejects horizon 0, a horizon above the cursor, and a horizon without a cursor", () => {
    expectReject(
      validateStreamWatermark(wm({ tombstoneHorizon: 0n })),
      ErrorReason.MALFORMED,
      "tombstone_horizon",
    );
    expectReject(
      validateStreamWatermark(wm({ tombstoneHorizon: 11n })),
      ErrorReason.MALFORMED,
      "tombstone_horizon",
    );
    const noCursor = create(StreamWatermarkSchema, {
      stream: stream(),
      fingerprint: new Uint8Array(16),
      tombstoneHorizon: 2n,
    });
    expectReject(validateStreamWatermark(noCursor), ErrorReason.MALFORMED, "tombstone_horizon");
    expectOk(validateStreamWatermark(wm({ tombstoneHorizon: 10n })));
  });

  it("rejects a fingerprint that is not 16 bytes", () => {
    expectReject(
      validateStreamWatermark(wm({ fingerprint: new Uint8Array(15) })),
      ErrorReason.MALFORMED,
      "fingerprint",
    );
  });

  it("rejects a non-zero fingerprint for an empty stream", () => {
    expectReject(
      validateStreamWatermark(wm({ liveCount: 0n })),
      ErrorReason.MALFORMED,
      "fingerprint",
    );
  });

  it("rejects a cursor regression when the context knows the previous cursor", () => {
    const previousCursor = () => 11n;
    expectReject(
      validateStreamWatermark(wm(), { previousCursor }),
      ErrorReason.CURSOR_REGRESSION,
      "cursor",
    );
    const lost = create(StreamWatermarkSchema, {
      stream: stream(),
      fingerprint: new Uint8Array(16),
    });
    expectReject(validateStreamWatermark(lost, { previousCursor }), ErrorReason.CURSOR_REGRESSION);
    expectOk(validateStreamWatermark(wm(), { previousCursor: () => 10n }));
    expectOk(validateStreamWatermark(wm(), { previousCursor: () => undefined }));
  });
});

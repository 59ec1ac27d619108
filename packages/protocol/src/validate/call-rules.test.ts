import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import { StreamWatermarkSchema } from "../gen/tidemark/sync/v1/records_pb.js";
import {
  BackfillRequestSchema,
  BackfillResponseSchema,
  BackfillStreamSchema,
  HelloRequestSchema,
  HelloResponseSchema,
  NotifyDataAvailableRequestSchema,
  PageStatus,
} from "../gen/tidemark/sync/v1/sync_pb.js";
import { answerJudge, callSchemas, validateRequestOf } from "./call-rules.js";
import { DEV, entryChange, expectReject, LIB, stream } from "./test-helpers.js";

const ctx = { libraryId: LIB };
const id = (n: number) => new Uint8Array(16).fill(n);

describe("the rules of a call by RPC name", () => {
  it("names each RPC's request and answer types", () => {
    expect(callSchemas("Backfill")?.output).toBe(BackfillResponseSchema);
    expect(callSchemas("Hello")?.input).toBe(HelloRequestSchema);
    expect(callSchemas("LibraryInfo")).toBeUndefined();
  });

  it("validates a request by its type, and leaves other messages alone", () => {
    const notice = create(NotifyDataAvailableRequestSchema, {
      libraryId: LIB,
      deviceId: DEV,
      watermarks: [create(StreamWatermarkSchema, { stream: stream(), fingerprint: id(0) })],
    });
    const result = validateRequestOf(notice, ctx);
    if (result === undefined) throw new Error("not judged");
    expectReject(result, ErrorReason.MISSING_FIELD, "watermarks[0].cursor");
    expect(validateRequestOf(create(HelloResponseSchema), ctx)).toBeUndefined();
  });

  it("judges Backfill pages in turn: a page may not go back below what the call delivered", () => {
    const request = create(BackfillRequestSchema, {
      libraryId: LIB,
      deviceId: DEV,
      streams: [create(BackfillStreamSchema, { stream: stream(), afterSeq: 10n })],
    });
    const judge = answerJudge("Backfill", request, ctx);
    const first = create(BackfillResponseSchema, {
      stream: stream(),
      status: PageStatus.OK,
      changes: [entryChange(12n, id(1)), entryChange(15n, id(2))],
      completeThrough: 15n,
    });
    const again = create(BackfillResponseSchema, { ...first, changes: [entryChange(14n, id(3))] });
    expect(judge(first)?.ok).toBe(true);
    expect(judge(again)?.ok).toBe(false);
    // The same page alone, in a call of its own, is fine.
    expect(answerJudge("Backfill", request, ctx)(again)?.ok).toBe(true);
  });

  it("judges a Hello answer against the version the request offered", () => {
    const offered = create(HelloRequestSchema, {
      libraryId: LIB,
      deviceId: DEV,
      protocolVersion: 1,
    });
    const answer = create(HelloResponseSchema, {
      libraryId: LIB,
      deviceId: id(5),
      protocolVersion: 2,
    });
    const result = answerJudge("Hello", offered, ctx)(answer);
    expect(result?.ok).toBe(false);
    expect(answerJudge("Hello", offered, ctx)({ ...answer, protocolVersion: 1 })?.ok).toBe(true);
  });
});

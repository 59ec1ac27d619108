import { create } from "@bufbuild/protobuf";
import { describe, it } from "vitest";
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import { Resource } from "../gen/tidemark/sync/v1/records_pb.js";
import {
  AckStatus,
  type PushChangesRequest,
  PushChangesRequestSchema,
  PushChangesResponseSchema,
  StreamAckSchema,
  type StreamBatch,
  StreamBatchSchema,
} from "../gen/tidemark/sync/v1/sync_pb.js";
import { HLC_MAX_OFFSET_MS, MAX_BATCHES_PER_PUSH, MAX_CHANGES_PER_PUSH } from "../limits.js";
import { validatePushChangesRequest, validatePushChangesResponse } from "./push-changes.js";
import {
  DEV,
  entryChange,
  expectOk,
  expectReject,
  LIB,
  NOW_MS,
  ROW,
  stream,
  tagChange,
} from "./test-helpers.js";

const ctx = { libraryId: LIB, nowMs: NOW_MS };
const batch = (seqs: bigint[], prevSeq?: bigint, resource = Resource.ENTRY): StreamBatch =>
  create(StreamBatchSchema, {
    stream: stream(resource),
    changes: seqs.map((s) => (resource === Resource.TAG ? tagChange(s) : entryChange(s))),
    ...(prevSeq === undefined ? {} : { prevSeq }),
  });
const push = (batches: StreamBatch[], o: Partial<PushChangesRequest> = {}): PushChangesRequest => ({
  ...create(PushChangesRequestSchema, { libraryId: LIB, deviceId: DEV, batches }),
  ...o,
});

describe("validatePushChangesRequest", () => {
  it("accepts consecutive batches, from seq 1 without prev_seq", () => {
    expectOk(
      validatePushChangesRequest(push([batch([1n, 2n]), batch([5n], 4n, Resource.TAG)]), ctx),
    );
  });
  it("accepts a stream listed twice when the second batch continues the first", () => {
    expectOk(validatePushChangesRequest(push([batch([4n], 3n), batch([5n, 6n], 4n)]), ctx));
  });
  it("rejects another library and a bad device id", () => {
    expectReject(
      validatePushChangesRequest(push([batch([1n])], { libraryId: ROW }), ctx),
      ErrorReason.LIBRARY_MISMATCH,
    );
    expectReject(
      validatePushChangesRequest(push([batch([1n])], { deviceId: ROW.subarray(1) }), ctx),
      ErrorReason.INVALID_ID,
    );
  });
  it("rejects a batch of a stream the pushing device does not originate", () => {
    expectReject(
      validatePushChangesRequest(push([batch([1n])], { deviceId: ROW }), ctx),
      ErrorReason.NOT_ORIGIN,
      "batches[0].stream.origin",
    );
  });
  it("rejects a batch without a stream, an empty batch and prev_seq 0", () => {
    const noStream = create(StreamBatchSchema, { changes: [entryChange(1n)] });
    expectReject(
      validatePushChangesRequest(push([noStream]), ctx),
      ErrorReason.MISSING_FIELD,
      "batches[0].stream",
    );
    expectReject(
      validatePushChangesRequest(push([batch([], 3n)]), ctx),
      ErrorReason.MISSING_FIELD,
      "changes",
    );
    expectReject(
      validatePushChangesRequest(push([batch([1n], 0n)]), ctx),
      ErrorReason.MALFORMED,
      "prev_seq",
    );
  });
  it("rejects a first change that does not follow prev_seq, and a chain with a hole", () => {
    expectReject(
      validatePushChangesRequest(push([batch([6n], 4n)]), ctx),
      ErrorReason.SEQ_OUT_OF_ORDER,
      "changes[0].seq",
    );
    expectReject(
      validatePushChangesRequest(push([batch([2n])]), ctx),
      ErrorReason.SEQ_OUT_OF_ORDER,
      "changes[0].seq",
    );
    expectReject(
      validatePushChangesRequest(push([batch([5n, 7n], 4n)]), ctx),
      ErrorReason.SEQ_OUT_OF_ORDER,
      "changes[1].seq",
    );
  });
  it("rejects a repeated stream whose batch does not continue the earlier one", () => {
    expectReject(
      validatePushChangesRequest(push([batch([4n], 3n), batch([6n], 5n)]), ctx),
      ErrorReason.SEQ_OUT_OF_ORDER,
      "batches[1].prev_seq",
    );
  });
  it("rejects an invalid change, and an HLC beyond the max offset", () => {
    expectReject(
      validatePushChangesRequest(push([batch([1n], undefined, Resource.TAG)]), {
        libraryId: LIB,
        nowMs: NOW_MS - HLC_MAX_OFFSET_MS - 1,
      }),
      ErrorReason.HLC_TOO_FAR_AHEAD,
      "batches[0].changes[0].hlc",
    );
    const bad = create(StreamBatchSchema, { stream: stream(), changes: [tagChange(1n)] });
    expectReject(validatePushChangesRequest(push([bad]), ctx), ErrorReason.BODY_MISMATCH);
  });
  it("rejects too many batches and too many changes", () => {
    const batches = Array.from({ length: MAX_BATCHES_PER_PUSH + 1 }, (_, i) =>
      batch([BigInt(i + 1)], i === 0 ? undefined : BigInt(i)),
    );
    expectReject(
      validatePushChangesRequest(push(batches), ctx),
      ErrorReason.MESSAGE_TOO_LARGE,
      "batches",
    );
    const seqs = Array.from({ length: MAX_CHANGES_PER_PUSH + 1 }, (_, i) => BigInt(i + 1));
    expectReject(
      validatePushChangesRequest(push([batch(seqs)]), ctx),
      ErrorReason.MESSAGE_TOO_LARGE,
      "changes",
    );
  });
});

describe("validatePushChangesResponse", () => {
  const request = push([batch([5n, 6n], 4n)]);
  const ack = (status: AckStatus, cursor?: bigint, resource = Resource.ENTRY) =>
    create(StreamAckSchema, {
      stream: stream(resource),
      status,
      ...(cursor === undefined ? {} : { cursor }),
    });
  const res = (...acks: ReturnType<typeof ack>[]) => create(PushChangesResponseSchema, { acks });

  it("accepts APPLIED at the batch's end, GAP below prev_seq, HELD and DROPPED", () => {
    expectOk(validatePushChangesResponse(res(ack(AckStatus.APPLIED, 6n)), { request }));
    expectOk(validatePushChangesResponse(res(ack(AckStatus.GAP, 2n)), { request }));
    expectOk(validatePushChangesResponse(res(ack(AckStatus.GAP)), { request }));
    expectOk(validatePushChangesResponse(res(ack(AckStatus.HELD, 1n)), { request }));
    expectOk(validatePushChangesResponse(res(ack(AckStatus.DROPPED)), { request }));
  });
  it("rejects an ack count that differs from the batch count", () => {
    expectReject(validatePushChangesResponse(res(), { request }), ErrorReason.MALFORMED, "acks");
  });
  it("rejects an ack for another stream, without status, or with cursor 0", () => {
    expectReject(
      validatePushChangesResponse(res(ack(AckStatus.APPLIED, 6n, Resource.TAG)), { request }),
      ErrorReason.MALFORMED,
      "acks[0].stream",
    );
    expectReject(
      validatePushChangesResponse(res(ack(AckStatus.UNSPECIFIED)), { request }),
      ErrorReason.MISSING_FIELD,
      "acks[0].status",
    );
    expectReject(
      validatePushChangesResponse(res(ack(AckStatus.HELD, 0n)), {}),
      ErrorReason.MALFORMED,
      "acks[0].cursor",
    );
    expectReject(
      validatePushChangesResponse(res(create(StreamAckSchema, { status: AckStatus.HELD })), {}),
      ErrorReason.MISSING_FIELD,
      "acks[0].stream",
    );
  });
  it("rejects APPLIED below the batch's last seq and GAP at or past prev_seq", () => {
    expectReject(
      validatePushChangesResponse(res(ack(AckStatus.APPLIED, 5n)), { request }),
      ErrorReason.MALFORMED,
      "acks[0].cursor",
    );
    expectReject(
      validatePushChangesResponse(res(ack(AckStatus.APPLIED)), { request }),
      ErrorReason.MALFORMED,
    );
    expectReject(
      validatePushChangesResponse(res(ack(AckStatus.GAP, 4n)), { request }),
      ErrorReason.MALFORMED,
      "acks[0].status",
    );
    const fromStart = push([batch([1n])]);
    expectReject(
      validatePushChangesResponse(res(ack(AckStatus.GAP)), { request: fromStart }),
      ErrorReason.MALFORMED,
    );
  });
  it("rejects a cursor regression when the context knows the previous cursor", () => {
    expectReject(
      validatePushChangesResponse(res(ack(AckStatus.HELD, 3n)), { previousCursor: () => 4n }),
      ErrorReason.CURSOR_REGRESSION,
      "acks[0].cursor",
    );
  });
  it("rejects more acks than batches allowed", () => {
    const acks = Array.from({ length: MAX_BATCHES_PER_PUSH + 1 }, () => ack(AckStatus.DROPPED));
    expectReject(validatePushChangesResponse(res(...acks)), ErrorReason.MESSAGE_TOO_LARGE, "acks");
  });
});

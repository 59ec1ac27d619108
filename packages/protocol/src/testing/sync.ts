// Arbitraries for every SyncService request and response. Each value
// passes its validator with ctx { libraryId: msg.libraryId, nowMs:
// NOW_AFTER_ARB_HLC_MS } (and, for responses, the request it answers).
import { create } from "@bufbuild/protobuf";
import fc from "fast-check";
import { ErrorDetailSchema, ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import type { StreamId } from "../gen/tidemark/sync/v1/records_pb.js";
import {
  AckStatus,
  type BackfillRequest,
  BackfillRequestSchema,
  type BackfillResponse,
  BackfillResponseSchema,
  BackfillStreamSchema,
  ExchangeWatermarksRequestSchema,
  ExchangeWatermarksResponseSchema,
  HelloRequestSchema,
  HelloResponseSchema,
  NotifyDataAvailableRequestSchema,
  NotifyDataAvailableResponseSchema,
  PageStatus,
  type PushChangesRequest,
  PushChangesRequestSchema,
  type PushChangesResponse,
  PushChangesResponseSchema,
  type ReconcileRequest,
  ReconcileRequestSchema,
  type ReconcileResponse,
  ReconcileResponseSchema,
  type StreamAck,
  StreamAckSchema,
  type StreamBatch,
  StreamBatchSchema,
} from "../gen/tidemark/sync/v1/sync_pb.js";
import { PROTOCOL_VERSION } from "../limits.js";
import { compareBytes } from "../validate/fields.js";
import { arbChainStart, arbId, arbSeq, arbText } from "./primitives.js";
import { arbRanges } from "./reconcile.js";
import { arbChange, arbStreamId, arbStreamWatermark, arbWatermarkList } from "./records.js";

const arbCaps = () => fc.array(arbText(8), { maxLength: 4 });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

export const arbHelloRequest = () =>
  fc
    .record({
      libraryId: arbId(),
      deviceId: arbId(),
      protocolVersion: fc.integer({ min: 1, max: 5 }),
      capabilities: arbCaps(),
      deviceName: arbText(),
    })
    .map((v) => create(HelloRequestSchema, v));

export const arbHelloResponse = () =>
  fc
    .record({
      libraryId: arbId(),
      deviceId: arbId(),
      protocolVersion: fc.constant(PROTOCOL_VERSION),
      capabilities: arbCaps(),
      deviceName: arbText(),
    })
    .map((v) => create(HelloResponseSchema, v));

export const arbExchangeWatermarksRequest = () =>
  fc
    .record({ libraryId: arbId(), deviceId: arbId(), watermarks: arbWatermarkList() })
    .map((v) => create(ExchangeWatermarksRequestSchema, v));

export const arbExchangeWatermarksResponse = () =>
  fc
    .record({ deviceId: arbId(), watermarks: arbWatermarkList() })
    .map((v) => create(ExchangeWatermarksResponseSchema, v));

export const arbNotifyDataAvailableRequest = () =>
  fc
    .record({
      libraryId: arbId(),
      deviceId: arbId(),
      watermarks: arbWatermarkList().map((ws) => ws.filter((w) => w.cursor !== undefined)),
    })
    .map((v) => create(NotifyDataAvailableRequestSchema, v));

export const arbNotifyDataAvailableResponse = () =>
  fc.constant(create(NotifyDataAvailableResponseSchema, {}));

// Low enough that a page of seqs after it never leaves uint64 (no filter needed).
const arbAfterSeq = () => fc.bigInt({ min: 1n, max: 2n ** 62n });

const streamSelector = (s: StreamId) => `${Array.from(s.origin).join(",")}:${s.resource}`;

export const arbBackfillStream = (stream?: StreamId) =>
  fc
    .record({ stream: stream ? fc.constant(stream) : arbStreamId(), afterSeq: opt(arbAfterSeq()) })
    .map(({ afterSeq, ...v }) =>
      create(BackfillStreamSchema, afterSeq === undefined ? v : { ...v, afterSeq }),
    );

export const arbBackfillRequest = (): fc.Arbitrary<BackfillRequest> =>
  fc
    .record({
      libraryId: arbId(),
      deviceId: arbId(),
      streams: fc
        .uniqueArray(arbStreamId(), { maxLength: 5, selector: streamSelector })
        .chain((ss) => fc.tuple(...ss.map((s) => arbBackfillStream(s)))),
      maxChangesPerPage: fc.constantFrom(0, 1, 10, 500, 5000),
      maxPageBytes: fc.constantFrom(0, 4096, 1024 * 1024),
    })
    .map((v) => create(BackfillRequestSchema, v));

/**
 * One page. With a request, it answers one of its streams within its
 * limits; without, any stream. OK pages carry ascending seqs (with holes)
 * above after_seq and up to complete_through.
 */
export function arbBackfillResponse(request?: BackfillRequest): fc.Arbitrary<BackfillResponse> {
  const requested = (request?.streams ?? []).flatMap((s) =>
    s.stream === undefined ? [] : [{ stream: s.stream, afterSeq: s.afterSeq }],
  );
  const asked =
    requested.length > 0
      ? fc.constantFrom(...requested)
      : fc.record({ stream: arbStreamId(), afterSeq: opt(arbAfterSeq()) });
  return asked.chain((bs) => {
    const stream = bs.stream;
    const after = bs.afterSeq ?? 0n;
    const max = Math.min(request?.maxChangesPerPage || 500, 4);
    return fc.oneof(
      fc
        .record({
          gaps: fc.array(fc.bigInt({ min: 1n, max: 3n }), { maxLength: max }),
          extra: fc.bigInt({ min: 0n, max: 5n }),
          done: fc.boolean(),
        })
        .chain(({ gaps, extra, done }) => {
          let seq = after;
          const seqs = gaps.map((g) => {
            seq += g;
            return seq;
          });
          const through = seq + extra === 0n ? 1n : seq + extra;
          return fc.tuple(...seqs.map((s) => arbChange(stream, s))).map((changes) =>
            create(BackfillResponseSchema, {
              stream,
              status: PageStatus.OK,
              changes,
              completeThrough: through,
              streamDone: done,
            }),
          );
        }),
      // Below the horizon only when the caller holds something (after_seq set).
      fc.bigInt({ min: 1n, max: 1000n }).map((d) =>
        bs.afterSeq === undefined
          ? create(BackfillResponseSchema, {
              stream,
              status: PageStatus.NOT_HELD,
              streamDone: true,
            })
          : create(BackfillResponseSchema, {
              stream,
              status: PageStatus.BELOW_HORIZON,
              tombstoneHorizon: after + d,
              streamDone: true,
            }),
      ),
      fc.constant(
        create(BackfillResponseSchema, { stream, status: PageStatus.NOT_HELD, streamDone: true }),
      ),
    );
  });
}

/** A consecutive batch of 1..n changes of `stream` after prev_seq (absent = from seq 1). */
export function arbStreamBatch(stream?: StreamId, maxChanges = 4): fc.Arbitrary<StreamBatch> {
  return fc
    .record({
      stream: stream ? fc.constant(stream) : arbStreamId(),
      start: arbChainStart(),
      n: fc.integer({ min: 1, max: maxChanges }),
    })
    .chain(({ stream: s, start, n }) =>
      fc
        .tuple(...Array.from({ length: n }, (_, i) => arbChange(s, start + BigInt(i) + 1n)))
        .map((changes) =>
          create(StreamBatchSchema, {
            stream: s,
            changes,
            ...(start === 0n ? {} : { prevSeq: start }),
          }),
        ),
    );
}

/** Batches of distinct streams, all originated by the pushing device. */
export const arbPushChangesRequest = (): fc.Arbitrary<PushChangesRequest> =>
  fc
    .record({
      libraryId: arbId(),
      deviceId: arbId(),
      resources: fc.uniqueArray(
        arbStreamId().map((s) => s.resource),
        { maxLength: 4 },
      ),
    })
    .chain(({ libraryId, deviceId, resources }) =>
      fc
        .tuple(...resources.map((resource) => arbStreamBatch({ ...streamOf(deviceId, resource) })))
        .map((batches) => create(PushChangesRequestSchema, { libraryId, deviceId, batches })),
    );

function streamOf(origin: Uint8Array, resource: StreamId["resource"]): StreamId {
  return { $typeName: "tidemark.sync.v1.StreamId", origin, resource };
}

/** Acks consistent with `request` (one per batch), or with random batches. */
export function arbPushChangesResponse(
  request?: PushChangesRequest,
): fc.Arbitrary<PushChangesResponse> {
  const batches = request
    ? fc.constant(request.batches)
    : arbPushChangesRequest().map((r) => r.batches);
  return batches.chain((bs) =>
    fc.tuple(...bs.map(arbAck)).map((acks) => create(PushChangesResponseSchema, { acks })),
  );
}

/** An ack consistent with `batch` (or with a random batch). */
export function arbStreamAck(batch?: StreamBatch): fc.Arbitrary<StreamAck> {
  return batch === undefined ? arbStreamBatch().chain(arbAck) : arbAck(batch);
}

function arbAck(batch: StreamBatch): fc.Arbitrary<StreamAck> {
  const last = batch.changes.at(-1)?.seq ?? 1n;
  const statuses = [AckStatus.APPLIED, AckStatus.HELD, AckStatus.DROPPED];
  if (batch.prevSeq !== undefined) statuses.push(AckStatus.GAP);
  return fc.constantFrom(...statuses).chain((status) => {
    const cursor =
      status === AckStatus.APPLIED
        ? fc.bigInt({ min: last, max: last + 3n }).map((c) => c as bigint | undefined)
        : status === AckStatus.GAP
          ? opt(fc.bigInt({ min: 1n, max: batch.prevSeq as bigint })).map((c) =>
              c === batch.prevSeq ? undefined : c,
            )
          : opt(arbSeq());
    return cursor.map((c) =>
      create(StreamAckSchema, {
        ...(batch.stream === undefined ? {} : { stream: batch.stream }),
        status,
        ...(c === undefined ? {} : { cursor: c }),
      }),
    );
  });
}

export const arbReconcileRequest = (): fc.Arbitrary<ReconcileRequest> =>
  fc
    .record({
      libraryId: arbId(),
      deviceId: arbId(),
      stream: arbStreamId(),
      ranges: arbRanges(),
      wantIds: fc.array(arbId(), { maxLength: 4 }),
    })
    .map((v) => create(ReconcileRequestSchema, v));

/**
 * A reply for `request` (or a random one): each wanted id answered once,
 * as a change (ascending by row id) or as a missing id. On a DEVICE stream
 * only the origin's own id can be a change.
 */
export function arbReconcileResponse(request?: ReconcileRequest): fc.Arbitrary<ReconcileResponse> {
  const req = request ? fc.constant(request) : arbReconcileRequest();
  return req.chain((r) => {
    const stream = r.stream ?? streamOf(new Uint8Array(16), 1);
    const wanted = uniqueSorted(r.wantIds);
    return fc
      .record({
        ranges: arbRanges(),
        held: fc.array(fc.boolean(), { minLength: wanted.length, maxLength: wanted.length }),
        cursor: opt(arbSeq()),
      })
      .chain(({ held, cursor, ranges }) => {
        const canHold = (id: Uint8Array, i: number) =>
          held[i] === true && (stream.resource !== 1 || sameBytes(id, stream.origin));
        const rowIds = wanted.filter(canHold);
        const missingIds = wanted.filter((id, i) => !canHold(id, i));
        return fc.tuple(...rowIds.map((id) => arbChange(stream, undefined, id))).map((changes) =>
          create(ReconcileResponseSchema, {
            ranges,
            changes,
            missingIds,
            ...(cursor === undefined ? {} : { cursor }),
          }),
        );
      });
  });
}

function uniqueSorted(ids: readonly Uint8Array[]): Uint8Array[] {
  const sorted = [...ids].sort(compareBytes);
  return sorted.filter((id, i) => i === 0 || !sameBytes(id, sorted[i - 1] as Uint8Array));
}

const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

export const arbErrorDetail = () =>
  fc
    .record({
      reason: fc.constantFrom(
        ...(Object.values(ErrorReason).filter((v) => typeof v === "number") as ErrorReason[]),
      ),
      stream: opt(arbStreamId()),
      field: arbText(),
      limit: opt(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
      actual: opt(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
    })
    .map(({ stream, limit, actual, ...v }) =>
      create(ErrorDetailSchema, {
        ...v,
        ...(stream === undefined ? {} : { stream }),
        ...(limit === undefined ? {} : { limit }),
        ...(actual === undefined ? {} : { actual }),
      }),
    );

export { arbStreamWatermark };

// validatePushChangesRequest / validatePushChangesResponse (PROTOCOL.md §8).
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import {
  AckStatus,
  type PushChangesRequest,
  type PushChangesResponse,
  type StreamBatch,
} from "../gen/tidemark/sync/v1/sync_pb.js";
import { MAX_BATCHES_PER_PUSH, MAX_CHANGES_PER_PUSH } from "../limits.js";
import { checkChange } from "./change.js";
import type { RequestContext, ValidationContext } from "./context.js";
import {
  bytesEqual,
  checkCount,
  checkId,
  checkLibrary,
  checkNoRegression,
  checkOptionalSeq,
  checkStreamId,
  streamKey,
} from "./fields.js";
import { reject, type ValidationResult, validated } from "./result.js";

/**
 * Our library; a 16-byte device id that is the origin of every batch's
 * stream; at most MAX_BATCHES_PER_PUSH batches and MAX_CHANGES_PER_PUSH
 * changes; each batch non-empty and consecutive (first seq = prev_seq + 1,
 * or 1 without prev_seq, then +1 each); a stream listed twice continues
 * exactly where its previous batch ended; every change valid.
 */
export function validatePushChangesRequest(
  req: PushChangesRequest,
  ctx: RequestContext,
): ValidationResult<PushChangesRequest> {
  return validated(req, (r) => {
    checkLibrary(r.libraryId, ctx.libraryId);
    checkId(r.deviceId, "device_id");
    checkCount(r.batches.length, MAX_BATCHES_PER_PUSH, "batches");
    const total = r.batches.reduce((n, b) => n + b.changes.length, 0);
    checkCount(total, MAX_CHANGES_PER_PUSH, "batches[*].changes");
    const lastSeq = new Map<string, bigint>();
    r.batches.forEach((b, i) => {
      checkBatch(b, `batches[${i}]`, r.deviceId, lastSeq, ctx);
    });
  });
}

function checkBatch(
  b: StreamBatch,
  field: string,
  deviceId: Uint8Array,
  lastSeq: Map<string, bigint>,
  ctx: ValidationContext,
): void {
  const stream = checkStreamId(b.stream, `${field}.stream`);
  if (!bytesEqual(stream.origin, deviceId)) {
    reject(ErrorReason.NOT_ORIGIN, `${field}.stream.origin is not the pushing device`, {
      field: `${field}.stream.origin`,
      stream,
    });
  }
  checkOptionalSeq(b.prevSeq, `${field}.prev_seq`, stream);
  if (b.changes.length === 0) {
    reject(ErrorReason.MISSING_FIELD, `${field}.changes is empty`, {
      field: `${field}.changes`,
      stream,
    });
  }
  const key = streamKey(stream);
  const before = lastSeq.get(key);
  if (before !== undefined && b.prevSeq !== before) {
    reject(ErrorReason.SEQ_OUT_OF_ORDER, `${field}.prev_seq does not continue the earlier batch`, {
      field: `${field}.prev_seq`,
      stream,
      limit: before,
      ...(b.prevSeq === undefined ? {} : { actual: b.prevSeq }),
    });
  }
  let expected = (b.prevSeq ?? 0n) + 1n;
  b.changes.forEach((c, j) => {
    const at = `${field}.changes[${j}]`;
    checkChange(c, stream, at, ctx);
    if (c.seq !== expected) {
      reject(ErrorReason.SEQ_OUT_OF_ORDER, `${at}.seq is ${c.seq}, expected ${expected}`, {
        field: `${at}.seq`,
        stream,
        limit: expected,
        actual: c.seq,
      });
    }
    expected += 1n;
  });
  lastSeq.set(key, expected - 1n);
}

export interface PushChangesResponseContext extends ValidationContext {
  /** The request answered: one ack per batch, same streams, same order. */
  readonly request?: PushChangesRequest;
}

/**
 * One ack per batch in request order (when the request is known), each
 * with a status and a cursor absent or >= 1; APPLIED names a cursor at or
 * past the batch's last seq; GAP a cursor below prev_seq; with a previous
 * cursor in the context, no ack's cursor falls below it.
 */
export function validatePushChangesResponse(
  res: PushChangesResponse,
  ctx: PushChangesResponseContext = {},
): ValidationResult<PushChangesResponse> {
  return validated(res, (r) => {
    checkCount(r.acks.length, MAX_BATCHES_PER_PUSH, "acks");
    const batches = ctx.request?.batches;
    if (batches !== undefined && batches.length !== r.acks.length) {
      reject(ErrorReason.MALFORMED, `${r.acks.length} acks for ${batches.length} batches`, {
        field: "acks",
        limit: batches.length,
        actual: r.acks.length,
      });
    }
    r.acks.forEach((a, i) => {
      const field = `acks[${i}]`;
      const stream = checkStreamId(a.stream, `${field}.stream`);
      checkOptionalSeq(a.cursor, `${field}.cursor`, stream);
      if (a.status === AckStatus.UNSPECIFIED) {
        reject(ErrorReason.MISSING_FIELD, `${field}.status is required`, {
          field: `${field}.status`,
          stream,
        });
      }
      const batch = batches?.[i];
      if (batch !== undefined) checkAckMatchesBatch(a, batch, field);
      checkNoRegression(a.cursor, `${field}.cursor`, ctx, stream);
    });
  });
}

function checkAckMatchesBatch(
  a: PushChangesResponse["acks"][number],
  batch: StreamBatch,
  field: string,
): void {
  const stream = a.stream;
  if (
    stream === undefined ||
    batch.stream === undefined ||
    streamKey(stream) !== streamKey(batch.stream)
  ) {
    reject(ErrorReason.MALFORMED, `${field}.stream is not the batch's stream`, {
      field: `${field}.stream`,
      ...(stream === undefined ? {} : { stream }),
    });
  }
  const lastSeq = batch.changes.at(-1)?.seq ?? batch.prevSeq ?? 0n;
  if (a.status === AckStatus.APPLIED && (a.cursor === undefined || a.cursor < lastSeq)) {
    reject(ErrorReason.MALFORMED, `${field} says APPLIED but cursor is below ${lastSeq}`, {
      field: `${field}.cursor`,
      stream,
      limit: lastSeq,
      ...(a.cursor === undefined ? {} : { actual: a.cursor }),
    });
  }
  // A gap needs a prev_seq the receiver's cursor has not reached.
  const prev = batch.prevSeq;
  if (
    a.status === AckStatus.GAP &&
    (prev === undefined || (a.cursor !== undefined && a.cursor >= prev))
  ) {
    reject(ErrorReason.MALFORMED, `${field} says GAP but the batch continues its cursor`, {
      field: `${field}.status`,
      stream,
      ...(prev === undefined ? {} : { limit: prev }),
      ...(a.cursor === undefined ? {} : { actual: a.cursor }),
    });
  }
}

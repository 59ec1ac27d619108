// validateChange: one Change of a known stream (docs/PROTOCOL.md §3.3).
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import { type Change, Resource, type StreamId } from "../gen/tidemark/sync/v1/records_pb.js";
import { HLC_COUNTER_BITS, HLC_MAX_OFFSET_MS } from "../limits.js";
import { bodyCaseOf, isSharedResource } from "../resources.js";
import type { ValidationContext } from "./context.js";
import { bytesEqual, checkId, checkStreamId } from "./fields.js";
import { checkRecordBody } from "./record.js";
import { reject, type ValidationResult, validated } from "./result.js";

export interface ChangeContext extends ValidationContext {
  /** The stream the change belongs to (from its batch, page or request). */
  readonly stream: StreamId;
}

/**
 * Validates one change against its stream: 16-byte row id, seq >= 1, a
 * body matching the stream's resource (or a tombstone), an HLC present iff
 * the resource is shared, never 0 and not beyond now + maxOffset, record
 * fields within limits. A DEVICE row's id is its origin.
 */
export function validateChange(change: Change, ctx: ChangeContext): ValidationResult<Change> {
  return validated(change, (c) => {
    checkStreamId(ctx.stream, "stream");
    checkChange(c, ctx.stream, "change", ctx);
  });
}

/** The throwing core of validateChange, for validators of messages that carry changes. */
export function checkChange(
  change: Change,
  stream: StreamId,
  field: string,
  ctx: ValidationContext,
): void {
  checkId(change.rowId, `${field}.row_id`, stream);
  if (change.seq < 1n) {
    reject(ErrorReason.MALFORMED, `${field}.seq must be >= 1`, {
      field: `${field}.seq`,
      actual: change.seq,
      stream,
    });
  }
  const expected = bodyCaseOf(stream.resource);
  if (expected === undefined) {
    reject(ErrorReason.MALFORMED, `stream resource ${stream.resource} is unknown`, {
      field: `${field}.body`,
      stream,
    });
  }
  checkRecordBody(change.body, field);
  if (change.body.case !== "tombstone" && change.body.case !== expected) {
    reject(
      ErrorReason.BODY_MISMATCH,
      `${field} carries ${change.body.case}, stream is ${expected}`,
      {
        field: `${field}.body`,
        stream,
      },
    );
  }
  if (stream.resource === Resource.DEVICE && !bytesEqual(change.rowId, stream.origin)) {
    reject(ErrorReason.BODY_MISMATCH, `${field}.row_id of a device row must be its origin`, {
      field: `${field}.row_id`,
      stream,
    });
  }
  checkHlc(change.hlc, isSharedResource(stream.resource), `${field}.hlc`, stream, ctx);
}

function checkHlc(
  hlc: bigint | undefined,
  shared: boolean,
  field: string,
  stream: StreamId,
  ctx: ValidationContext,
): void {
  if (!shared) {
    if (hlc !== undefined) {
      reject(ErrorReason.BODY_MISMATCH, `${field} must be absent for a device-owned resource`, {
        field,
        stream,
      });
    }
    return;
  }
  if (hlc === undefined) {
    reject(ErrorReason.MISSING_FIELD, `${field} is required for a shared resource`, {
      field,
      stream,
    });
  }
  if (hlc === 0n)
    reject(ErrorReason.MALFORMED, `${field} is never 0`, { field, stream, actual: 0 });
  if (ctx.nowMs === undefined) return;
  const ms = hlc >> BigInt(HLC_COUNTER_BITS);
  const limit = BigInt(Math.floor(ctx.nowMs)) + BigInt(ctx.maxOffsetMs ?? HLC_MAX_OFFSET_MS);
  if (ms > limit) {
    reject(ErrorReason.HLC_TOO_FAR_AHEAD, `${field} is ${ms - limit} ms beyond now + max offset`, {
      field,
      stream,
      limit,
      actual: ms,
    });
  }
}

// validateReconcileRequest / validateReconcileResponse (PROTOCOL.md §7).
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import type { StreamId } from "../gen/tidemark/sync/v1/records_pb.js";
import type { ReconcileRequest, ReconcileResponse } from "../gen/tidemark/sync/v1/sync_pb.js";
import { MAX_WANT_IDS } from "../limits.js";
import { checkChange } from "./change.js";
import type { RequestContext, ValidationContext } from "./context.js";
import {
  checkCount,
  checkId,
  checkLibrary,
  checkNoRegression,
  checkOptionalSeq,
  checkStreamId,
  compareBytes,
  toHex,
} from "./fields.js";
import { checkRanges } from "./ranges.js";
import { reject, type ValidationResult, validated } from "./result.js";

/**
 * Our library, a 16-byte device id, a stream, well-formed ranges (see
 * checkRanges) and at most MAX_WANT_IDS want_ids of 16 bytes each.
 */
export function validateReconcileRequest(
  req: ReconcileRequest,
  ctx: RequestContext,
): ValidationResult<ReconcileRequest> {
  return validated(req, (r) => {
    checkLibrary(r.libraryId, ctx.libraryId);
    checkId(r.deviceId, "device_id");
    const stream = checkStreamId(r.stream, "stream");
    checkRanges(r.ranges, "ranges", stream, "request");
    checkCount(r.wantIds.length, MAX_WANT_IDS, "want_ids");
    r.wantIds.forEach((id, i) => {
      checkId(id, `want_ids[${i}]`, stream);
    });
  });
}

export interface ReconcileResponseContext extends ValidationContext {
  /** The request answered: gives the stream the changes belong to. */
  readonly request: ReconcileRequest;
}

/**
 * Well-formed ranges; changes valid for the request's stream and strictly
 * ascending by row id; at most MAX_WANT_IDS changes plus missing ids, each
 * missing id 16 bytes; every wanted id answered exactly once, as a change
 * or a missing id, and nothing unwanted; cursor absent or >= 1 and, with a
 * previous cursor in the context, not below it.
 */
export function validateReconcileResponse(
  res: ReconcileResponse,
  ctx: ReconcileResponseContext,
): ValidationResult<ReconcileResponse> {
  return validated(res, (r) => {
    const stream = checkStreamId(ctx.request.stream, "request.stream");
    checkRanges(r.ranges, "ranges", stream, "reply");
    checkCount(r.changes.length + r.missingIds.length, MAX_WANT_IDS, "changes");
    r.changes.forEach((c, i) => {
      checkChange(c, stream, `changes[${i}]`, ctx);
      const prev = r.changes[i - 1];
      if (prev !== undefined && compareBytes(prev.rowId, c.rowId) >= 0) {
        reject(ErrorReason.MALFORMED, `changes[${i}].row_id is not ascending`, {
          field: `changes[${i}].row_id`,
          stream,
        });
      }
    });
    r.missingIds.forEach((id, i) => {
      checkId(id, `missing_ids[${i}]`, stream);
    });
    checkOptionalSeq(r.cursor, "cursor", stream);
    checkNoRegression(r.cursor, "cursor", ctx, stream);
    checkAnswersWanted(r, ctx.request.wantIds, stream);
  });
}

/** Every wanted id is answered once (change or missing id); nothing else is. */
function checkAnswersWanted(
  r: ReconcileResponse,
  wantIds: readonly Uint8Array[],
  stream: StreamId,
): void {
  const wanted = new Set(wantIds.map(toHex));
  const answered = new Set<string>();
  const answer = (id: Uint8Array, field: string) => {
    const key = toHex(id);
    if (!wanted.has(key) || answered.has(key)) {
      reject(ErrorReason.MALFORMED, `${field} was not wanted or is answered twice`, {
        field,
        stream,
      });
    }
    answered.add(key);
  };
  r.changes.forEach((c, i) => {
    answer(c.rowId, `changes[${i}].row_id`);
  });
  r.missingIds.forEach((id, i) => {
    answer(id, `missing_ids[${i}]`);
  });
  if (answered.size !== wanted.size) {
    reject(ErrorReason.MISSING_FIELD, "a wanted id is neither in changes nor in missing_ids", {
      field: "missing_ids",
      stream,
      limit: wanted.size,
      actual: answered.size,
    });
  }
}

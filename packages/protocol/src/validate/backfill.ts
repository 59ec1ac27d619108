// validateBackfillRequest / validateBackfillResponse (PROTOCOL.md §5).
import { toBinary } from "@bufbuild/protobuf";
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import { ChangeSchema, type StreamId } from "../gen/tidemark/sync/v1/records_pb.js";
import {
  type BackfillRequest,
  type BackfillResponse,
  BackfillResponseSchema,
  PageStatus,
} from "../gen/tidemark/sync/v1/sync_pb.js";
import {
  DEFAULT_CHANGES_PER_PAGE,
  DEFAULT_PAGE_BYTES,
  MAX_CHANGES_PER_PAGE,
  MAX_MESSAGE_BYTES,
  MAX_PAGE_BYTES,
  MAX_STREAMS_PER_MESSAGE,
} from "../limits.js";
import { checkChange } from "./change.js";
import type { RequestContext, ValidationContext } from "./context.js";
import {
  bytesEqual,
  checkCount,
  checkId,
  checkLibrary,
  checkOptionalSeq,
  checkStreamId,
  duplicateStreamGuard,
} from "./fields.js";
import { reject, type ValidationResult, validated } from "./result.js";

/**
 * Our library, a 16-byte device id, at most MAX_STREAMS_PER_MESSAGE
 * streams, each once, each after_seq absent or >= 1, and page bounds within
 * MAX_CHANGES_PER_PAGE / MAX_PAGE_BYTES (0 means the responder's default).
 */
export function validateBackfillRequest(
  req: BackfillRequest,
  ctx: RequestContext,
): ValidationResult<BackfillRequest> {
  return validated(req, (r) => {
    checkLibrary(r.libraryId, ctx.libraryId);
    checkId(r.deviceId, "device_id");
    checkCount(r.streams.length, MAX_STREAMS_PER_MESSAGE, "streams");
    const once = duplicateStreamGuard();
    r.streams.forEach((s, i) => {
      const stream = checkStreamId(s.stream, `streams[${i}].stream`);
      checkOptionalSeq(s.afterSeq, `streams[${i}].after_seq`, stream);
      once(stream, `streams[${i}].stream`);
    });
    checkCount(
      r.maxChangesPerPage,
      MAX_CHANGES_PER_PAGE,
      "max_changes_per_page",
      ErrorReason.PAGE_TOO_LARGE,
    );
    checkCount(r.maxPageBytes, MAX_PAGE_BYTES, "max_page_bytes", ErrorReason.PAGE_TOO_LARGE);
  });
}

export interface BackfillResponseContext extends ValidationContext {
  /** The request this page answers: the stream must be one it asked for. */
  readonly request?: BackfillRequest;
  // previousCursor (from ValidationContext) here means the highest seq the
  // caller already applied for the stream in this pull: every change must be
  // above it and complete_through must not be below it (DESIGN §3).
}

/**
 * One page: a requested stream, a status; with OK, changes valid and
 * strictly ascending above after_seq (and any seq already applied), none
 * above complete_through, which is required and not below what was applied;
 * at most the requested change count and change bytes (a single change may
 * exceed the byte budget; no page exceeds MAX_MESSAGE_BYTES). BELOW_HORIZON and
 * NOT_HELD carry no changes; BELOW_HORIZON names the horizon.
 */
export function validateBackfillResponse(
  res: BackfillResponse,
  ctx: BackfillResponseContext = {},
): ValidationResult<BackfillResponse> {
  return validated(res, (r) => {
    const stream = checkStreamId(r.stream, "stream");
    const asked = requestedStream(stream, ctx.request);
    checkOptionalSeq(r.completeThrough, "complete_through", stream);
    checkOptionalSeq(r.tombstoneHorizon, "tombstone_horizon", stream);
    switch (r.status) {
      case PageStatus.OK:
        return checkOkPage(r, stream, asked?.afterSeq, ctx);
      case PageStatus.BELOW_HORIZON:
        noChanges(r, stream);
        if (r.tombstoneHorizon === undefined) {
          reject(ErrorReason.MISSING_FIELD, "tombstone_horizon is required with BELOW_HORIZON", {
            field: "tombstone_horizon",
            stream,
          });
        }
        // Only a caller that holds something (after_seq set) can be below it.
        if (
          asked !== undefined &&
          (asked.afterSeq === undefined || asked.afterSeq >= r.tombstoneHorizon)
        ) {
          reject(ErrorReason.MALFORMED, "BELOW_HORIZON but after_seq is not below the horizon", {
            field: "status",
            stream,
            limit: r.tombstoneHorizon,
            ...(asked.afterSeq === undefined ? {} : { actual: asked.afterSeq }),
          });
        }
        return;
      case PageStatus.NOT_HELD:
        noChanges(r, stream);
        return;
      default:
        reject(ErrorReason.MISSING_FIELD, "status is required", { field: "status", stream });
    }
  });
}

function requestedStream(stream: StreamId, request: BackfillRequest | undefined) {
  if (request === undefined) return undefined;
  const asked = request.streams.find(
    (s) =>
      s.stream !== undefined &&
      s.stream.resource === stream.resource &&
      bytesEqual(s.stream.origin, stream.origin),
  );
  if (asked === undefined) {
    reject(ErrorReason.MALFORMED, "page for a stream that was not requested", {
      field: "stream",
      stream,
    });
  }
  return asked;
}

function noChanges(r: BackfillResponse, stream: StreamId): void {
  if (r.changes.length > 0) {
    reject(ErrorReason.MALFORMED, "only an OK page carries changes", { field: "changes", stream });
  }
}

function checkOkPage(
  r: BackfillResponse,
  stream: StreamId,
  afterSeq: bigint | undefined,
  ctx: BackfillResponseContext,
): void {
  const through = r.completeThrough;
  if (through === undefined) {
    reject(ErrorReason.MISSING_FIELD, "complete_through is required on an OK page", {
      field: "complete_through",
      stream,
    });
  }
  const applied = ctx.previousCursor?.(stream);
  const floor = maxOf(afterSeq, applied);
  if (floor !== undefined && through < floor) {
    reject(ErrorReason.CURSOR_REGRESSION, `complete_through ${through} is below ${floor}`, {
      field: "complete_through",
      stream,
      limit: floor,
      actual: through,
    });
  }
  const maxChanges = ctx.request?.maxChangesPerPage || DEFAULT_CHANGES_PER_PAGE;
  checkCount(r.changes.length, maxChanges, "changes", ErrorReason.PAGE_TOO_LARGE);
  let last = floor ?? 0n;
  r.changes.forEach((c, i) => {
    const field = `changes[${i}]`;
    checkChange(c, stream, field, ctx);
    if (c.seq <= last || c.seq > through) {
      reject(
        ErrorReason.SEQ_OUT_OF_ORDER,
        `${field}.seq ${c.seq} is not in (${last}, ${through}]`,
        {
          field: `${field}.seq`,
          stream,
          actual: c.seq,
        },
      );
    }
    last = c.seq;
  });
  checkPageBytes(r, stream, ctx.request?.maxPageBytes || DEFAULT_PAGE_BYTES);
}

// The byte budget covers the page's changes field as encoded (each change
// plus its 1-byte tag and length varint), not the page's few header bytes,
// so a responder can fill a page without encoding it twice.
function checkPageBytes(r: BackfillResponse, stream: StreamId, budget: number): void {
  let changeBytes = 0;
  for (const c of r.changes) {
    const n = toBinary(ChangeSchema, c).length;
    changeBytes += 1 + varintLength(n) + n;
  }
  if (r.changes.length > 1 && changeBytes > budget) {
    reject(ErrorReason.PAGE_TOO_LARGE, `page changes are ${changeBytes} bytes, budget ${budget}`, {
      field: "changes",
      stream,
      limit: budget,
      actual: changeBytes,
    });
  }
  const total = toBinary(BackfillResponseSchema, r).length;
  if (total > MAX_MESSAGE_BYTES) {
    reject(ErrorReason.MESSAGE_TOO_LARGE, `page is ${total} bytes, limit ${MAX_MESSAGE_BYTES}`, {
      field: "changes",
      stream,
      limit: MAX_MESSAGE_BYTES,
      actual: total,
    });
  }
}

function varintLength(n: number): number {
  let len = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 0x80)) len++;
  return len;
}

function maxOf(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}

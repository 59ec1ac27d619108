// validateExchangeWatermarksRequest / Response (PROTOCOL.md §4).

import type { StreamWatermark } from "../gen/tidemark/sync/v1/records_pb.js";
import type {
  ExchangeWatermarksRequest,
  ExchangeWatermarksResponse,
} from "../gen/tidemark/sync/v1/sync_pb.js";
import { MAX_STREAMS_PER_MESSAGE } from "../limits.js";
import type { RequestContext, ValidationContext } from "./context.js";
import { checkCount, checkId, checkLibrary, duplicateStreamGuard } from "./fields.js";
import { type ValidationResult, validated } from "./result.js";
import { checkStreamWatermark } from "./stream-watermark.js";

/** Our library, a 16-byte device id, and a well-formed watermark list with no stream twice. */
export function validateExchangeWatermarksRequest(
  req: ExchangeWatermarksRequest,
  ctx: RequestContext,
): ValidationResult<ExchangeWatermarksRequest> {
  return validated(req, (r) => {
    checkLibrary(r.libraryId, ctx.libraryId);
    checkId(r.deviceId, "device_id");
    checkWatermarkList(r.watermarks, ctx);
  });
}

/** A 16-byte device id and a well-formed watermark list with no stream twice. */
export function validateExchangeWatermarksResponse(
  res: ExchangeWatermarksResponse,
  ctx: ValidationContext = {},
): ValidationResult<ExchangeWatermarksResponse> {
  return validated(res, (r) => {
    checkId(r.deviceId, "device_id");
    checkWatermarkList(r.watermarks, ctx);
  });
}

/** Every watermark valid, at most MAX_STREAMS_PER_MESSAGE, each stream once. */
export function checkWatermarkList(list: readonly StreamWatermark[], ctx: ValidationContext): void {
  checkCount(list.length, MAX_STREAMS_PER_MESSAGE, "watermarks");
  const once = duplicateStreamGuard();
  list.forEach((w, i) => {
    checkStreamWatermark(w, `watermarks[${i}]`, ctx);
    if (w.stream !== undefined) once(w.stream, `watermarks[${i}].stream`);
  });
}

// validateNotifyDataAvailableRequest (PROTOCOL.md §9).
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import type { NotifyDataAvailableRequest } from "../gen/tidemark/sync/v1/sync_pb.js";
import type { RequestContext } from "./context.js";
import { checkWatermarkList } from "./exchange-watermarks.js";
import { checkId, checkLibrary } from "./fields.js";
import { reject, type ValidationResult, validated } from "./result.js";

/**
 * Our library, a 16-byte device id, and a watermark list like
 * ExchangeWatermarks' in which every watermark names the new cursor.
 */
export function validateNotifyDataAvailableRequest(
  req: NotifyDataAvailableRequest,
  ctx: RequestContext,
): ValidationResult<NotifyDataAvailableRequest> {
  return validated(req, (r) => {
    checkLibrary(r.libraryId, ctx.libraryId);
    checkId(r.deviceId, "device_id");
    checkWatermarkList(r.watermarks, ctx);
    r.watermarks.forEach((w, i) => {
      if (w.cursor === undefined) {
        reject(ErrorReason.MISSING_FIELD, `watermarks[${i}].cursor is required in a notice`, {
          field: `watermarks[${i}].cursor`,
          ...(w.stream === undefined ? {} : { stream: w.stream }),
        });
      }
    });
  });
}

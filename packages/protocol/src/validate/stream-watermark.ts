// validateStreamWatermark: one side's summary of one stream (PROTOCOL.md §4.1).
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import type { StreamWatermark } from "../gen/tidemark/sync/v1/records_pb.js";
import type { ValidationContext } from "./context.js";
import { checkFingerprint, checkNoRegression, checkOptionalSeq, checkStreamId } from "./fields.js";
import { reject, type ValidationResult, validated } from "./result.js";

/**
 * Validates a watermark: stream set, cursor and horizon absent or >= 1, a
 * horizon never above the cursor (a replica only prunes what it held), a
 * 16-byte fingerprint that is all zeros when live_count is 0, and, when the
 * context knows a previous cursor for the stream, no regression below it.
 */
export function validateStreamWatermark(
  watermark: StreamWatermark,
  ctx: ValidationContext = {},
): ValidationResult<StreamWatermark> {
  return validated(watermark, (w) => checkStreamWatermark(w, "watermark", ctx));
}

/** The throwing core of validateStreamWatermark. */
export function checkStreamWatermark(
  w: StreamWatermark,
  field: string,
  ctx: ValidationContext,
): void {
  const stream = checkStreamId(w.stream, `${field}.stream`);
  checkOptionalSeq(w.cursor, `${field}.cursor`, stream);
  checkOptionalSeq(w.tombstoneHorizon, `${field}.tombstone_horizon`, stream);
  if (
    w.tombstoneHorizon !== undefined &&
    (w.cursor === undefined || w.tombstoneHorizon > w.cursor)
  ) {
    reject(ErrorReason.MALFORMED, `${field}.tombstone_horizon is above the cursor`, {
      field: `${field}.tombstone_horizon`,
      stream,
      actual: w.tombstoneHorizon,
      ...(w.cursor === undefined ? {} : { limit: w.cursor }),
    });
  }
  checkFingerprint(w.fingerprint, `${field}.fingerprint`, stream);
  if (w.liveCount === 0n && w.fingerprint.some((b) => b !== 0)) {
    reject(ErrorReason.MALFORMED, `${field}.fingerprint of an empty stream must be all zeros`, {
      field: `${field}.fingerprint`,
      stream,
    });
  }
  checkNoRegression(w.cursor, `${field}.cursor`, ctx, w.stream);
}

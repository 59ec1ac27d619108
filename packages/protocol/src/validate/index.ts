export type { BackfillResponseContext } from "./backfill.js";
export { validateBackfillRequest, validateBackfillResponse } from "./backfill.js";
export type { AnswerJudge } from "./call-rules.js";
export { answerJudge, callSchemas, validateRequestOf } from "./call-rules.js";
export type { ChangeContext } from "./change.js";
export { validateChange } from "./change.js";
export type { RequestContext, ValidationContext } from "./context.js";
export type { DecodeOptions } from "./decode.js";
export { decodeRequest } from "./decode.js";
export {
  validateExchangeWatermarksRequest,
  validateExchangeWatermarksResponse,
} from "./exchange-watermarks.js";
export { compareBytes, streamKey, toHex, utf8Length } from "./fields.js";
export type { HelloResponseContext } from "./hello.js";
export { validateHelloRequest, validateHelloResponse } from "./hello.js";
export { validateNotifyDataAvailableRequest } from "./notify-data-available.js";
export type { PushChangesResponseContext } from "./push-changes.js";
export { validatePushChangesRequest, validatePushChangesResponse } from "./push-changes.js";
export { padBound } from "./ranges.js";
export type { ReconcileResponseContext } from "./reconcile.js";
export { validateReconcileRequest, validateReconcileResponse } from "./reconcile.js";
export type { ValidationResult } from "./result.js";
export { unwrap } from "./result.js";
export { validateStreamWatermark } from "./stream-watermark.js";

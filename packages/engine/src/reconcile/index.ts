export { compactBound, compareBounds } from "./bounds.js";
export { ReconcileInitiator } from "./initiator.js";
export { ReconcileSet, reconcileSetOf } from "./item-set.js";
export {
  type CodedOpening,
  DEFAULT_BRANCHING,
  DEFAULT_FRAME_SIZE_LIMIT,
  DEFAULT_LIST_THRESHOLD,
  MIN_FRAME_SIZE_LIMIT,
  type ReconcileOptions,
} from "./options.js";
export { rangeFingerprint } from "./range-fingerprint.js";
export { ReconcileResponder } from "./responder.js";
export { type ReconcileRunStats, runReconciliation } from "./run-local.js";
export { encodedRangeSize } from "./wire-size.js";

// Every protocol arbitrary (fast-check), by concern: primitives, records,
// reconcile ranges, SyncService messages. Generated values pass the
// validators (see each arbitrary's comment for the context it assumes).

export type { MessageArbitrary } from "./message-arbitraries.js";
export { MESSAGE_ARBITRARIES } from "./message-arbitraries.js";
export {
  arbChainStart,
  arbFingerprint,
  arbHlc,
  arbId,
  arbResource,
  arbSeq,
  arbSortedIds,
  arbText,
  NOW_AFTER_ARB_HLC_MS,
} from "./primitives.js";
export { arbItemList, arbItemListOf, arbRanges } from "./reconcile.js";
export {
  arbAnyChange,
  arbBody,
  arbChange,
  arbCollection,
  arbCollectionItem,
  arbDevice,
  arbEntry,
  arbLocation,
  arbStreamHead,
  arbStreamId,
  arbStreamWatermark,
  arbTag,
  arbTagAssignment,
  arbTombstone,
  arbVolume,
  arbWatermarkList,
} from "./records.js";
export {
  arbBackfillRequest,
  arbBackfillResponse,
  arbBackfillStream,
  arbErrorDetail,
  arbExchangeWatermarksRequest,
  arbExchangeWatermarksResponse,
  arbHelloRequest,
  arbHelloResponse,
  arbNotifyDataAvailableRequest,
  arbNotifyDataAvailableResponse,
  arbPushChangesRequest,
  arbPushChangesResponse,
  arbReconcileRequest,
  arbReconcileResponse,
  arbStreamAck,
  arbStreamBatch,
} from "./sync.js";

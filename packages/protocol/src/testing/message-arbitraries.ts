// One arbitrary per protocol message type, keyed by its full type name, so
// tests can walk every message of the descriptors and fail on a new one.
import type { DescMessage } from "@bufbuild/protobuf";
import fc from "fast-check";
import { ErrorDetailSchema } from "../gen/tidemark/sync/v1/errors_pb.js";
import {
  CodedSymbolsRequestSchema,
  CodedSymbolsSchema,
  ItemListSchema,
  ReconcileRangeSchema,
} from "../gen/tidemark/sync/v1/reconcile_pb.js";
import {
  ChangeSchema,
  CollectionItemSchema,
  CollectionSchema,
  DeviceSchema,
  EntrySchema,
  LocationSchema,
  StreamHeadSchema,
  StreamIdSchema,
  StreamWatermarkSchema,
  TagAssignmentSchema,
  TagSchema,
  TombstoneSchema,
  VolumeSchema,
} from "../gen/tidemark/sync/v1/records_pb.js";
import {
  BackfillRequestSchema,
  BackfillResponseSchema,
  BackfillStreamSchema,
  ExchangeWatermarksRequestSchema,
  ExchangeWatermarksResponseSchema,
  HelloRequestSchema,
  HelloResponseSchema,
  NotifyDataAvailableRequestSchema,
  NotifyDataAvailableResponseSchema,
  PushChangesRequestSchema,
  PushChangesResponseSchema,
  ReconcileRequestSchema,
  ReconcileResponseSchema,
  StreamAckSchema,
  StreamBatchSchema,
} from "../gen/tidemark/sync/v1/sync_pb.js";
import { arbCodedSymbols, arbCodedSymbolsRequest, arbItemList, arbRanges } from "./reconcile.js";
import {
  arbAnyChange,
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
} from "./records.js";
import {
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

export interface MessageArbitrary {
  readonly schema: DescMessage;
  readonly arb: fc.Arbitrary<unknown>;
}

const entry = (schema: DescMessage, arb: fc.Arbitrary<unknown>): [string, MessageArbitrary] => [
  schema.typeName,
  { schema, arb },
];

/** Every message type of tidemark.sync.v1 with an arbitrary of valid values. */
export const MESSAGE_ARBITRARIES: ReadonlyMap<string, MessageArbitrary> = new Map([
  entry(ErrorDetailSchema, arbErrorDetail()),
  entry(
    ReconcileRangeSchema,
    arbRanges(4)
      .filter((r) => r.length > 0)
      .chain((r) => fc.constantFrom(...r)),
  ),
  entry(ItemListSchema, arbItemList()),
  entry(CodedSymbolsRequestSchema, arbCodedSymbolsRequest()),
  entry(CodedSymbolsSchema, arbCodedSymbols()),
  entry(StreamIdSchema, arbStreamId()),
  entry(DeviceSchema, arbDevice()),
  entry(VolumeSchema, arbVolume()),
  entry(LocationSchema, arbLocation()),
  entry(EntrySchema, arbEntry()),
  entry(TagSchema, arbTag()),
  entry(CollectionSchema, arbCollection()),
  entry(TagAssignmentSchema, arbTagAssignment()),
  entry(CollectionItemSchema, arbCollectionItem()),
  entry(TombstoneSchema, arbTombstone()),
  entry(ChangeSchema, arbAnyChange()),
  entry(StreamWatermarkSchema, arbStreamWatermark()),
  entry(StreamHeadSchema, arbStreamHead()),
  entry(HelloRequestSchema, arbHelloRequest()),
  entry(HelloResponseSchema, arbHelloResponse()),
  entry(ExchangeWatermarksRequestSchema, arbExchangeWatermarksRequest()),
  entry(ExchangeWatermarksResponseSchema, arbExchangeWatermarksResponse()),
  entry(BackfillStreamSchema, arbBackfillStream()),
  entry(BackfillRequestSchema, arbBackfillRequest()),
  entry(BackfillResponseSchema, arbBackfillResponse()),
  entry(StreamBatchSchema, arbStreamBatch()),
  entry(PushChangesRequestSchema, arbPushChangesRequest()),
  entry(StreamAckSchema, arbStreamAck()),
  entry(PushChangesResponseSchema, arbPushChangesResponse()),
  entry(ReconcileRequestSchema, arbReconcileRequest()),
  entry(ReconcileResponseSchema, arbReconcileResponse()),
  entry(NotifyDataAvailableRequestSchema, arbNotifyDataAvailableRequest()),
  entry(NotifyDataAvailableResponseSchema, arbNotifyDataAvailableResponse()),
]);

// Arbitraries for records, changes, stream ids and watermarks. Every value
// passes the validators (given nowMs >= NOW_AFTER_ARB_HLC_MS).
import { create } from "@bufbuild/protobuf";
import fc from "fast-check";
import {
  type Change,
  ChangeSchema,
  CollectionItemSchema,
  CollectionSchema,
  DeviceSchema,
  EntryKind,
  EntrySchema,
  LocationSchema,
  Resource,
  type StreamHead,
  StreamHeadSchema,
  type StreamId,
  StreamIdSchema,
  type StreamWatermark,
  StreamWatermarkSchema,
  TagAssignmentSchema,
  TagSchema,
  TombstoneSchema,
  VolumeSchema,
} from "../gen/tidemark/sync/v1/records_pb.js";
import { isSharedResource } from "../resources.js";
import { arbHlc, arbId, arbResource, arbSeq, arbText } from "./primitives.js";

export const arbStreamId = (resource?: Resource): fc.Arbitrary<StreamId> =>
  fc
    .record({
      origin: arbId(),
      resource: resource === undefined ? arbResource() : fc.constant(resource),
    })
    .map((init) => create(StreamIdSchema, init));

const u64 = () => fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

export const arbDevice = () =>
  fc
    .record({ name: arbText(), os: arbText(), hostname: arbText() })
    .map((v) => create(DeviceSchema, v));
export const arbVolume = () =>
  fc
    .record({
      name: arbText(),
      mountPoint: arbText(),
      capacityBytes: u64(),
      filesystem: arbText(8),
    })
    .map((v) => create(VolumeSchema, v));
export const arbLocation = () =>
  fc
    .record({ volumeId: arbId(), path: arbText(), name: arbText() })
    .map((v) => create(LocationSchema, v));
export const arbEntry = () =>
  fc
    .record({
      locationId: arbId(),
      parentId: fc.option(arbId(), { nil: undefined }),
      name: arbText(),
      kind: fc.constantFrom(EntryKind.FILE, EntryKind.DIRECTORY, EntryKind.SYMLINK),
      size: u64(),
      modifiedAtMs: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    })
    .map(({ parentId, ...v }) =>
      create(EntrySchema, parentId === undefined ? v : { ...v, parentId }),
    );
export const arbTag = () =>
  fc.record({ name: arbText(), color: arbText(8) }).map((v) => create(TagSchema, v));
export const arbCollection = () =>
  fc.record({ name: arbText(), description: arbText() }).map((v) => create(CollectionSchema, v));
export const arbTagAssignment = () =>
  fc.record({ tagId: arbId(), entryId: arbId() }).map((v) => create(TagAssignmentSchema, v));
export const arbCollectionItem = () =>
  fc
    .record({ collectionId: arbId(), entryId: arbId(), position: fc.nat({ max: 2 ** 32 - 1 }) })
    .map((v) => create(CollectionItemSchema, v));
export const arbTombstone = () => fc.constant(create(TombstoneSchema, {}));

/** A body of the stream's resource, or (one time in five) a tombstone. */
export function arbBody(resource: Resource): fc.Arbitrary<Change["body"]> {
  const live = liveBody(resource);
  return fc.oneof(
    { weight: 4, arbitrary: live },
    {
      weight: 1,
      arbitrary: arbTombstone().map((value) => ({ case: "tombstone" as const, value })),
    },
  );
}

function liveBody(resource: Resource): fc.Arbitrary<Change["body"]> {
  switch (resource) {
    case Resource.DEVICE:
      return arbDevice().map((value) => ({ case: "device" as const, value }));
    case Resource.VOLUME:
      return arbVolume().map((value) => ({ case: "volume" as const, value }));
    case Resource.LOCATION:
      return arbLocation().map((value) => ({ case: "location" as const, value }));
    case Resource.ENTRY:
      return arbEntry().map((value) => ({ case: "entry" as const, value }));
    case Resource.TAG:
      return arbTag().map((value) => ({ case: "tag" as const, value }));
    case Resource.COLLECTION:
      return arbCollection().map((value) => ({ case: "collection" as const, value }));
    case Resource.TAG_ASSIGNMENT:
      return arbTagAssignment().map((value) => ({ case: "tagAssignment" as const, value }));
    default:
      return arbCollectionItem().map((value) => ({ case: "collectionItem" as const, value }));
  }
}

/**
 * A valid change of `stream`: its seq (random unless given), a body of the
 * stream's resource or a tombstone, an HLC iff the resource is shared, and
 * row_id = origin on a DEVICE stream.
 */
export function arbChange(
  stream: StreamId,
  seq?: bigint,
  rowId?: Uint8Array,
): fc.Arbitrary<Change> {
  const shared = isSharedResource(stream.resource);
  return fc
    .record({
      rowId: rowId !== undefined ? fc.constant(rowId) : arbId(),
      seq: seq === undefined ? arbSeq() : fc.constant(seq),
      hlc: shared ? arbHlc() : fc.constant(undefined),
      body: arbBody(stream.resource),
    })
    .map(({ hlc, rowId: id, ...v }) =>
      create(ChangeSchema, {
        ...v,
        rowId: stream.resource === Resource.DEVICE ? stream.origin : id,
        ...(hlc === undefined ? {} : { hlc }),
      }),
    );
}

/** A change of a random stream (for round-trips). */
export const arbAnyChange = (): fc.Arbitrary<Change> => arbStreamId().chain((s) => arbChange(s));

/** A stream head statement's shape (PROTOCOL.md §16.1): seq, a 64-byte signature, the origin key or none. */
export const arbStreamHead = (maxSeq?: bigint): fc.Arbitrary<StreamHead> =>
  fc
    .record({
      seq: maxSeq === undefined ? arbSeq() : fc.bigInt({ min: 1n, max: maxSeq }),
      signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
      originKey: fc.oneof(
        fc.constant(new Uint8Array(0)),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
      ),
    })
    .map((h) => create(StreamHeadSchema, h));

/**
 * A consistent watermark: horizon <= cursor, zero fingerprint when empty,
 * cursor absent only with nothing held; sometimes a head statement.
 */
export function arbStreamWatermark(stream?: StreamId): fc.Arbitrary<StreamWatermark> {
  return fc
    .record({
      stream: stream === undefined ? arbStreamId() : fc.constant(stream),
      cursor: fc.option(arbSeq(), { nil: undefined }),
      liveCount: fc.bigInt({ min: 0n, max: 2n ** 40n }),
      fingerprint: arbId(),
      horizonFraction: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
      head: fc.option(arbStreamHead(), { nil: undefined }),
    })
    .map(({ cursor, liveCount, fingerprint, horizonFraction, stream: s, head }) => {
      const held = cursor === undefined ? 0n : liveCount;
      const horizon =
        cursor === undefined || horizonFraction === undefined
          ? undefined
          : 1n + (BigInt(Math.floor(horizonFraction * 1e6)) * (cursor - 1n)) / 1_000_000n;
      return create(StreamWatermarkSchema, {
        stream: s,
        liveCount: held,
        fingerprint: held === 0n ? new Uint8Array(16) : fingerprint,
        ...(cursor === undefined ? {} : { cursor }),
        ...(horizon === undefined ? {} : { tombstoneHorizon: horizon }),
        ...(head === undefined ? {} : { head }),
      });
    });
}

/** Watermarks for distinct streams. */
export const arbWatermarkList = (maxLength = 6): fc.Arbitrary<StreamWatermark[]> =>
  fc
    .uniqueArray(arbStreamId(), {
      maxLength,
      selector: (s) => `${Array.from(s.origin).join(",")}:${s.resource}`,
    })
    .chain((streams) => fc.tuple(...streams.map((s) => arbStreamWatermark(s))));

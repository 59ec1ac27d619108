// Builders for tests and the simulator: local writes and changes of every
// resource with sensible defaults. Pure (no I/O), so hosts may use them too.
import { create } from "@bufbuild/protobuf";
import {
  type Change,
  ChangeSchema,
  CollectionSchema,
  DeviceSchema,
  EntryKind,
  EntrySchema,
  LocationSchema,
  Resource,
  TagAssignmentSchema,
  TagSchema,
  TombstoneSchema,
  VolumeSchema,
} from "@tidemark/protocol";
import type { LocalWrite } from "./store-api.js";

export function deviceWrite(deviceId: Uint8Array, name = "device"): LocalWrite {
  return {
    resource: Resource.DEVICE,
    rowId: deviceId,
    body: { case: "device", value: create(DeviceSchema, { name, os: "linux", hostname: name }) },
  };
}

export function volumeWrite(rowId: Uint8Array, name = "vol"): LocalWrite {
  return {
    resource: Resource.VOLUME,
    rowId,
    body: {
      case: "volume",
      value: create(VolumeSchema, { name, mountPoint: "/", capacityBytes: 1n << 40n }),
    },
  };
}

export function locationWrite(rowId: Uint8Array, volumeId: Uint8Array, path = "/data"): LocalWrite {
  return {
    resource: Resource.LOCATION,
    rowId,
    body: { case: "location", value: create(LocationSchema, { volumeId, path, name: path }) },
  };
}

export function entryWrite(
  rowId: Uint8Array,
  locationId: Uint8Array,
  parentId: Uint8Array | undefined,
  name = "file",
  size = 0n,
): LocalWrite {
  const value = create(EntrySchema, {
    locationId,
    name,
    kind: parentId ? EntryKind.FILE : EntryKind.DIRECTORY,
    size,
    modifiedAtMs: 1_700_000_000_000n,
    ...(parentId ? { parentId } : {}),
  });
  return { resource: Resource.ENTRY, rowId, body: { case: "entry", value } };
}

export function tagWrite(rowId: Uint8Array, name: string, color = "red"): LocalWrite {
  return {
    resource: Resource.TAG,
    rowId,
    body: { case: "tag", value: create(TagSchema, { name, color }) },
  };
}

export function collectionWrite(rowId: Uint8Array, name: string, description = ""): LocalWrite {
  return {
    resource: Resource.COLLECTION,
    rowId,
    body: { case: "collection", value: create(CollectionSchema, { name, description }) },
  };
}

export function tagAssignmentWrite(
  rowId: Uint8Array,
  tagId: Uint8Array,
  entryId: Uint8Array,
): LocalWrite {
  return {
    resource: Resource.TAG_ASSIGNMENT,
    rowId,
    body: { case: "tagAssignment", value: create(TagAssignmentSchema, { tagId, entryId }) },
  };
}

export function tombstoneWrite(resource: Resource, rowId: Uint8Array): LocalWrite {
  return { resource, rowId, body: { case: "tombstone", value: create(TombstoneSchema) } };
}

/** A Change as a peer would send it. */
export function changeOf(w: LocalWrite, seq: bigint, hlc?: bigint): Change {
  return create(ChangeSchema, {
    rowId: w.rowId,
    seq,
    body: w.body,
    ...(hlc !== undefined ? { hlc } : {}),
  } as Parameters<typeof create<typeof ChangeSchema>>[1]);
}

/** Deterministic 16-byte id from a number (tests only need distinctness). */
export function testId(n: number, prefix = 0): Uint8Array {
  const id = new Uint8Array(16);
  id[0] = prefix;
  let v = n;
  for (let i = 15; i >= 8; i--) {
    id[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return id;
}

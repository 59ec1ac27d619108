// Concurrent indexing of a large tree: a volume and a location (once per
// device), then `entries` entries under one root, in bursts of `batch` per
// commit, a millisecond apart — like an indexer walking a disk.
import { create } from "@bufbuild/protobuf";
import { idFromHex, type LocalWrite } from "@tidemark/engine";
import {
  DeviceSchema,
  EntryKind,
  EntrySchema,
  LocationSchema,
  Resource,
  VolumeSchema,
} from "@tidemark/protocol";
import { uuidv7 } from "../ids.js";
import { commitWrites, originBlob, type WorkContext } from "./context.js";

const MAX_DEPTH = 12;

export type IndexTreeParams = { readonly entries: number; readonly batch?: number };

/** Ensures the device row, a volume and a fresh location; returns the location id. */
function prepareLocation(ctx: WorkContext): Uint8Array | undefined {
  const db = ctx.node.db;
  if (db === undefined) return undefined;
  const now = ctx.node.clock.now();
  const writes: LocalWrite[] = [];
  const self = idFromHex(ctx.node.deviceId);
  const hasDevice = db
    .prepare("SELECT 1 FROM device WHERE id = ? AND deleted = 0")
    .get(Buffer.from(self));
  if (hasDevice === undefined) {
    writes.push({
      resource: Resource.DEVICE,
      rowId: self,
      body: {
        case: "device",
        value: create(DeviceSchema, {
          name: `d${ctx.node.index}`,
          os: "simos",
          hostname: `host${ctx.node.index}`,
        }),
      },
    });
  }
  const vol = db
    .prepare("SELECT id FROM volume WHERE origin = ? AND deleted = 0 ORDER BY id LIMIT 1")
    .pluck()
    .get(originBlob(ctx.node.deviceId)) as Buffer | undefined;
  let volumeId: Uint8Array;
  if (vol === undefined) {
    volumeId = uuidv7(now, ctx.rng);
    writes.push({
      resource: Resource.VOLUME,
      rowId: volumeId,
      body: {
        case: "volume",
        value: create(VolumeSchema, {
          name: "disk",
          mountPoint: "/",
          capacityBytes: 1n << 40n,
          filesystem: "apfs",
        }),
      },
    });
  } else {
    volumeId = new Uint8Array(vol);
  }
  const locationId = uuidv7(now, ctx.rng);
  writes.push({
    resource: Resource.LOCATION,
    rowId: locationId,
    body: {
      case: "location",
      value: create(LocationSchema, {
        volumeId,
        path: `/data/${ctx.rng.nextU32().toString(36)}`,
        name: "data",
      }),
    },
  });
  return commitWrites(ctx, "index-prepare", writes) ? locationId : undefined;
}

/**
 * Schedules the indexing bursts. Parents always precede children in commit
 * order (the origin's stream is FK-ordered); the receiving side still sees
 * them reordered by the network.
 */
export function indexTree(ctx: WorkContext, params: IndexTreeParams): void {
  const locationId = prepareLocation(ctx);
  if (locationId === undefined) return;
  const batch = Math.max(1, params.batch ?? 500);
  const dirs: Uint8Array[] = [];
  const depth: number[] = [];
  let made = 0;
  const burst = () => {
    if (!ctx.node.alive) return; // the indexer died with the device
    const writes: LocalWrite[] = [];
    const now = ctx.node.clock.now();
    while (writes.length < batch && made < params.entries) {
      const id = uuidv7(now, ctx.rng);
      const isRoot = made === 0;
      const isDir = isRoot || ctx.rng.chance(0.15);
      // Bias parents toward recent directories (an indexer walks depth-first),
      // but keep depth realistic (<= MAX_DEPTH) so the closure stays O(n * depth).
      let pi = isRoot ? -1 : Math.max(0, dirs.length - 1 - ctx.rng.int(Math.min(dirs.length, 16)));
      if (pi >= 0 && (depth[pi] ?? 0) >= MAX_DEPTH) pi = ctx.rng.int(Math.min(dirs.length, 4));
      const parent = pi < 0 ? undefined : dirs[pi];
      writes.push({
        resource: Resource.ENTRY,
        rowId: id,
        body: {
          case: "entry",
          value: create(EntrySchema, {
            locationId,
            ...(parent === undefined ? {} : { parentId: parent }),
            name: isRoot ? "root" : `${isDir ? "dir" : "file"}-${made}`,
            kind: isDir ? EntryKind.DIRECTORY : EntryKind.FILE,
            size: isDir ? 0n : BigInt(ctx.rng.int(1 << 20)),
            modifiedAtMs: BigInt(now),
          }),
        },
      });
      if (isDir) {
        dirs.push(id);
        depth.push(pi < 0 ? 0 : (depth[pi] ?? 0) + 1);
      }
      made++;
    }
    commitWrites(ctx, "index", writes);
    if (made < params.entries) ctx.sched.after(1, burst);
  };
  burst();
}

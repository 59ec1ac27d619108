// Concurrent indexing of a large tree: a volume and a location (once per
// device), then `entries` entries under one root, in bursts of `batch` per
// commit, a millisecond apart — like an indexer walking a disk.
import { idToHex } from "@tidemark/engine";
import { EntryKind, Resource } from "@tidemark/protocol";
import { uuidv7 } from "../ids.js";
import type { IdHex, WriteOp } from "../probe/types.js";
import { roundMs } from "../trace.js";
import { commitWrites, probeOf, type WorkContext } from "./context.js";

const MAX_DEPTH = 12;

export type IndexTreeParams = {
  readonly entries: number;
  readonly batch?: number;
  /** A chain of this many nested directories first; the rest hang anywhere along it. */
  readonly depth?: number;
  /** The host announces the scan when it ends (NotifyDataAvailable, PROTOCOL §9). */
  readonly announce?: boolean;
};

export function newRowId(ctx: WorkContext): IdHex {
  return idToHex(uuidv7(ctx.node.clock.now(), ctx.rng));
}

/** Ensures the device row, a volume and a fresh location; returns the location id. */
async function prepareLocation(ctx: WorkContext): Promise<IdHex | undefined> {
  const probe = probeOf(ctx);
  if (probe === undefined) return undefined;
  const self = ctx.node.deviceId;
  const writes: WriteOp[] = [];
  const devices = await probe.rows(Resource.DEVICE);
  if (!devices.some((r) => r.id === self)) {
    writes.push({
      resource: Resource.DEVICE,
      id: self,
      fields: { name: `d${ctx.node.index}`, os: "simos", hostname: `host${ctx.node.index}` },
    });
  }
  const volumes = (await probe.rows(Resource.VOLUME)).filter((r) => r.origin === self);
  let volumeId = volumes[0]?.id;
  if (volumeId === undefined) {
    volumeId = newRowId(ctx);
    writes.push({
      resource: Resource.VOLUME,
      id: volumeId,
      fields: {
        name: "disk",
        mountPoint: "/",
        capacityBytes: String(1n << 40n),
        filesystem: "apfs",
      },
    });
  }
  const locationId = newRowId(ctx);
  writes.push({
    resource: Resource.LOCATION,
    id: locationId,
    fields: { volumeId, path: `/data/${ctx.rng.nextU32().toString(36)}`, name: "data" },
  });
  return (await commitWrites(ctx, "index-prepare", writes)) ? locationId : undefined;
}

/**
 * Schedules the indexing bursts. Parents always precede children in commit
 * order (the origin's stream is FK-ordered); the receiving side still sees
 * them reordered by the network.
 */
export async function indexTree(ctx: WorkContext, params: IndexTreeParams): Promise<void> {
  // The indexer is a process of this incarnation of the device: a crash, a
  // restore or a corruption restart kills it, as it would a real one. Its
  // directory list describes the old disk, whose rows a restored backup may
  // lack (the engine rightly refuses a child of a missing parent).
  const generation = ctx.node.generation;
  const locationId = await prepareLocation(ctx);
  if (locationId === undefined) return;
  const batch = Math.max(1, params.batch ?? 500);
  const dirs: IdHex[] = [];
  const depth: number[] = [];
  let made = 0;
  const burst = async () => {
    if (!ctx.node.alive || ctx.node.generation !== generation) return; // died with the device
    const writes: WriteOp[] = [];
    const now = ctx.node.clock.now();
    while (writes.length < batch && made < params.entries) {
      const id = newRowId(ctx);
      const isRoot = made === 0;
      const chain = made < (params.depth ?? 0);
      const isDir = isRoot || chain || ctx.rng.chance(0.15);
      // Bias parents toward recent directories (an indexer walks depth-first),
      // but keep depth realistic (<= MAX_DEPTH) so the closure stays O(n * depth),
      // unless a deep chain was asked for (then anywhere along it).
      let pi = isRoot ? -1 : Math.max(0, dirs.length - 1 - ctx.rng.int(Math.min(dirs.length, 16)));
      if (chain && !isRoot) pi = dirs.length - 1;
      else if (params.depth !== undefined && !isRoot) pi = ctx.rng.int(dirs.length);
      else if (pi >= 0 && (depth[pi] ?? 0) >= MAX_DEPTH) pi = ctx.rng.int(Math.min(dirs.length, 4));
      const parent = pi < 0 ? undefined : dirs[pi];
      writes.push({
        resource: Resource.ENTRY,
        id,
        fields: {
          locationId,
          ...(parent === undefined ? {} : { parentId: parent }),
          name: isRoot ? "root" : `${isDir ? "dir" : "file"}-${made}`,
          kind: String(isDir ? EntryKind.DIRECTORY : EntryKind.FILE),
          size: String(isDir ? 0 : ctx.rng.int(1 << 20)),
          modifiedAtMs: String(now),
        },
      });
      if (isDir) {
        dirs.push(id);
        depth.push(pi < 0 ? 0 : (depth[pi] ?? 0) + 1);
      }
      made++;
    }
    await commitWrites(ctx, "index", writes);
    if (made >= params.entries) {
      if (params.announce === true) announce(ctx);
      return;
    }
    // A later burst's failure is the run's (no-engine-errors), never an
    // unhandled rejection that kills a whole soak.
    ctx.sched.after(1, () => {
      burst().catch((err: unknown) => ctx.sched.fail(err));
    });
  };
  await burst();
}

/**
 * The scan is done: the host tells its peers, as node-peer's indexer does
 * (a bulk commit's pushes may be cut into many batches; a notice lets
 * every peer pull at once). Sent whatever the device's own streams' state:
 * held unconfirmed after an open or a new peer, too (OR-1 keeps them out
 * of the notice).
 */
function announce(ctx: WorkContext): void {
  const replica = ctx.node.replica;
  if (!ctx.node.alive || replica?.announce === undefined) return;
  ctx.trace.emit({ t: roundMs(ctx.sched.now), k: "announce", dev: ctx.node.index });
  replica.announce();
}

// Test-only damage to a live engine replica, through the engine's public
// store API: the seed's silent gap, where a cursor claims the origin's head
// while the replica lacks what it missed.
import type { StreamKey, TidemarkReplica } from "@tidemark/engine";
import { Resource } from "@tidemark/protocol";
import type { TestCluster } from "./cluster.js";
import { TreeIndexer } from "./tree-indexer.js";

/**
 * Moves `behind`'s cursor for `origin`'s stream of `resource` to the
 * origin's current head without applying the changes it missed (through
 * the store's own pull-finish path, so nothing else looks wrong locally).
 */
export function claimOriginHead(
  origin: TidemarkReplica,
  behind: TidemarkReplica,
  resource: Resource = Resource.ENTRY,
): StreamKey {
  const stream = { origin: origin.deviceId, resource };
  const head = origin.store.streamState(stream)?.cursor;
  if (head === undefined) throw new Error("origin has no cursor for the stream");
  behind.store.beginPull(stream);
  const fin = behind.store.finishPull(stream, head);
  if (fin.kind === "rejected") throw fin.error;
  return stream;
}

/**
 * The seed's silent gap on two devices: `origin` indexes `synced` entries
 * that reach `behind`, then `missing` more while the two are apart;
 * `behind`'s entry cursor then claims the origin's head anyway. Leaves the
 * pair disconnected; returns the entry stream.
 */
export async function silentGapBehindCursor(
  c: TestCluster,
  origin: number,
  behind: number,
  counts: { readonly synced: number; readonly missing: number },
): Promise<StreamKey> {
  const ix = new TreeIndexer(c, origin);
  ix.init("a");
  ix.index(counts.synced);
  c.connectAll();
  await c.settle();
  c.disconnect(origin, behind);
  ix.index(counts.missing);
  await c.settle();
  return claimOriginHead(c.get(origin), c.get(behind));
}

// Test-only corruption that reproduces the seed's silent gap: a replica's
// cursor claims the origin's head while it lacks what it missed.
import { Resource } from "@tidemark/protocol";
import type { TidemarkReplica } from "../replica.js";
import type { StreamKey } from "../store/store-api.js";
import type { Cluster } from "./cluster.js";
import { TreeIndexer } from "./workload.js";

/**
 * Moves `behind`'s cursor for `origin`'s stream of `resource` to the
 * origin's current head without applying the changes it missed (through
 * the store's own pull-finish path, so nothing else looks wrong locally).
 * Returns the stream. Throws when the origin has no cursor yet.
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
 * The seed's silent gap on a two-device cluster: node `origin` indexes
 * `synced` entries that reach node `behind`, then `missing` more while the
 * two are apart; `behind`'s entry cursor then claims the origin's head
 * anyway. Leaves the pair disconnected; returns the entry stream.
 */
export async function silentGapBehindCursor(
  cluster: Cluster,
  origin: number,
  behind: number,
  counts: { readonly synced: number; readonly missing: number },
): Promise<StreamKey> {
  const source = cluster.get(origin);
  const indexer = new TreeIndexer(source, cluster.random, () => cluster.time.now());
  indexer.init("a");
  indexer.index(counts.synced);
  cluster.connectAll();
  await cluster.settle();
  cluster.disconnect(origin, behind);
  indexer.index(counts.missing);
  await cluster.settle();
  return claimOriginHead(source, cluster.get(behind));
}

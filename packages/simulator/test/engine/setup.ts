// Shared by the engine's replica tests: a test cluster of reference engines.
import { Resource } from "@tidemark/protocol";
import { tidemarkEngine } from "../../src/adapters/tidemark-engine.js";
import { type ClusterOptions, TestCluster } from "../../src/harness/cluster.js";
import { TreeIndexer } from "../../src/harness/tree-indexer.js";

export const adapter = tidemarkEngine;

export function cluster(o: Omit<ClusterOptions, "adapter">): TestCluster {
  return new TestCluster({ adapter, ...o });
}

/**
 * Origin d0 writes `count` entries and relay d2 syncs them; then d0 goes
 * offline and d1 opens, not yet connected: the stage for a relay's claims
 * about d0's streams. Returns d1, d0's entry stream and its head.
 */
export async function originBehindRelay(seed: number, count = 200) {
  const c = cluster({ seed });
  const entries = { origin: c.id(0), resource: Resource.ENTRY };
  const origin = await c.open(0);
  await c.open(2);
  const ix = new TreeIndexer(c, 0);
  ix.init();
  ix.index(count);
  c.connect(0, 2);
  await c.settle();
  const head = origin.store.streamState(entries)?.cursor as bigint;
  c.crash(0);
  const b = await c.open(1);
  return { c, b, entries, head };
}

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
 * Devices 0 to `devices`-1 open, d0 indexes a tree of `entries` files, all
 * connect and settle: the common start of a test. Returns d0's indexer.
 */
export async function indexedInSync(c: TestCluster, entries: number, devices = 2) {
  for (let i = 0; i < devices; i++) await c.open(i);
  const ix = new TreeIndexer(c, 0);
  ix.init();
  ix.index(entries);
  c.connectAll();
  await c.settle();
  return ix;
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

/** What `p` (a call into the cluster) settles to, running virtual time until it does (bounded). */
export async function settled<T>(c: TestCluster, p: Promise<T>): Promise<T> {
  let out: { v: T } | { e: unknown } | undefined;
  p.then(
    (v) => {
      out = { v };
    },
    (e) => {
      out = { e };
    },
  );
  for (let i = 0; i < 1000 && out === undefined; i++) await c.run(5);
  if (out === undefined) throw new Error("call never settled");
  if ("e" in out) throw out.e;
  return out.v;
}

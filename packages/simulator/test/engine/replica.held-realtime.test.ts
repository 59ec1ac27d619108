// Realtime batches held for a gap belong to their origin's chain as it
// pushed them; an origin restored from a backup starts that chain again
// (PROTOCOL §3.7), so what a peer held from its earlier incarnation must
// not wait for a gap the new one fills with other changes.
import { describe, expect, test } from "vitest";
import { TreeIndexer } from "../../src/harness/tree-indexer.js";
import { cluster } from "./setup.js";

describe("held realtime batches and a restored origin", { timeout: 60_000 }, () => {
  test("held-realtime-past-a-restored-origin's-head-is-dropped: no earlier incarnation's push waits to land on reused seqs", async () => {
    const c = cluster({ seed: 91, config: { realtimeMaxBatch: 10 } });
    const [A, B] = [c.id(0), c.id(1)];
    await c.open(0);
    const b = await c.open(1);
    const held = () => b.metricsRegistry.sum("tidemark_pending_buffer_changes");
    const ix = new TreeIndexer(c, 0);
    ix.init();
    ix.index(10);
    c.connectAll();
    await c.settle();
    // The backup: A as it is now.
    c.crash(0);
    const backup = c.image(0);
    await c.open(0);
    c.connectAll();
    await c.settle();
    // A writes on. B loses the first push and cannot pull the gap (its
    // calls to A are lost), so it holds the later pushes.
    let pushes = 0;
    c.policy = (m) => {
      if (m.kind !== "request") return undefined;
      if (m.from === A && m.method === "pushChanges")
        return ++pushes === 1 ? { drop: true } : undefined;
      return m.from === B ? { drop: true } : undefined;
    };
    const more = new TreeIndexer(c, 0);
    more.init("later");
    more.index(40, 10);
    await c.run(3_000);
    expect(held()).toBeGreaterThan(0);
    // A is restored from the backup: its head is back where B's cursor is.
    c.crash(0);
    await c.open(0, { image: backup });
    c.policy = undefined;
    c.connectAll();
    await c.settle();
    expect(held()).toBe(0);
    expect(c.logs.find("held-past-origin-head", { device: B, peer: A }).length).toBeGreaterThan(0);
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });
});

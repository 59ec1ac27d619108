// Clocks that disagree: the HLC's max-offset rule judges remote clocks
// against the receiver's best estimate of real time (its wall clock, or
// its last trusted reading carried forward by the monotonic clock), and
// says which stream is held back and by how much.
import { tagWrite } from "@tidemark/engine/testing";
import { Resource } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import type { TestCluster } from "../../src/harness/cluster.js";
import { TreeIndexer } from "../../src/harness/tree-indexer.js";
import { cluster } from "./setup.js";

const DAY = 86_400_000;
const key = (origin: string, r: Resource) => `${origin}/${r}`;
const cursorOf = (c: TestCluster, node: number, origin: string, r: Resource) =>
  c.get(node).store.streamState({ origin, resource: r })?.cursor;

describe("hlc max offset", { timeout: 60_000 }, () => {
  test("max-offset-check-uses-wall-clock-only: a device whose clock went back a day still accepts correct peers", async () => {
    const c = cluster({ seed: 61 });
    const A = c.id(0);
    await c.open(0);
    const b = await c.open(1);
    const ix = new TreeIndexer(c, 0);
    ix.init();
    ix.tagFiles(3);
    c.connectAll();
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    // B's wall clock goes back a day while it runs; A keeps writing tags.
    c.node(1).setClock({ skewMs: -DAY });
    await c.run(10_000);
    ix.tagFiles(3);
    await c.run(5_000);
    await c.settle();
    expect(cursorOf(c, 1, A, Resource.TAG)).toBe(cursorOf(c, 0, A, Resource.TAG));
    expect(b.status().hlcHolds).toEqual([]);
    expect((await c.convergence()).problems).toEqual([]);
    // B's own shared writes keep an HLC near real time, not a day behind.
    const before = b.store.hlcNow();
    c.commit(1, [tagWrite(new Uint8Array(16).fill(7), "b-tag")]);
    expect(b.store.hlcNow() > before).toBe(true);
    expect(Number(b.store.hlcNow() >> 16n)).toBeGreaterThan(c.now() - 60_000);
    c.close();
  });

  test("hlc-too-far-ahead-is-reported-per-stream: a device 10 min fast is held, named with its offset, then syncs", async () => {
    const c = cluster({ seed: 62 });
    const [A, B] = [c.id(0), c.id(1)];
    c.node(0).setClock({ skewMs: 600_000 });
    await c.open(0);
    const b = await c.open(1);
    const ix = new TreeIndexer(c, 0);
    ix.init();
    ix.index(20);
    ix.tagFiles(2);
    c.connectAll();
    await c.run(10_000);
    // Device-owned streams carry no HLC: they sync at once.
    expect(cursorOf(c, 1, A, Resource.ENTRY)).toBe(cursorOf(c, 0, A, Resource.ENTRY));
    expect(cursorOf(c, 1, A, Resource.TAG)).toBeUndefined();
    const holds = b.status().hlcHolds;
    expect(holds.map((h) => key(h.stream.origin, h.stream.resource))).toContain(
      key(A, Resource.TAG),
    );
    const tagHold = holds.find((h) => h.stream.resource === Resource.TAG);
    expect(tagHold?.aheadMs).toBeGreaterThan(590_000);
    expect(tagHold?.aheadMs).toBeLessThan(620_000);
    expect(tagHold?.maxOffsetMs).toBe(300_000);
    const gauge = `tidemark_hlc_ahead_ms{device="${B}",stream="${key(A, Resource.TAG)}"}`;
    expect(b.metrics().values[gauge]).toBeGreaterThan(590_000);
    expect(
      c.logs.find("hlc-too-far-ahead", { device: B, stream: key(A, Resource.TAG) }).length,
    ).toBeGreaterThan(0);
    // Five minutes later A's tags are within the offset: they arrive and the hold clears.
    await c.run(330_000);
    await c.settle();
    expect(cursorOf(c, 1, A, Resource.TAG)).toBe(cursorOf(c, 0, A, Resource.TAG));
    expect(b.status().hlcHolds).toEqual([]);
    expect(b.metrics().values[gauge]).toBe(0);
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });

  test("held-batch-too-far-ahead-is-a-hold: a push held for a gap and refused when drained is held like any other", async () => {
    const c = cluster({ seed: 63, config: { realtimeMaxBatch: 10, pageMaxChanges: 3 } });
    const [A, B] = [c.id(0), c.id(1)];
    const tags = key(A, Resource.TAG);
    await c.open(0);
    const b = await c.open(1);
    const ix = new TreeIndexer(c, 0);
    ix.init();
    c.connectAll();
    await c.settle();
    // B loses A's first tag push and cannot pull the gap (its calls are lost)...
    let pushes = 0;
    c.policy = (m) => {
      if (m.kind !== "request") return undefined;
      if (m.from === A && m.method === "pushChanges")
        return ++pushes === 1 ? { drop: true } : undefined;
      return m.from === B ? { drop: true } : undefined;
    };
    ix.tagFiles(3);
    await c.run(1_000);
    // ...so it holds the next push, written after A's clock jumped 10 min ahead.
    c.node(0).setClock({ skewMs: 600_000 });
    ix.tagFiles(3);
    await c.run(1_000);
    expect(b.metricsRegistry.sum("tidemark_pending_buffer_changes")).toBeGreaterThan(0);
    // The gap fills; the held push is drained and refused for its clock.
    c.policy = undefined;
    await c.run(20_000);
    expect(c.logs.find("held-batch-rejected", { device: B })).toEqual([]);
    expect(b.status().hlcHolds.map((h) => key(h.stream.origin, h.stream.resource))).toEqual([tags]);
    await c.run(330_000);
    await c.settle();
    expect(cursorOf(c, 1, A, Resource.TAG)).toBe(cursorOf(c, 0, A, Resource.TAG));
    expect(b.status().hlcHolds).toEqual([]);
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });
});

// Equal cursors, different fingerprints: both sides notice, but only the
// side that lacks rows can fetch any. The side holding more live rows
// defers (PROTOCOL §4), so one reconcile repairs the stream instead of
// two; a deferral is never permanent, and the count hint never blocks a
// repair, including when the origin is the one that lost rows (moved from
// packages/engine/src/replica.reconcile-once.test.ts).
import { EntryKind, Resource } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { claimOriginHead, silentGapBehindCursor } from "../../src/harness/engine-faults.js";
import { TreeIndexer } from "../../src/harness/tree-indexer.js";
import { cluster } from "./setup.js";

describe("reconcile once", { timeout: 60_000 }, () => {
  test("a 20% gap behind the cursor is repaired by the side lacking rows; the other side runs no reconcile round", async () => {
    const c = cluster({ seed: 51 });
    const a = await c.open(0);
    const b = await c.open(1);
    // B's cursor claims A's head without the 500 new rows (the seed gap).
    await silentGapBehindCursor(c, 0, 1, { synced: 2_000, missing: 500 });

    const entries = `${a.deviceId}/${Resource.ENTRY}`;
    const before = b.metricsRegistry.sum("tidemark_records_in_total", { stream: entries });
    c.calls.length = 0;
    c.connect(0, 1);
    await c.settle();
    await c.run(180_000);
    await c.settle();

    expect((await c.convergence()).problems).toEqual([]);
    const after = b.metricsRegistry.sum("tidemark_records_in_total", { stream: entries });
    expect(after - before).toBe(500);
    expect(b.metricsRegistry.sum("tidemark_reconciles_total", { stream: entries })).toBe(1);
    expect(a.metricsRegistry.sum("tidemark_reconciles_total", { stream: entries })).toBe(0);
    const deferred = c.logs
      .find("sync-decision", { device: a.deviceId, stream: entries })
      .filter((e) => e.fields.reason === "reconcile-deferred-peer-has-fewer");
    expect(deferred.length).toBeGreaterThan(0);
    // A sent no Reconcile request at all; B sent its rounds and fetches.
    expect(c.requests("reconcile", (r) => r.from === a.deviceId)).toEqual([]);
    expect(c.requests("reconcile", (r) => r.from === b.deviceId).length).toBeGreaterThan(0);
    c.close();
  });

  test("silent row loss at the origin (the origin holds fewer rows) still repairs: the origin reconciles", async () => {
    const c = cluster({ seed: 52 });
    const a = await c.open(0);
    await c.open(1);
    const ia = new TreeIndexer(c, 0);
    ia.init("a");
    ia.index(1_000);
    c.connectAll();
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    const stream = { origin: a.deviceId, resource: Resource.ENTRY };
    // Lose 40 leaf files from the origin's own image, stream summary kept
    // consistent (count and fingerprint recomputed), cursor unchanged.
    const files = (await c.node(0).replica?.probe.rows(Resource.ENTRY))
      ?.filter((r) => r.fields.kind === String(EntryKind.FILE))
      .slice(0, 40)
      .map((r) => ({ stream, id: r.id }));
    c.crash(0);
    expect(await c.corrupt(0, { kind: "lose-rows", rows: files ?? [] })).toBe(40);

    const a2 = await c.open(0);
    const b = c.get(1);
    const entries = `${a2.deviceId}/${Resource.ENTRY}`;
    c.calls.length = 0;
    c.connect(0, 1);
    await c.settle();
    await c.run(180_000);
    await c.settle();

    expect((await c.convergence()).problems).toEqual([]);
    expect(a2.metricsRegistry.sum("tidemark_reconciles_total", { stream: entries })).toBe(1);
    expect(a2.metricsRegistry.sum("tidemark_records_in_total", { stream: entries })).toBe(40);
    expect(b.metricsRegistry.sum("tidemark_reconciles_total", { stream: entries })).toBe(0);
    expect(c.requests("reconcile", (r) => r.from === b.deviceId)).toEqual([]);
    c.close();
  });

  test("a deferral is never permanent: when the side with fewer rows lacks nothing, the side with more reconciles the same states later", async () => {
    const c = cluster({ seed: 53 });
    const a = await c.open(0);
    const b = await c.open(1);
    const cc = await c.open(2);
    const ia = new TreeIndexer(c, 0);
    ia.init("a");
    ia.index(1_000);
    c.connectAll();
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    // C misses 30 deletes behind its cursor: it holds MORE live rows than
    // B, yet it is C that lacks data. B (fewer) reconciles first and
    // fetches nothing; C must not wait for B forever.
    c.disconnect(0, 2);
    c.disconnect(1, 2);
    ia.deleteFiles(30);
    await c.settle();
    const stream = claimOriginHead(a, cc);
    c.crash(0);
    const entries = `${a.deviceId}/${Resource.ENTRY}`;
    const bLive = b.store.streamState(stream)?.liveCount ?? 0n;
    expect(cc.store.streamState(stream)?.liveCount).toBe(bLive + 30n);

    c.connect(1, 2);
    await c.settle();
    await c.run(180_000);
    await c.settle();

    expect((await c.convergence()).problems).toEqual([]);
    expect(
      cc.metricsRegistry.sum("tidemark_records_in_total", { stream: entries }),
    ).toBeGreaterThanOrEqual(30);
    expect(cc.metricsRegistry.sum("tidemark_reconciles_total", { stream: entries })).toBe(1);
    const deferred = c.logs
      .find("sync-decision", { device: cc.deviceId, stream: entries })
      .filter((e) => e.fields.reason === "reconcile-deferred-peer-has-fewer");
    expect(deferred.length).toBeGreaterThan(0);
    c.close();
  });
});

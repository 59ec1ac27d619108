// Equal cursors, different fingerprints: both sides notice, but only the
// side that lacks rows can fetch any. The side holding more live rows
// defers (PROTOCOL §4), so one reconcile repairs the stream instead of
// two; a deferral is never permanent, and the count hint never blocks a
// repair, including when the origin is the one that lost rows.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Resource } from "@tidemark/protocol";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { recomputeFingerprint } from "./store/inspect.js";
import { Cluster } from "./testing/cluster.js";
import { claimOriginHead, silentGapBehindCursor } from "./testing/corrupt.js";
import { TreeIndexer } from "./testing/workload.js";

const yieldToHost = () => new Promise<void>((r) => setImmediate(r));
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tidemark-reconcile-once-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("reconcile once", { timeout: 60_000 }, () => {
  test("a 20% gap behind the cursor is repaired by the side lacking rows; the other side runs no reconcile round", async () => {
    const c = new Cluster({ seed: 51, yieldToHost });
    const a = c.open(0);
    const b = c.open(1);
    // B's cursor claims A's head without the 500 new rows (the seed gap).
    await silentGapBehindCursor(c, 0, 1, { synced: 2_000, missing: 500 });

    const entries = `${a.deviceId}/${Resource.ENTRY}`;
    const before = b.metricsRegistry.sum("tidemark_records_in_total", { stream: entries });
    c.net.calls.length = 0;
    c.connect(0, 1);
    await c.settle();
    await c.run(180_000);
    await c.settle();

    expect(c.convergence().problems).toEqual([]);
    const after = b.metricsRegistry.sum("tidemark_records_in_total", { stream: entries });
    expect(after - before).toBe(500);
    expect(b.metricsRegistry.sum("tidemark_reconciles_total", { stream: entries })).toBe(1);
    expect(a.metricsRegistry.sum("tidemark_reconciles_total", { stream: entries })).toBe(0);
    const deferred = c.logger
      .find("sync-decision", { device: a.deviceId, stream: entries })
      .filter((e) => e.fields.reason === "reconcile-deferred-peer-has-fewer");
    expect(deferred.length).toBeGreaterThan(0);
    // A sent no Reconcile request at all; B sent its rounds and fetches.
    expect(c.net.requests("reconcile", (r) => r.from === a.deviceId)).toEqual([]);
    expect(c.net.requests("reconcile", (r) => r.from === b.deviceId).length).toBeGreaterThan(0);
    c.close();
  });

  test("silent row loss at the origin (the origin holds fewer rows) still repairs: the origin reconciles", async () => {
    const c = new Cluster({ seed: 52, yieldToHost });
    const file = join(dir, "a.db");
    const a = c.open(0, { file });
    c.open(1);
    const ia = new TreeIndexer(a, c.random, () => c.time.now());
    ia.init("a");
    ia.index(1_000);
    c.connectAll();
    await c.settle();
    expect(c.convergence().problems).toEqual([]);
    const stream = { origin: a.deviceId, resource: Resource.ENTRY };
    c.crash(0);

    // Lose 40 leaf files from the origin's own file, stream summary kept
    // consistent (count and fingerprint recomputed), cursor unchanged.
    const db = new Database(file);
    const lost = db
      .prepare("SELECT id, lid FROM entry WHERE deleted = 0 AND kind = 1 ORDER BY id LIMIT 40")
      .raw()
      .all() as [Buffer, number][];
    expect(lost.length).toBe(40);
    db.transaction(() => {
      for (const [id, lid] of lost) {
        db.prepare("DELETE FROM entry_closure WHERE descendant = ? OR ancestor = ?").run(lid, lid);
        db.prepare("DELETE FROM entry WHERE id = ?").run(id);
      }
      const live = db
        .prepare("SELECT COUNT(*) FROM entry WHERE origin = ? AND deleted = 0")
        .pluck()
        .get(Buffer.from(stream.origin, "hex")) as number;
      db.prepare(
        "UPDATE stream SET live_count = ?, fingerprint = ? WHERE origin = ? AND resource = ?",
      ).run(
        live,
        Buffer.from(recomputeFingerprint(db, stream)),
        Buffer.from(stream.origin, "hex"),
        stream.resource,
      );
    })();
    db.close();

    const a2 = c.open(0, { file });
    const b = c.get(1);
    const entries = `${a2.deviceId}/${Resource.ENTRY}`;
    c.net.calls.length = 0;
    c.connect(0, 1);
    await c.settle();
    await c.run(180_000);
    await c.settle();

    expect(c.convergence().problems).toEqual([]);
    expect(a2.metricsRegistry.sum("tidemark_reconciles_total", { stream: entries })).toBe(1);
    expect(a2.metricsRegistry.sum("tidemark_records_in_total", { stream: entries })).toBe(40);
    expect(b.metricsRegistry.sum("tidemark_reconciles_total", { stream: entries })).toBe(0);
    expect(c.net.requests("reconcile", (r) => r.from === b.deviceId)).toEqual([]);
    c.close();
  });

  test("a deferral is never permanent: when the side with fewer rows lacks nothing, the side with more reconciles the same states later", async () => {
    const c = new Cluster({ seed: 53, yieldToHost });
    const a = c.open(0);
    const b = c.open(1);
    const cc = c.open(2);
    const ia = new TreeIndexer(a, c.random, () => c.time.now());
    ia.init("a");
    ia.index(1_000);
    c.connectAll();
    await c.settle();
    expect(c.convergence().problems).toEqual([]);
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

    expect(c.convergence().problems).toEqual([]);
    expect(
      cc.metricsRegistry.sum("tidemark_records_in_total", { stream: entries }),
    ).toBeGreaterThanOrEqual(30);
    expect(cc.metricsRegistry.sum("tidemark_reconciles_total", { stream: entries })).toBe(1);
    const deferred = c.logger
      .find("sync-decision", { device: cc.deviceId, stream: entries })
      .filter((e) => e.fields.reason === "reconcile-deferred-peer-has-fewer");
    expect(deferred.length).toBeGreaterThan(0);
    c.close();
  });
});

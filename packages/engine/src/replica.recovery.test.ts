// Multi-replica recovery over the in-memory network (virtual time):
// restart with a gap, resume as Ready, relay while the origin is offline,
// a backfill that times out mid-way and resumes from its last page.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BackfillRequest, Resource } from "@tidemark/protocol";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { Cluster, deviceIdOf } from "./testing/cluster.js";
import { checkConvergence } from "./testing/convergence.js";
import { TreeIndexer } from "./testing/workload.js";

const yieldToHost = () => new Promise<void>((r) => setImmediate(r));
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tidemark-replica-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const A = deviceIdOf(0);
const B = deviceIdOf(1);
const key = (origin: string, r: Resource) => `${origin}/${r}`;
const recordsIn = (c: Cluster, node: number, match: Record<string, string> = {}) =>
  c.get(node).metricsRegistry.sum("tidemark_records_in_total", match);

describe("replica recovery", { timeout: 60_000 }, () => {
  test("restart with a 20% gap pulls exactly the missing rows and re-sends no shared rows", async () => {
    const c = new Cluster({ seed: 21, yieldToHost });
    const a = c.open(0);
    c.open(1, { file: join(dir, "b.db") });
    const ix = new TreeIndexer(a, c.random, () => c.time.now());
    ix.init();
    ix.tagFiles(10);
    ix.index(799);
    c.connectAll();
    await c.settle();
    expect(c.convergence().problems).toEqual([]);
    c.crash(1);
    ix.index(200);
    const missing = 200;
    c.logger.events.length = 0;
    const b = c.open(1, { file: join(dir, "b.db") });
    expect(b.status().peers.map((p) => p.state)).toEqual(["ready"]);
    c.net.calls.length = 0;
    c.connect(0, 1);
    await c.settle();
    expect(c.convergence().problems).toEqual([]);
    expect(recordsIn(c, 1)).toBe(missing);
    expect(recordsIn(c, 1, { stream: key(A, Resource.ENTRY) })).toBe(missing);
    for (const shared of [Resource.TAG, Resource.TAG_ASSIGNMENT]) {
      expect(recordsIn(c, 1, { stream: key(A, shared) })).toBe(0);
    }
    // Surgical: B asked for the entry stream only, after its cursor.
    const asked = c.net
      .requests<BackfillRequest>("backfill", (r) => r.from === B)
      .flatMap((r) => r.streams);
    expect(asked.map((s) => s.stream?.resource)).toEqual([Resource.ENTRY]);
    expect(c.logger.find("peer-state", { device: B, to: "backfilling" })).toEqual([]);
    c.close();
  });

  test("a restart with nothing missing resumes as Ready and transfers nothing", async () => {
    const c = new Cluster({ seed: 22, yieldToHost });
    const a = c.open(0);
    c.open(1, { file: join(dir, "b.db") });
    const ix = new TreeIndexer(a, c.random, () => c.time.now());
    ix.init();
    ix.index(300);
    c.connectAll();
    await c.settle();
    c.crash(1);
    c.logger.events.length = 0;
    const backfillsBefore = c.net.requests("backfill", (r) => r.from === B).length;
    const b = c.open(1, { file: join(dir, "b.db") });
    expect(b.status().peers[0]?.state).toBe("ready");
    c.connect(0, 1);
    await c.settle();
    expect(c.convergence().problems).toEqual([]);
    expect(recordsIn(c, 1)).toBe(0);
    expect(c.net.requests("backfill", (r) => r.from === B)).toHaveLength(backfillsBefore);
    expect(c.logger.find("pull-started", { device: B })).toEqual([]);
    expect(c.logger.find("peer-state", { device: B })).toEqual([]);
    c.close();
  });

  test("relay: C catches up from B while the origin A is offline", async () => {
    const c = new Cluster({ seed: 23, yieldToHost });
    const a = c.open(0);
    c.open(1);
    c.open(2);
    const ix = new TreeIndexer(a, c.random, () => c.time.now());
    ix.init();
    ix.index(400);
    ix.tagFiles(5);
    c.net.setLink(A, deviceIdOf(2), false);
    c.net.setLink(B, deviceIdOf(2), false);
    c.connect(0, 1);
    await c.settle();
    const originHeads = a.status();
    c.crash(0);
    c.connect(1, 2);
    await c.settle();
    expect(checkConvergence([c.get(1), c.get(2)]).problems).toEqual([]);
    // C holds every stream of A exactly at A's head, without ever reaching A.
    const cStreams = new Map(
      c
        .get(2)
        .status()
        .streams.map((s) => [key(s.stream.origin, s.stream.resource), s]),
    );
    for (const s of originHeads.streams.filter((x) => x.stream.origin === A)) {
      const got = cStreams.get(key(A, s.stream.resource));
      expect(got?.cursor).toBe(s.cursor);
      expect(got?.fingerprint).toEqual(s.fingerprint);
    }
    expect(c.get(2).metricsRegistry.sum("tidemark_pulls_total", { peer: B })).toBeGreaterThan(0);
    c.close();
  });

  test("a backfill that times out mid-way resumes after its last applied page", async () => {
    const c = new Cluster({
      seed: 24,
      yieldToHost,
      config: { pageMaxChanges: 500, requestTimeoutMs: 2_000 },
    });
    const a = c.open(0);
    c.open(1);
    const ix = new TreeIndexer(a, c.random, () => c.time.now());
    ix.init();
    ix.index(2_999);
    let entryPages = 0;
    let stalled = false;
    c.net.policy = (m) => {
      if (m.method !== "backfill" || m.kind !== "response" || m.to !== B) return undefined;
      const page = m.message as { stream?: { resource: Resource } };
      if (page.stream?.resource !== Resource.ENTRY) return undefined;
      entryPages++;
      if (entryPages === 4 && !stalled) {
        stalled = true;
        return { drop: true };
      }
      return undefined;
    };
    c.connectAll();
    await c.run(30_000);
    await c.settle();
    expect(c.convergence().problems).toEqual([]);
    const entryAsks = c.net
      .requests<BackfillRequest>("backfill", (r) => r.from === B)
      .flatMap((r) => r.streams)
      .filter((s) => s.stream?.resource === Resource.ENTRY);
    expect(entryAsks.map((s) => s.afterSeq)).toEqual([undefined, 1_500n]);
    // Every entry row crossed the wire once: no page was re-sent.
    expect(recordsIn(c, 1, { stream: key(A, Resource.ENTRY) })).toBe(3_000);
    expect(c.logger.find("peer-state", { device: B, to: "backoff" }).length).toBeGreaterThan(0);
    expect(c.get(1).status().peers[0]?.state).toBe("ready");
    c.close();
  });
});

describe("full resync below the tombstone horizon", { timeout: 60_000 }, () => {
  test("a peer whose cursor is below the horizon deletes the pruned rows, never resurrects them", async () => {
    const c = new Cluster({ seed: 25, yieldToHost });
    const a = c.open(0);
    c.open(1);
    const ix = new TreeIndexer(a, c.random, () => c.time.now());
    ix.init();
    ix.index(300);
    c.connectAll();
    await c.settle();
    c.disconnect(0, 1);
    ix.deleteFiles(10);
    ix.index(10);
    const entries = { origin: A, resource: Resource.ENTRY };
    const head = a.store.streamState(entries)?.cursor as bigint;
    expect(a.store.pruneTombstones(entries, head)).toBe(10);
    c.connect(0, 1);
    await c.settle();
    expect(c.convergence().problems).toEqual([]);
    const b = c.get(1);
    expect(b.metricsRegistry.sum("tidemark_full_resyncs_total")).toBe(1);
    expect(b.metricsRegistry.sum("tidemark_pulls_total", { stream: key(A, Resource.ENTRY) })).toBe(
      1,
    );
    expect(c.logger.find("full-resync-deletes", { device: B })[0]?.fields.rows).toBe(10);
    expect(b.store.streamState(entries)?.liveCount).toBe(a.store.streamState(entries)?.liveCount);
    // The pruned rows were forgotten, not deleted with made-up tombstones
    // sharing the horizon's seq: every seq B serves is served once.
    const served = b.store.changesAfter(entries, undefined, { maxChanges: 10_000, maxBytes: 0 });
    const seqs = served.changes.map((ch) => ch.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(served.changes.filter((ch) => ch.body.case === "tombstone")).toHaveLength(0);
    c.close();
  });
});

describe("tombstone pruning", { timeout: 60_000 }, () => {
  test("acknowledged tombstones are pruned; a peer restored from a stale backup full-resyncs without resurrecting", async () => {
    const c = new Cluster({ seed: 26, yieldToHost, config: { pruneTombstones: true } });
    const a = c.open(0);
    c.open(1, { file: join(dir, "b.db") });
    const ix = new TreeIndexer(a, c.random, () => c.time.now());
    ix.init();
    ix.index(200);
    c.connectAll();
    await c.settle();
    c.crash(1);
    copyFileSync(join(dir, "b.db"), join(dir, "backup.db"));
    c.open(1, { file: join(dir, "b.db") });
    c.connect(0, 1);
    await c.settle();
    ix.deleteFiles(10);
    await c.settle();
    // A reconnect exchanges watermarks both ways: the acks that allow pruning.
    c.disconnect(0, 1);
    c.connect(0, 1);
    await c.settle();
    const entries = { origin: A, resource: Resource.ENTRY };
    expect(a.store.streamState(entries)?.tombstoneHorizon).toBe(
      a.store.streamState(entries)?.cursor,
    );
    expect(c.convergence().problems).toEqual([]);
    c.crash(1);
    const b = c.open(1, { file: join(dir, "backup.db") });
    c.connect(0, 1);
    await c.settle();
    expect(c.convergence().problems).toEqual([]);
    expect(b.metricsRegistry.sum("tidemark_full_resyncs_total")).toBe(1);
    expect(b.store.streamState(entries)?.liveCount).toBe(a.store.streamState(entries)?.liveCount);
    c.close();
  });
});

describe("origin rewind", { timeout: 60_000 }, () => {
  test("an origin restored from a stale backup pulls its own streams back and never reuses a seq", async () => {
    const c = new Cluster({ seed: 27, yieldToHost });
    const a = c.open(0, { file: join(dir, "a.db") });
    c.open(1);
    const ix = new TreeIndexer(a, c.random, () => c.time.now());
    ix.init();
    ix.index(100);
    c.connectAll();
    await c.settle();
    c.crash(0);
    copyFileSync(join(dir, "a.db"), join(dir, "a-backup.db"));
    const a2 = c.open(0, { file: join(dir, "a.db") });
    c.connect(0, 1);
    const ix2 = new TreeIndexer(a2, c.random, () => c.time.now());
    ix2.init("second");
    ix2.index(50);
    await c.settle();
    const entries = { origin: A, resource: Resource.ENTRY };
    const head = a2.store.streamState(entries)?.cursor as bigint;
    c.crash(0);
    const restored = c.open(0, { file: join(dir, "a-backup.db") });
    expect(restored.store.streamState(entries)?.cursor).toBeLessThan(head);
    c.connect(0, 1);
    await c.settle();
    expect(
      c.logger.find("sync-decision", { device: A, decision: "origin-rewind" }).length,
    ).toBeGreaterThan(0);
    expect(restored.store.streamState(entries)?.cursor).toBe(head);
    const batches = restored.commit([]);
    expect(batches).toEqual([]);
    const ix3 = new TreeIndexer(restored, c.random, () => c.time.now());
    ix3.init("third");
    const seqs = restored.store
      .changesAfter(entries, head, { maxChanges: 10, maxBytes: 1 << 20 })
      .changes.map((x) => x.seq);
    expect(seqs).toEqual([head + 1n]);
    await c.settle();
    expect(c.convergence().problems).toEqual([]);
    c.close();
  });
});

// Multi-replica recovery in virtual time: restart with a gap, resume as
// Ready, relay while the origin is offline, a backfill that times out
// mid-way and resumes from its last page, full resync below the horizon,
// pruning, origin rewind (moved from packages/engine/src/replica.recovery.test.ts).

import { idToHex } from "@tidemark/engine";
import {
  collectionWrite,
  entryWrite,
  locationWrite,
  tagWrite,
  tombstoneWrite,
  volumeWrite,
} from "@tidemark/engine/testing";
import { type BackfillRequest, Resource } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import type { TestCluster } from "../../src/harness/cluster.js";
import { TreeIndexer } from "../../src/harness/tree-indexer.js";
import type { Scenario } from "../../src/scenario.js";
import { runScenario } from "../../src/simulation.js";
import { summaryLines } from "../../src/summary.js";
import { engine } from "../../src/test-support.js";
import { cluster, indexedInSync } from "./setup.js";

const key = (origin: string, r: Resource) => `${origin}/${r}`;
const cursorOf = (c: TestCluster, node: number, origin: string, r: Resource) =>
  c.get(node).store.streamState({ origin, resource: r })?.cursor;
const recordsIn = (c: TestCluster, node: number, match: Record<string, string> = {}) =>
  c.get(node).metricsRegistry.sum("tidemark_records_in_total", match);
/** What pruning node `node` now reports for one stream (pruning runs on demand). */
const prunedOf = (c: TestCluster, node: number, stream: { origin: string; resource: Resource }) =>
  c
    .get(node)
    .pruneAcknowledgedTombstones()
    .filter((p) => key(p.stream.origin, p.stream.resource) === key(stream.origin, stream.resource));

describe("replica recovery", { timeout: 60_000 }, () => {
  test("restart with a 20% gap pulls exactly the missing rows and re-sends no shared rows", async () => {
    const c = cluster({ seed: 21 });
    const [A, B] = [c.id(0), c.id(1)];
    await c.open(0);
    await c.open(1);
    const ix = new TreeIndexer(c, 0);
    ix.init();
    ix.tagFiles(10);
    ix.index(799);
    c.connectAll();
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    c.crash(1);
    ix.index(200);
    const missing = 200;
    c.logs.events.length = 0;
    const b = await c.open(1);
    expect(b.status().peers.map((p) => p.state)).toEqual(["ready"]);
    c.calls.length = 0;
    c.connect(0, 1);
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    expect(recordsIn(c, 1)).toBe(missing);
    expect(recordsIn(c, 1, { stream: key(A, Resource.ENTRY) })).toBe(missing);
    for (const shared of [Resource.TAG, Resource.TAG_ASSIGNMENT]) {
      expect(recordsIn(c, 1, { stream: key(A, shared) })).toBe(0);
    }
    // Surgical: B asked for the entry stream only, after its cursor.
    const asked = c
      .requests<BackfillRequest>("backfill", (r) => r.from === B)
      .flatMap((r) => r.streams);
    expect(asked.map((s) => s.stream?.resource)).toEqual([Resource.ENTRY]);
    expect(c.logs.find("peer-state", { device: B, to: "backfilling" })).toEqual([]);
    c.close();
  });

  test("a restart with nothing missing resumes as Ready and transfers nothing", async () => {
    const c = cluster({ seed: 22 });
    const B = c.id(1);
    await indexedInSync(c, 300);
    c.crash(1);
    c.logs.events.length = 0;
    const backfillsBefore = c.requests("backfill", (r) => r.from === B).length;
    const b = await c.open(1);
    expect(b.status().peers[0]?.state).toBe("ready");
    c.connect(0, 1);
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    expect(recordsIn(c, 1)).toBe(0);
    expect(c.requests("backfill", (r) => r.from === B)).toHaveLength(backfillsBefore);
    expect(c.logs.find("pull-started", { device: B })).toEqual([]);
    expect(c.logs.find("peer-state", { device: B })).toEqual([]);
    c.close();
  });

  test("relay: C catches up from B while the origin A is offline", async () => {
    const c = cluster({ seed: 23 });
    const [A, B] = [c.id(0), c.id(1)];
    const a = await c.open(0);
    await c.open(1);
    const ix = new TreeIndexer(c, 0);
    ix.init();
    ix.index(400);
    ix.tagFiles(5);
    c.connect(0, 1);
    await c.settle();
    const originHeads = a.status();
    c.crash(0);
    // C joins while A is away: it has never met A.
    await c.open(2);
    c.connect(1, 2);
    await c.settle();
    expect((await c.convergence([1, 2])).problems).toEqual([]);
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
    const c = cluster({ seed: 24, config: { pageMaxChanges: 500, requestTimeoutMs: 2_000 } });
    const B = c.id(1);
    await c.open(0);
    await c.open(1);
    const ix = new TreeIndexer(c, 0);
    ix.init();
    ix.index(2_999);
    let entryPages = 0;
    let stalled = false;
    c.policy = (m) => {
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
    expect((await c.convergence()).problems).toEqual([]);
    const entryAsks = c
      .requests<BackfillRequest>("backfill", (r) => r.from === B)
      .flatMap((r) => r.streams)
      .filter((s) => s.stream?.resource === Resource.ENTRY);
    expect(entryAsks.map((s) => s.afterSeq)).toEqual([undefined, 1_500n]);
    // Every entry row crossed the wire once: no page was re-sent.
    expect(recordsIn(c, 1, { stream: key(c.id(0), Resource.ENTRY) })).toBe(3_000);
    expect(c.logs.find("peer-state", { device: B, to: "backoff" }).length).toBeGreaterThan(0);
    expect(c.get(1).status().peers[0]?.state).toBe("ready");
    c.close();
  });
});

describe("full resync below the tombstone horizon", { timeout: 60_000 }, () => {
  test("a peer whose cursor is below the horizon deletes the pruned rows, never resurrects them", async () => {
    const c = cluster({ seed: 25 });
    const [A, B] = [c.id(0), c.id(1)];
    const ix = await indexedInSync(c, 300);
    const a = c.get(0);
    c.disconnect(0, 1);
    ix.deleteFiles(10);
    ix.index(10);
    const entries = { origin: A, resource: Resource.ENTRY };
    const head = a.store.streamState(entries)?.cursor as bigint;
    expect(a.store.pruneTombstones(entries, head)).toBe(10);
    c.connect(0, 1);
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    const b = c.get(1);
    expect(b.metricsRegistry.sum("tidemark_full_resyncs_total")).toBe(1);
    expect(b.metricsRegistry.sum("tidemark_pulls_total", { stream: key(A, Resource.ENTRY) })).toBe(
      1,
    );
    expect(c.logs.find("full-resync-deletes", { device: B })[0]?.fields.rows).toBe(10);
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
    const c = cluster({ seed: 26, config: { pruneTombstones: true } });
    const ix = await indexedInSync(c, 200);
    const a = c.get(0);
    c.crash(1);
    const backup = c.image(1);
    await c.open(1);
    c.connect(0, 1);
    await c.settle();
    ix.deleteFiles(10);
    await c.settle();
    // A reconnect exchanges watermarks both ways: the acks that allow pruning.
    c.disconnect(0, 1);
    c.connect(0, 1);
    await c.settle();
    const entries = { origin: c.id(0), resource: Resource.ENTRY };
    expect(a.store.streamState(entries)?.tombstoneHorizon).toBe(
      a.store.streamState(entries)?.cursor,
    );
    expect((await c.convergence()).problems).toEqual([]);
    c.crash(1);
    const b = await c.open(1, { image: backup });
    c.connect(0, 1);
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    expect(b.metricsRegistry.sum("tidemark_full_resyncs_total")).toBe(1);
    expect(b.store.streamState(entries)?.liveCount).toBe(a.store.streamState(entries)?.liveCount);
    c.close();
  });
});

describe("pruning on demand", { timeout: 60_000 }, () => {
  test("pruneAcknowledgedTombstones prunes what every peer acknowledged, with pruneTombstones off", async () => {
    // No retention (TB-5): this pins the acknowledgement rule alone.
    const c = cluster({ seed: 37, config: { sharedTombstoneRetentionMs: 0 } });
    const a = await c.open(0);
    await c.open(1);
    const tag = new Uint8Array(16).fill(0x7c);
    c.commit(0, [tagWrite(tag, "gone")]);
    c.connectAll();
    await c.settle();
    c.commit(0, [tombstoneWrite(Resource.TAG, tag)]);
    await c.settle();
    // A reconnect exchanges watermarks both ways: the acks that allow pruning.
    c.disconnect(0, 1);
    c.connect(0, 1);
    await c.settle();
    const tags = { origin: c.id(0), resource: Resource.TAG };
    const cursor = a.store.streamState(tags)?.cursor;
    expect(a.store.streamState(tags)?.tombstoneHorizon).toBeUndefined();
    expect(a.pruneAcknowledgedTombstones()).toContainEqual({ stream: tags, horizon: cursor });
    expect(a.store.streamState(tags)?.tombstoneHorizon).toBe(cursor);
    // Nothing more acknowledged: the horizon stays, nothing reported.
    expect(a.pruneAcknowledgedTombstones()).toEqual([]);
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });

  test("a-young-shared-tombstone-is-kept-for-the-retention: acknowledged, it is pruned only once older than it", async () => {
    const c = cluster({ seed: 38, config: { sharedTombstoneRetentionMs: 60_000 } });
    const a = await c.open(0);
    await c.open(1);
    const [gone, young] = [new Uint8Array(16).fill(0x7d), new Uint8Array(16).fill(0x7e)];
    c.commit(0, [tagWrite(gone, "gone"), tagWrite(young, "young")]);
    c.connectAll();
    await c.settle();
    const tags = { origin: c.id(0), resource: Resource.TAG };
    c.commit(0, [tombstoneWrite(Resource.TAG, gone)]);
    const old = a.store.streamState(tags)?.cursor as bigint;
    await c.run(40_000);
    c.commit(0, [tombstoneWrite(Resource.TAG, young)]);
    await c.settle();
    c.disconnect(0, 1);
    c.connect(0, 1);
    await c.settle();
    // Both acknowledged; only the delete older than 60 s may go.
    await c.run(25_000);
    expect(prunedOf(c, 0, tags)).toEqual([{ stream: tags, horizon: old }]);
    await c.run(40_000);
    const cursor = a.store.streamState(tags)?.cursor;
    expect(prunedOf(c, 0, tags)).toEqual([{ stream: tags, horizon: cursor }]);
    c.close();
  });

  test("a-young-tombstone-at-seq-1-prunes-nothing: no horizon 0 is set or reported", async () => {
    const c = cluster({ seed: 39, config: { sharedTombstoneRetentionMs: 60_000 } });
    const a = await c.open(0);
    await c.open(1);
    const tag = new Uint8Array(16).fill(0x7f);
    c.commit(0, [tagWrite(tag, "t")]);
    c.connectAll();
    await c.settle();
    // Device 1's tag stream begins with its delete of device 0's tag.
    c.commit(1, [tombstoneWrite(Resource.TAG, tag)]);
    await c.settle();
    c.disconnect(0, 1);
    c.connect(0, 1);
    await c.settle();
    const theirs = { origin: c.id(1), resource: Resource.TAG };
    expect(prunedOf(c, 0, theirs)).toEqual([]);
    expect(a.store.streamState(theirs)?.tombstoneHorizon).toBeUndefined();
    await c.run(70_000);
    expect(prunedOf(c, 0, theirs)).toEqual([{ stream: theirs, horizon: 1n }]);
    c.close();
  });
});

describe("tombstone pruning of shared rows", { timeout: 60_000 }, () => {
  /** Whether node `i` shows `id` as a live tag. */
  const tagLive = async (c: TestCluster, i: number, id: Uint8Array) =>
    ((await c.node(i).replica?.probe.rows(Resource.TAG)) ?? []).some((r) => r.id === idToHex(id));

  /** A writes a tag, B deletes it, both prune; then C joins and pulls from both. */
  async function lateJoiner(variant?: string) {
    // No retention (TB-5): the shadowing rule (TB-2) alone decides.
    const c = cluster({
      seed: 35,
      config: { pruneTombstones: true, sharedTombstoneRetentionMs: 0 },
    });
    const o = variant === undefined ? {} : { variant };
    await c.open(0, o);
    await c.open(1, o);
    const tag = new Uint8Array(16).fill(0x5a);
    c.commit(0, [tagWrite(tag, "shared")]);
    c.connectAll();
    await c.settle();
    // B deletes the tag A wrote; A's older live entry stays in A's stream.
    c.commit(1, [tombstoneWrite(Resource.TAG, tag)]);
    await c.settle();
    // Reconnecting exchanges watermarks both ways: the acks that allow pruning.
    c.disconnect(0, 1);
    c.connect(0, 1);
    await c.settle();
    expect(await tagLive(c, 0, tag)).toBe(false);
    // C joins later and pulls every stream from A and B.
    await c.open(2);
    c.connectAll();
    await c.settle();
    return { c, liveOnJoiner: await tagLive(c, 2, tag) };
  }

  test("tombstone-pruning-resurrects-shared-rows: a late joiner never sees a pruned delete's row live", async () => {
    const { c, liveOnJoiner } = await lateJoiner();
    expect(liveOnJoiner).toBe(false);
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });

  test("tombstone-pruning-resurrects-shared-rows: the pruneShadowingDeletes variant re-introduces it", async () => {
    const { c, liveOnJoiner } = await lateJoiner("pruneShadowingDeletes");
    expect(liveOnJoiner).toBe(true);
    c.close();
  });

  test("tombstone-pruning-resurrects-shared-rows: no pruning while another origin's older entry is still on its way", async () => {
    const c = cluster({
      seed: 36,
      config: { pruneTombstones: true, sharedTombstoneRetentionMs: 0 },
    });
    const C = c.id(2);
    const a = await c.open(0);
    await c.open(1);
    await c.open(2);
    c.setLink(0, 2, false);
    c.connect(0, 1);
    await c.settle();
    // C writes a tag; B learns it from C and deletes it; A gets only B's
    // delete (pushed in realtime), not C's stream.
    const tag = new Uint8Array(16).fill(0x6b);
    c.commit(2, [tagWrite(tag, "from-c")]);
    c.connect(1, 2);
    await c.settle();
    c.commit(1, [tombstoneWrite(Resource.TAG, tag)]);
    await c.settle();
    expect(a.store.streamState({ origin: C, resource: Resource.TAG })).toBeUndefined();
    // A meets C: C's watermarks acknowledge B's delete and announce C's
    // stream, which A has not pulled yet when it considers pruning.
    c.connect(0, 2);
    await c.settle();
    // D joins and learns everything from A alone.
    await c.open(3);
    c.setLink(1, 3, false);
    c.setLink(2, 3, false);
    c.connect(0, 3);
    await c.settle();
    expect(await tagLive(c, 3, tag)).toBe(false);
    c.close();
  });
});

describe("origin rewind", { timeout: 60_000 }, () => {
  /** Every entry of A's stream a replica holds, by seq: no seq may name two rows. */
  const itemsOf = (c: TestCluster, node: number, stream: { origin: string; resource: Resource }) =>
    c.get(node).store.reconcileItems(stream);

  test("seq-reuse-after-backup-restore: commits right after a restore never reuse a seq", async () => {
    const c = cluster({ seed: 37 });
    const A = c.id(0);
    await indexedInSync(c, 100);
    c.crash(0);
    const backup = c.image(0);
    // A lives on: 50 more entries reach B.
    const a2 = await c.open(0);
    c.connect(0, 1);
    await c.settle();
    const later = new TreeIndexer(c, 0);
    later.init("later");
    later.index(50);
    await c.settle();
    const entries = { origin: A, resource: Resource.ENTRY };
    const head = a2.store.streamState(entries)?.cursor as bigint;
    expect(c.get(1).store.streamState(entries)?.cursor).toBe(head);
    c.crash(0);
    // Restored from the old backup, A writes at once, before any exchange.
    const restored = await c.open(0, { image: backup });
    const fresh = new TreeIndexer(c, 0);
    fresh.init("after-restore");
    fresh.index(20);
    c.connect(0, 1);
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    const written = [...fresh.dirs, ...fresh.files, ...later.dirs, ...later.files].map(idToHex);
    for (const node of [0, 1]) {
      const items = itemsOf(c, node, entries);
      const seqs = items.map((i) => i.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
      // Both histories survive: what A wrote after the backup (pulled back)
      // and what it wrote after the restore.
      const ids = new Set(items.map((i) => idToHex(i.id)));
      for (const id of written) expect(ids.has(id)).toBe(true);
    }
    // The post-restore writes sit above everything A had used before.
    const mine = restored.store.changesByIds(entries, fresh.files.slice(0, 5)).map((ch) => ch.seq);
    expect(mine).toHaveLength(5);
    for (const seq of mine) expect(seq > head).toBe(true);
    c.close();
  });

  test("seq-reuse-after-backup-restore: a restored device stays usable offline and emits nothing it may have used", async () => {
    const c = cluster({ seed: 38 });
    const [A, B] = [c.id(0), c.id(1)];
    await indexedInSync(c, 30);
    c.crash(0);
    const restored = await c.open(0);
    // B is unreachable: local writes still commit, nothing leaves A.
    c.setLink(0, 1, false);
    restored.peerConnected(B);
    c.calls.length = 0;
    const more = new TreeIndexer(c, 0);
    more.init("offline");
    more.index(10);
    await c.run(30_000);
    expect(restored.status().own).toMatchObject({ confirmed: false, awaitingPeers: [B] });
    expect(c.requests("pushChanges", (r) => r.from === A)).toHaveLength(0);
    const entries = { origin: A, resource: Resource.ENTRY };
    const before = restored.store.streamState(entries);
    expect((before?.headSeq as bigint) > (before?.cursor as bigint)).toBe(true);
    c.connect(0, 1);
    await c.settle();
    expect(restored.status().own).toMatchObject({ confirmed: true, awaitingPeers: [] });
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });

  test("seq-reuse-after-restore-while-a-peer-pulls: own commits wait until the peer's pull of our stream lands", async () => {
    // sim.FINDINGS 1 (lane/sim's generators): device 1 restores a backup
    // taken before its entry stream existed while device 0 is mid-pull of
    // that stream (cursor 48 of 401, pages from the old incarnation still
    // in flight), then writes. The unfixed code confirmed at 48 and handed
    // out seq 49 again when the old pages landed (no-seq-reuse).
    const spec: Scenario = {
      name: "random",
      seed: 549077511,
      devices: 2,
      chaosMs: 10_000,
      healMs: 240_000,
      weather: "jittery",
      steps: [
        { at: 59, do: "backup", dev: 1 },
        { at: 3969, do: "index", dev: 1, entries: 401, batch: 50, depth: 7 },
        { at: 4348, do: "restore", dev: 1 },
        { at: 6376, do: "index", dev: 1, entries: 50, batch: 100, depth: 4 },
      ],
      config: { realtimeMaxBatch: 10, pageMaxChanges: 200 },
    } as Scenario;
    const r = await runScenario(spec, { adapter: await engine() });
    expect(r.ok, summaryLines(r, JSON.stringify(spec)).join("\n")).toBe(true);
    expect(r.world.oracle.reuses).toEqual([]);
    // The ownCommitsNeverHeld variant (bug 1 re-introduced) reuses seqs here.
    const bad = await runScenario(
      { ...spec, variant: "ownCommitsNeverHeld" },
      { adapter: await engine() },
    );
    expect(bad.failure?.property).toBe("no-seq-reuse");
  });

  test("an origin restored from a stale backup pulls its own streams back and never reuses a seq", async () => {
    const c = cluster({ seed: 27 });
    const A = c.id(0);
    await indexedInSync(c, 100);
    c.crash(0);
    const backup = c.image(0);
    const a2 = await c.open(0);
    c.connect(0, 1);
    const ix2 = new TreeIndexer(c, 0);
    ix2.init("second");
    ix2.index(50);
    await c.settle();
    const entries = { origin: A, resource: Resource.ENTRY };
    const head = a2.store.streamState(entries)?.cursor as bigint;
    c.crash(0);
    const restored = await c.open(0, { image: backup });
    expect(restored.store.streamState(entries)?.cursor).toBeLessThan(head);
    c.connect(0, 1);
    await c.settle();
    expect(
      c.logs.find("sync-decision", { device: A, decision: "origin-rewind" }).length,
    ).toBeGreaterThan(0);
    expect(restored.store.streamState(entries)?.cursor).toBe(head);
    expect(restored.commit([])).toEqual([]);
    const ix3 = new TreeIndexer(c, 0);
    ix3.init("third");
    const seqs = restored.store
      .changesAfter(entries, head, { maxChanges: 10, maxBytes: 1 << 20 })
      .changes.map((x) => x.seq);
    expect(seqs).toEqual([head + 1n]);
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    expect(c.oracle.reuses).toEqual([]);
    c.close();
  });
});

describe("backfill isolation", { timeout: 60_000 }, () => {
  test("one-bad-stream-blocks-a-whole-backfill: a refused stream does not stall later streams from the same source", async () => {
    // C relays A's tags (A is 10 min fast; C tolerates an hour) and holds
    // its own collections; B (5 min tolerance) backfills both from C.
    const c = cluster({ seed: 63 });
    const [A, B, C] = [c.id(0), c.id(1), c.id(2)];
    c.node(0).setClock({ skewMs: 600_000 });
    await c.open(0);
    await c.open(2, { config: { hlcMaxOffsetMs: 3_600_000 } });
    new TreeIndexer(c, 0).init();
    c.commit(0, [tagWrite(new Uint8Array(16).fill(1), "fast-tag")]);
    c.commit(2, [collectionWrite(new Uint8Array(16).fill(2), "c-collection")]);
    c.connect(0, 2);
    await c.settle();
    expect(cursorOf(c, 2, A, Resource.TAG)).toBe(1n);
    // B joins, reaching only C.
    await c.open(1);
    c.setLink(0, 1, false);
    c.calls.length = 0;
    c.connect(1, 2);
    await c.run(20_000);
    // The collection stream comes after A's tags in FK order, from the same source.
    expect(cursorOf(c, 1, C, Resource.COLLECTION)).toBe(1n);
    expect(cursorOf(c, 1, A, Resource.TAG)).toBeUndefined();
    // Held for its HLC (PROTOCOL §12), the refused stream is not asked for
    // again before its change fits the offset.
    expect(c.requests("backfill", (r) => r.from === B).length).toBeLessThanOrEqual(4);
    expect(
      c
        .get(1)
        .status()
        .hlcHolds.map((h) => h.stream.resource),
    ).toEqual([Resource.TAG]);
    c.close();
  });
});

describe("slow links", { timeout: 60_000 }, () => {
  test("slow-links-never-progress: a backfill over a 4 B/ms link still lands every row", async () => {
    // Every link carries 4 bytes per ms, serialised: a default page of
    // 1,000 entries (~100 KB) takes ~25 s, past the 10 s page timeout.
    const c = cluster({
      seed: 28,
      link: {
        latencyMs: 1,
        jitterMs: 1,
        loss: 0,
        duplicate: 0,
        reorder: 0,
        reorderDelayMs: 0,
        bytesPerMs: 4,
      },
    });
    await c.open(0);
    await c.open(1);
    const ix = new TreeIndexer(c, 0);
    ix.init();
    ix.index(1_999);
    c.connectAll();
    await c.run(300_000);
    expect(recordsIn(c, 1, { stream: key(c.id(0), Resource.ENTRY) })).toBe(2_000);
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });
});

describe("foreign-key order across pulls", { timeout: 60_000 }, () => {
  test("foreign-key-order-across-pulls: an entries-only gap pull brings the new location first", async () => {
    const c = cluster({ seed: 29, config: { dependencyBufferMax: 50 } });
    const ix = await indexedInSync(c, 20);
    const b = c.get(1);
    // A indexes a second location: its push (location + 200 entries) is
    // lost; the next entry batch reaches B and shows only an entry gap.
    let dropped = false;
    c.policy = (m) => {
      if (dropped || m.method !== "pushChanges" || m.kind !== "request") return undefined;
      dropped = true;
      return { drop: true };
    };
    const second = new TreeIndexer(c, 0);
    second.init("second");
    second.index(200, 200);
    await c.run(100);
    ix.index(5);
    await c.run(2_000);
    await c.settle();
    // The gap pull brought A's location stream first, in the same Backfill:
    // nothing waited in the dependency buffer past its bound.
    expect(b.metricsRegistry.sum("tidemark_stream_refusals_total")).toBe(0);
    expect(b.metricsRegistry.sum("tidemark_pull_failures_total")).toBe(0);
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });

  test("foreign-key-order-across-pulls: entries from one relay wait for their location from another", async () => {
    // R1 holds A's new location but not its entries; R2 holds the entries
    // (waiting for the location in its dependency buffer) but not the
    // location. B, reaching only R1 and R2, must not overflow its buffer.
    const c = cluster({ seed: 30 });
    const [A, B, r1, r2] = [c.id(0), c.id(1), c.id(2), c.id(3)];
    const a = await c.open(0);
    await c.open(1, { config: { dependencyBufferMax: 50 } });
    await c.open(2);
    await c.open(3);
    const ix = new TreeIndexer(c, 0);
    ix.init();
    ix.index(20);
    c.connectAll();
    await c.settle();
    c.disconnect(0, 1);
    c.disconnect(1, 2);
    c.disconnect(1, 3);
    c.disconnect(2, 3);
    c.policy = (m) => {
      if (m.method !== "pushChanges" || m.kind !== "request" || m.from !== A) return undefined;
      const batches = (m.message as { batches: { stream?: { resource: Resource } }[] }).batches;
      const location = batches.some((x) => x.stream?.resource === Resource.LOCATION);
      // R1 gets only the location push, R2 only the entries push.
      return (m.to === r1 && !location) || (m.to === r2 && location) ? { drop: true } : undefined;
    };
    // The new volume and location in one push, then 200 entries in pushes
    // of 100, each delivered before the next (no reordering, no gap).
    const id = (n: number) =>
      Uint8Array.from({ length: 16 }, (_, i) => (i === 0 ? 0xee : n >> (8 * (15 - i))));
    c.commit(0, [volumeWrite(id(1), "second"), locationWrite(id(2), id(1), "/second")]);
    await c.run(200);
    for (const from of [0, 100]) {
      c.commit(
        0,
        Array.from({ length: 100 }, (_, i) =>
          entryWrite(id(100 + from + i), id(2), undefined, `e${from + i}`),
        ),
      );
      await c.run(200);
    }
    const entries = { origin: A, resource: Resource.ENTRY };
    expect(cursorOf(c, 2, A, Resource.LOCATION)).toBe(2n);
    expect(cursorOf(c, 3, A, Resource.LOCATION)).toBe(1n);
    expect(cursorOf(c, 3, A, Resource.ENTRY)).toBe(a.store.streamState(entries)?.cursor);
    c.crash(0);
    c.policy = undefined;
    c.connect(1, 3);
    await c.run(100);
    c.connect(1, 2);
    await c.settle();
    // B learnt of the new location only from R1, after starting the entry
    // pull from R2: the entries that overflowed wait for the location and
    // land as soon as it does — no backoff, no failure blamed on R2.
    const b = c.get(1);
    expect(b.metricsRegistry.sum("tidemark_pull_failures_total")).toBe(0);
    expect(c.logs.find("peer-state", { device: B, to: "backoff" })).toEqual([]);
    expect(cursorOf(c, 1, A, Resource.LOCATION)).toBe(2n);
    expect(cursorOf(c, 1, A, Resource.ENTRY)).toBe(221n);
    c.connect(2, 3);
    await c.settle();
    expect((await c.convergence([1, 2, 3])).problems).toEqual([]);
    c.close();
  });
});

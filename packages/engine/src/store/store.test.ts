import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PageStatus, Resource } from "@tidemark/protocol";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { EngineErrorCode } from "../errors.js";
import { hlcPack } from "../hlc/index.js";
import { idToHex } from "./ids.js";
import {
  canonicalState,
  closureRows,
  expectedClosureRows,
  isInSubtree,
  recomputeFingerprint,
  subtreeOf,
} from "./inspect.js";
import { SCHEMA_VERSION } from "./migrations.js";
import { openStore } from "./store.js";
import type { ReplicaStore, StreamKey } from "./store-api.js";
import {
  changeOf,
  deviceWrite,
  entryWrite,
  locationWrite,
  tagAssignmentWrite,
  tagWrite,
  testId,
  tombstoneWrite,
  volumeWrite,
} from "./testing.js";

const T0 = 1_750_000_000_000;
const LIB = idToHex(testId(999));
const A = testId(1, 0xaa);
const B = testId(2, 0xbb);
const VOL = testId(10);
const LOC = testId(11);
const ROOT = testId(12);

type Peer = { store: ReplicaStore; db: Database.Database; clock: { t: number; now(): number } };
const open: Peer[] = [];
afterEach(() => {
  for (const p of open.splice(0)) p.store.close();
});

function peer(
  device: Uint8Array,
  opts: { dependencyBufferMax?: number; db?: Database.Database } = {},
): Peer {
  const db = opts.db ?? new Database(":memory:");
  const clock = { t: T0, now: () => clock.t, monotonic: () => clock.t - T0 };
  const store = openStore(db, {
    deviceId: idToHex(device),
    libraryId: LIB,
    clock,
    ...(opts.dependencyBufferMax !== undefined
      ? { dependencyBufferMax: opts.dependencyBufferMax }
      : {}),
  });
  const p = { store, db, clock };
  open.push(p);
  return p;
}

const entries = (origin: Uint8Array): StreamKey => ({
  origin: idToHex(origin),
  resource: Resource.ENTRY,
});
const stream = (origin: Uint8Array, resource: Resource): StreamKey => ({
  origin: idToHex(origin),
  resource,
});

/** Commits device, volume, location and a root directory on `p`. */
function bootstrap(p: Peer, device: Uint8Array) {
  return p.store.commit([
    deviceWrite(device),
    volumeWrite(VOL),
    locationWrite(LOC, VOL),
    entryWrite(ROOT, LOC, undefined, "root"),
  ]);
}

/** Copies every stream of `from` into `to` with pull semantics. */
function pullAll(from: ReplicaStore, to: ReplicaStore) {
  for (const w of from.watermarks()) {
    const key = {
      origin: idToHex(w.stream?.origin ?? new Uint8Array()),
      resource: w.stream?.resource ?? 0,
    };
    let after = to.streamState(key)?.cursor;
    for (;;) {
      const page = from.changesAfter(key, after, { maxChanges: 3, maxBytes: 1 << 20 });
      if (page.status !== PageStatus.OK) break;
      expect(to.apply(key, page.changes, { mode: "page" }).kind).toBe("applied");
      after = page.completeThrough;
      if (page.streamDone) {
        expect(to.finishPull(key, page.completeThrough as bigint).kind).toBe("applied");
        break;
      }
    }
  }
}

describe("commit", () => {
  it("assigns gap-free seqs per stream and returns batches in FK order", () => {
    const a = peer(A);
    const batches = bootstrap(a, A);
    expect(batches.map((b) => b.stream.resource)).toEqual([1, 2, 3, 4]);
    const more = a.store.commit([
      entryWrite(testId(20), LOC, ROOT),
      entryWrite(testId(21), LOC, ROOT),
    ]);
    expect(more[0]?.prevSeq).toBe(1n);
    expect(more[0]?.changes.map((c) => c.seq)).toEqual([2n, 3n]);
    expect(a.store.streamState(entries(A))).toMatchObject({
      cursor: 3n,
      liveCount: 3n,
      maxAppliedSeq: 3n,
    });
  });

  it("rejects a write whose parent is missing, leaving nothing behind", () => {
    const a = peer(A);
    bootstrap(a, A);
    const before = canonicalState(a.db);
    expect(() => a.store.commit([entryWrite(testId(30), LOC, testId(31))])).toThrow(
      expect.objectContaining({ code: EngineErrorCode.Invalid }),
    );
    expect(canonicalState(a.db)).toEqual(before);
  });

  it("accepts a child written before its parent in the same batch", () => {
    const a = peer(A);
    bootstrap(a, A);
    a.store.commit([entryWrite(testId(41), LOC, testId(40)), entryWrite(testId(40), LOC, ROOT)]);
    expect(closureRows(a.db)).toEqual(expectedClosureRows(a.db));
    expect(a.store.streamState(entries(A))?.liveCount).toBe(3n);
  });

  it("rejects a move under the row's own descendant", () => {
    const a = peer(A);
    bootstrap(a, A);
    a.store.commit([entryWrite(testId(50), LOC, ROOT), entryWrite(testId(51), LOC, testId(50))]);
    expect(() => a.store.commit([entryWrite(testId(50), LOC, testId(51))])).toThrow(
      expect.objectContaining({ code: EngineErrorCode.Invalid }),
    );
  });

  it("rejects a body that does not match the resource", () => {
    const a = peer(A);
    const w = { ...tagWrite(testId(60), "x"), resource: Resource.COLLECTION };
    expect(() => a.store.commit([w])).toThrow(
      expect.objectContaining({ code: EngineErrorCode.BodyMismatch }),
    );
  });
});

describe("apply", () => {
  it("chain: applies contiguous batches and reports a gap without applying", () => {
    const a = peer(A);
    const b = peer(B);
    const [d, v, l, e] = bootstrap(a, A);
    for (const batch of [d, v, l, e]) {
      if (!batch) throw new Error("missing batch");
      expect(
        b.store.apply(batch.stream, batch.changes, { mode: "chain", prevSeq: batch.prevSeq }),
      ).toMatchObject({
        kind: "applied",
        cursor: 1n,
      });
    }
    const [next] = a.store.commit([entryWrite(testId(70), LOC, ROOT)]);
    const [later] = a.store.commit([entryWrite(testId(71), LOC, ROOT)]);
    if (!next || !later) throw new Error("missing batch");
    const before = canonicalState(b.db);
    expect(
      b.store.apply(later.stream, later.changes, { mode: "chain", prevSeq: later.prevSeq }),
    ).toEqual({
      kind: "gap",
      cursor: 1n,
      expectedPrev: 1n,
    });
    expect(canonicalState(b.db)).toEqual(before);
    b.store.apply(next.stream, next.changes, { mode: "chain", prevSeq: next.prevSeq });
    b.store.apply(later.stream, later.changes, { mode: "chain", prevSeq: later.prevSeq });
    // Re-applying is a no-op.
    expect(
      b.store.apply(next.stream, next.changes, { mode: "chain", prevSeq: next.prevSeq }),
    ).toMatchObject({
      kind: "applied",
      cursor: 3n,
      appliedCount: 0,
    });
    expect(b.store.streamState(entries(A))?.fingerprint).toEqual(
      a.store.streamState(entries(A))?.fingerprint,
    );
    expect(closureRows(b.db)).toEqual(closureRows(a.db));
  });

  it("chain: non-consecutive seqs are rejected as a whole", () => {
    const a = peer(A);
    const b = peer(B);
    bootstrap(a, A);
    const c1 = changeOf(entryWrite(testId(80), LOC, undefined), 1n);
    const c3 = changeOf(entryWrite(testId(81), LOC, undefined), 3n);
    const r = b.store.apply(entries(A), [c1, c3], { mode: "chain", prevSeq: undefined });
    expect(r.kind === "rejected" && r.error.code).toBe(EngineErrorCode.SeqOutOfOrder);
    expect(b.store.streamState(entries(A))).toBeUndefined();
  });

  it("page: durable without moving the cursor until finishPull", () => {
    const a = peer(A);
    const b = peer(B);
    bootstrap(a, A);
    a.store.commit([entryWrite(testId(90), LOC, ROOT), entryWrite(testId(91), LOC, ROOT)]);
    pullAll(a.store, b.store);
    expect(b.store.streamState(entries(A))).toMatchObject({ cursor: 3n, pulling: false });
    a.store.commit([entryWrite(testId(92), LOC, ROOT)]);
    const page = a.store.changesAfter(entries(A), 3n, { maxChanges: 10, maxBytes: 1 << 20 });
    expect(b.store.apply(entries(A), page.changes, { mode: "page" })).toMatchObject({
      kind: "applied",
      cursor: 3n,
    });
    expect(b.store.streamState(entries(A))).toMatchObject({
      cursor: 3n,
      maxAppliedSeq: 4n,
      pulling: true,
    });
    const bad = b.store.finishPull(entries(A), 3n);
    expect(bad.kind === "rejected" && bad.error.code).toBe(EngineErrorCode.CursorRegression);
    expect(b.store.finishPull(entries(A), 4n)).toMatchObject({ kind: "applied", cursor: 4n });
    expect(b.store.streamState(entries(A))).toMatchObject({ cursor: 4n, pulling: false });
  });

  it("a device-owned row can only be changed by its origin (forged-origin)", () => {
    const a = peer(A);
    const b = peer(B);
    bootstrap(a, A);
    pullAll(a.store, b.store);
    // B's stream claims A's location row.
    const forged = changeOf(locationWrite(LOC, VOL, "/evil"), 1n);
    const r = b.store.apply(stream(B, Resource.LOCATION), [forged], {
      mode: "chain",
      prevSeq: undefined,
    });
    expect(r.kind === "rejected" && r.error.code).toBe(EngineErrorCode.ForgedOrigin);
  });

  it("shared rows resolve by last writer wins on (hlc, origin), in any order", () => {
    const a = peer(A);
    const b = peer(B);
    const c = peer(testId(3, 0xcc));
    const tag = testId(100);
    const [fromA] = a.store.commit([tagWrite(tag, "from-a")]);
    b.clock.t = T0 + 10;
    const [fromB] = b.store.commit([tagWrite(tag, "from-b")]);
    if (!fromA || !fromB) throw new Error("missing batch");
    for (const [x, y] of [
      [fromA, fromB],
      [fromB, fromA],
    ] as const) {
      const p = x === fromA ? c : peer(testId(4, 0xdd));
      p.store.apply(x.stream, x.changes, { mode: "chain", prevSeq: x.prevSeq });
      p.store.apply(y.stream, y.changes, { mode: "chain", prevSeq: y.prevSeq });
      const name = p.db.prepare("SELECT name FROM tag WHERE id = ?").pluck().get(tag);
      expect(name).toBe("from-b");
      // Each origin's stream keeps its own entry.
      expect(p.store.streamState(fromA.stream)?.liveCount).toBe(1n);
      expect(p.store.streamState(fromB.stream)?.liveCount).toBe(1n);
    }
  });

  it("an origin's write moved to a later seq shows at that seq (same hlc, same origin)", () => {
    // An origin rewind (§3.7) moves an unconfirmed write a peer already
    // holds to a later seq with its hlc. Unfixed: the visible row kept the
    // first seq that arrived, so peers disagreed on it (random scenario
    // 1793717772, identical-state).
    const b = peer(B);
    const tag = testId(120);
    const key = stream(A, Resource.TAG);
    const hlc = hlcPack(T0, 3);
    const page = (seq: bigint) =>
      b.store.apply(key, [changeOf(tagWrite(tag, "t"), seq, hlc)], { mode: "page" });
    expect(page(4n).kind).toBe("applied");
    expect(page(6n).kind).toBe("applied");
    const seqOf = () => b.db.prepare("SELECT seq FROM tag WHERE id = ?").pluck().get(tag);
    expect(seqOf()).toBe(6);
    // The earlier seq arriving again moves nothing back.
    expect(page(4n).kind).toBe("applied");
    expect(seqOf()).toBe(6);
  });

  it("a pull cut by a restart with nothing past the cursor is not pulling after reopen", () => {
    // Unfixed: the stream stayed "pulling" for good when its only source
    // had left (random scenario 1937115549, cursors-at-head).
    const b = peer(B);
    const tags = stream(A, Resource.TAG);
    const other = stream(testId(3, 0xcc), Resource.TAG);
    const chain = (key: StreamKey, n: number) =>
      b.store.apply(key, [changeOf(tagWrite(testId(130 + n), "t"), 1n, hlcPack(T0, n))], {
        mode: "chain",
        prevSeq: undefined,
      });
    expect(chain(tags, 0).kind).toBe("applied");
    expect(chain(other, 1).kind).toBe("applied");
    b.store.beginPull(tags);
    // The other pull applied a page past its cursor: it must still finish.
    const page = [changeOf(tagWrite(testId(140), "u"), 3n, hlcPack(T0, 2))];
    expect(b.store.apply(other, page, { mode: "page" }).kind).toBe("applied");
    const again = peer(B, { db: b.db });
    expect(again.store.streamState(tags)).toMatchObject({ cursor: 1n, pulling: false });
    expect(again.store.streamState(other)).toMatchObject({ cursor: 1n, pulling: true });
  });

  it("a-resume-point-keeps-its-source-across-a-restart", () => {
    // A resume point holds only with the source that served the pages
    // through it (PROTOCOL.md BF-19): who that was must survive a restart.
    const b = peer(B);
    const tags = stream(A, Resource.TAG);
    const X = "0a".repeat(16);
    const tag = (seq: bigint, n: number) =>
      changeOf(tagWrite(testId(150 + n), "t"), seq, hlcPack(T0, n));
    expect(b.store.apply(tags, [tag(1n, 0)], { mode: "chain", prevSeq: undefined }).kind).toBe(
      "applied",
    );
    // Seq 2 was replaced above what X served: its pages skip it (a hole).
    const source = { peer: X, cursor: 9n };
    expect(b.store.apply(tags, [tag(3n, 1)], { mode: "page", source }).kind).toBe("applied");
    const again = peer(B, { db: b.db });
    expect(again.store.streamState(tags)).toMatchObject({
      cursor: 1n,
      pulling: true,
      resumeAfterSeq: 3n,
      resumeSource: source,
      gaplessSeq: undefined,
    });
    // A page of unknown source leaves a resume point no source may use.
    expect(again.store.apply(tags, [tag(4n, 2)], { mode: "page" }).kind).toBe("applied");
    expect(again.store.streamState(tags)).toMatchObject({
      resumeAfterSeq: 4n,
      resumeSource: undefined,
    });
    expect(again.store.apply(tags, [tag(5n, 3)], { mode: "page", source }).kind).toBe("applied");
    again.store.resumePullAfter(tags, 1n);
    expect(again.store.streamState(tags)).toMatchObject({
      resumeAfterSeq: undefined,
      resumeSource: undefined,
    });
    expect(again.store.apply(tags, [tag(6n, 4)], { mode: "page", source }).kind).toBe("applied");
    expect(again.store.finishPull(tags, 6n).kind).toBe("applied");
    expect(again.store.streamState(tags)).toMatchObject({
      resumeAfterSeq: undefined,
      resumeSource: undefined,
    });
  });

  it("cross-origin references are soft: a tag assignment never waits for its entry", () => {
    const b = peer(B);
    const tag = testId(190);
    const othersEntry = testId(191, 0xaa);
    const [tags, assignments] = b.store.commit([
      tagWrite(tag, "t"),
      tagAssignmentWrite(testId(192), tag, othersEntry),
    ]);
    expect(assignments?.stream.resource).toBe(Resource.TAG_ASSIGNMENT);
    const c = peer(testId(3, 0xcc));
    // Delivered before the tag itself, and the entry is nowhere: applied at once.
    for (const x of [assignments, tags]) {
      if (x)
        expect(c.store.apply(x.stream, x.changes, { mode: "chain", prevSeq: x.prevSeq }).kind).toBe(
          "applied",
        );
    }
    expect(c.db.prepare("SELECT COUNT(*) FROM tag_assignment").pluck().get()).toBe(1);
    expect(c.db.prepare("SELECT COUNT(*) FROM dep_buffer").pluck().get()).toBe(0);
  });

  it("rejects a shared change whose HLC is too far ahead, and observes acceptable ones", () => {
    const b = peer(B);
    const ahead = changeOf(tagWrite(testId(110), "x"), 1n, hlcPack(T0 + 300_001, 0));
    const r = b.store.apply(stream(A, Resource.TAG), [ahead], {
      mode: "chain",
      prevSeq: undefined,
    });
    expect(r.kind === "rejected" && r.error.code).toBe(EngineErrorCode.HlcTooFarAhead);
    const ok = changeOf(tagWrite(testId(110), "x"), 1n, hlcPack(T0 + 200_000, 7));
    expect(
      b.store.apply(stream(A, Resource.TAG), [ok], { mode: "chain", prevSeq: undefined }).kind,
    ).toBe("applied");
    expect(b.store.hlcNow() > hlcPack(T0 + 200_000, 7)).toBe(true);
  });

  it("holds a child until its parent lands, and counts it as held", () => {
    const a = peer(A);
    const b = peer(B);
    bootstrap(a, A);
    const dir = testId(120);
    const file = testId(121);
    a.store.commit([entryWrite(dir, LOC, ROOT, "dir"), entryWrite(file, LOC, dir, "file")]);
    // Rename dir: its entry moves past the file's in the compacted stream.
    a.store.commit([entryWrite(dir, LOC, ROOT, "dir-renamed")]);
    for (const r of [Resource.DEVICE, Resource.VOLUME, Resource.LOCATION]) {
      const p = a.store.changesAfter(stream(A, r), undefined, {
        maxChanges: 10,
        maxBytes: 1 << 20,
      });
      b.store.apply(stream(A, r), p.changes, { mode: "page" });
      b.store.finishPull(stream(A, r), p.completeThrough as bigint);
    }
    const all = a.store.changesAfter(entries(A), undefined, {
      maxChanges: 10,
      maxBytes: 1 << 20,
    }).changes;
    expect(all.map((c) => c.seq)).toEqual([1n, 3n, 4n]);
    // Deliver the file (seq 3) alone: held, but part of the stream's state.
    b.store.apply(
      entries(A),
      [all[0], all[1]].filter((c) => c !== undefined),
      { mode: "page" },
    );
    b.store.apply(entries(A), all.slice(1, 2), { mode: "page" });
    expect(b.db.prepare("SELECT COUNT(*) FROM entry WHERE id = ?").pluck().get(file)).toBe(0);
    expect(b.store.streamState(entries(A))?.fingerprint).toEqual(
      recomputeFingerprint(b.db, entries(A)),
    );
    b.store.apply(entries(A), all.slice(2), { mode: "page" });
    b.store.finishPull(entries(A), 4n);
    expect(canonicalState(b.db).filter((l) => !l.startsWith("stream"))).toEqual(
      canonicalState(a.db).filter((l) => !l.startsWith("stream")),
    );
    expect(b.store.streamState(entries(A))?.fingerprint).toEqual(
      a.store.streamState(entries(A))?.fingerprint,
    );
    expect(closureRows(b.db)).toEqual(expectedClosureRows(b.db));
  });

  it("a relay serves held changes, so a peer pulling from it matches the origin", () => {
    const a = peer(A);
    const relay = peer(B);
    const late = peer(testId(3, 0xcc));
    bootstrap(a, A);
    const loc2 = testId(180);
    const file = testId(181);
    a.store.commit([locationWrite(loc2, VOL, "/second"), entryWrite(file, loc2, undefined, "f")]);
    // The relay pulls the entry stream before the location stream: the entry is held.
    const byResource = (r: Resource) =>
      a.store.changesAfter(stream(A, r), undefined, { maxChanges: 100, maxBytes: 1 << 20 });
    for (const r of [Resource.DEVICE, Resource.VOLUME, Resource.ENTRY]) {
      const p = byResource(r);
      relay.store.apply(stream(A, r), p.changes, { mode: "page" });
      relay.store.finishPull(stream(A, r), p.completeThrough as bigint);
    }
    expect(relay.db.prepare("SELECT COUNT(*) FROM entry WHERE id = ?").pluck().get(file)).toBe(0);
    expect(relay.store.streamState(entries(A))?.fingerprint).toEqual(
      a.store.streamState(entries(A))?.fingerprint,
    );
    const served = relay.store.changesAfter(entries(A), undefined, {
      maxChanges: 100,
      maxBytes: 1 << 20,
    });
    expect(served.changes.map((c) => idToHex(c.rowId))).toContain(idToHex(file));
    // The late peer pulls everything from the relay, location last.
    const loc = byResource(Resource.LOCATION);
    relay.store.apply(stream(A, Resource.LOCATION), loc.changes, { mode: "page" });
    relay.store.finishPull(stream(A, Resource.LOCATION), loc.completeThrough as bigint);
    expect(relay.db.prepare("SELECT COUNT(*) FROM entry WHERE id = ?").pluck().get(file)).toBe(1);
    pullAll(relay.store, late.store);
    for (const w of a.store.watermarks()) {
      const key = {
        origin: idToHex(w.stream?.origin ?? new Uint8Array()),
        resource: w.stream?.resource ?? 0,
      };
      expect(late.store.streamState(key)).toMatchObject({
        cursor: w.cursor,
        fingerprint: w.fingerprint,
      });
    }
    expect(closureRows(late.db)).toEqual(closureRows(a.db));
  });

  it("a full dependency buffer is a typed error and applies nothing", () => {
    const b = peer(B, { dependencyBufferMax: 2 });
    const orphans = [1, 2, 3].map((i) =>
      changeOf(entryWrite(testId(130 + i), LOC, testId(129)), BigInt(i)),
    );
    const r = b.store.apply(entries(A), orphans, { mode: "page" });
    expect(r.kind === "rejected" && r.error.code).toBe(EngineErrorCode.BufferFull);
    expect(b.store.streamState(entries(A))).toBeUndefined();
    expect(b.db.prepare("SELECT COUNT(*) FROM dep_buffer").pluck().get()).toBe(0);
  });
});

describe("tombstones and origin rewind", () => {
  it("pruning keeps a tombstone a live child still references, and refuses beyond the cursor", () => {
    const a = peer(A);
    bootstrap(a, A);
    const dir = testId(600);
    const file = testId(601);
    const gone = testId(602);
    a.store.commit([
      entryWrite(dir, LOC, ROOT),
      entryWrite(file, LOC, dir),
      entryWrite(gone, LOC, ROOT),
    ]);
    a.store.commit([tombstoneWrite(Resource.ENTRY, dir), tombstoneWrite(Resource.ENTRY, gone)]);
    const fp = a.store.streamState(entries(A))?.fingerprint;
    expect(a.store.pruneTombstones(entries(A), 6n)).toBe(1);
    expect(a.db.prepare("SELECT COUNT(*) FROM entry WHERE id = ?").pluck().get(dir)).toBe(1);
    expect(a.store.streamState(entries(A))?.fingerprint).toEqual(fp);
    expect(() => a.store.pruneTombstones(entries(A), 7n)).toThrow(
      expect.objectContaining({ code: EngineErrorCode.Invalid }),
    );
  });

  it("pruning keeps a shared tombstone while it shadows another origin's older live entry", () => {
    const b = peer(B);
    const tag = testId(610);
    const chain = (origin: Uint8Array, hlc: bigint, body: ReturnType<typeof tagWrite>) =>
      b.store.apply(stream(origin, Resource.TAG), [changeOf(body, 1n, hlc)], {
        mode: "chain",
        prevSeq: undefined,
      });
    // A wrote the tag at T0, B deleted it at T0 + 1 s: the delete shadows A's entry.
    expect(chain(A, hlcPack(T0, 0), tagWrite(tag, "t")).kind).toBe("applied");
    b.store.commit([tombstoneWrite(Resource.TAG, tag)]);
    const own = stream(B, Resource.TAG);
    const cursor = b.store.streamState(own)?.cursor as bigint;
    expect(b.store.pruneTombstones(own, cursor)).toBe(0);
    expect(b.store.streamState(own)?.tombstoneHorizon).toBe(cursor);
    // Once A's entry is newer than the delete (A wrote again), it may go.
    const c = stream(A, Resource.TAG);
    expect(
      b.store.apply(c, [changeOf(tagWrite(tag, "t2"), 2n, b.store.hlcNow() + 1n)], {
        mode: "chain",
        prevSeq: 1n,
      }).kind,
    ).toBe("applied");
    expect(b.store.pruneTombstones(own, cursor)).toBe(1);
  });

  it("reads a subtree and ancestry through the parent links, deep chains included", () => {
    const a = peer(A);
    bootstrap(a, A);
    // A 3,000-level chain under ROOT: no closure to maintain, so each level
    // costs the same to write (issue 11 bug 11; bench/deep-tree.bench.ts).
    const chain = Array.from({ length: 3_000 }, (_, i) => testId(10_000 + i));
    for (let i = 0; i < chain.length; i += 500) {
      a.store.commit(
        chain
          .slice(i, i + 500)
          .map((id, k) =>
            entryWrite(id, LOC, i + k === 0 ? ROOT : (chain[i + k - 1] as Uint8Array)),
          ),
      );
    }
    const top = chain[0] as Uint8Array;
    const leaf = chain[2_999] as Uint8Array;
    const sub = subtreeOf(a.db, top);
    expect(sub).toHaveLength(3_000);
    expect(sub.find((s) => idToHex(s.id) === idToHex(leaf))?.depth).toBe(2_999);
    expect(isInSubtree(a.db, top, leaf)).toBe(true);
    expect(isInSubtree(a.db, leaf, top)).toBe(false);
    // Moving the top under its own deepest descendant is refused, nothing written.
    expect(() => a.store.commit([entryWrite(top, LOC, leaf)])).toThrow(
      expect.objectContaining({ code: EngineErrorCode.Invalid }),
    );
    // A deleted link detaches everything below it, as the closure view does.
    a.store.commit([tombstoneWrite(Resource.ENTRY, chain[1] as Uint8Array)]);
    expect(subtreeOf(a.db, top)).toHaveLength(1);
    expect(isInSubtree(a.db, top, leaf)).toBe(false);
  });

  it("a revived directory re-attaches its live children in the closure", () => {
    const a = peer(A);
    bootstrap(a, A);
    const dir = testId(610);
    const file = testId(611);
    a.store.commit([entryWrite(dir, LOC, ROOT, "dir"), entryWrite(file, LOC, dir, "file")]);
    a.store.commit([tombstoneWrite(Resource.ENTRY, dir)]);
    expect(closureRows(a.db)).toEqual(expectedClosureRows(a.db));
    a.store.commit([entryWrite(dir, LOC, ROOT, "dir-again")]);
    expect(closureRows(a.db)).toEqual(expectedClosureRows(a.db));
    expect(closureRows(a.db)).toContainEqual([idToHex(ROOT), idToHex(file), 2]);
  });

  it("never reuses an own seq: unconfirmed commits move above what is pulled back", () => {
    const a = peer(A);
    const b = peer(B);
    bootstrap(a, A);
    a.store.commit([tagWrite(testId(620), "t1"), tagWrite(testId(621), "t2")]);
    pullAll(a.store, b.store);
    // A restored from an empty backup: same device id, nothing on disk. It
    // writes at once; the change is kept but unconfirmed: listed without a
    // cursor, as pulling (PROTOCOL §3.7), and not served.
    const restored = peer(A);
    restored.store.holdOwnCommits();
    const [early] = restored.store.commit([tagWrite(testId(622), "t3")]);
    expect(early).toMatchObject({ provisional: true });
    const tags = stream(A, Resource.TAG);
    const listed = restored.store.watermarks();
    expect(listed.map((w) => [w.cursor, w.pulling])).toEqual([[undefined, true]]);
    expect(
      restored.store.changesAfter(tags, undefined, { maxChanges: 9, maxBytes: 0 }).status,
    ).toBe(PageStatus.NOT_HELD);
    // Pulling A's streams back from B moves the early change above them.
    pullAll(b.store, restored.store);
    const seqs = restored.store
      .reconcileItems(tags)
      .map((i) => i.seq)
      .sort();
    expect(seqs).toEqual([]);
    expect(restored.store.confirmOwnStreams()).toContainEqual(tags);
    expect(
      restored.store
        .reconcileItems(tags)
        .map((i) => [idToHex(i.id), i.seq])
        .sort((x, y) => Number(x[1]) - Number(y[1])),
    ).toEqual([
      [idToHex(testId(620)), 1n],
      [idToHex(testId(621)), 2n],
      [idToHex(testId(622)), 3n],
    ]);
    const [batch] = restored.store.commit([tagWrite(testId(623), "t4")]);
    expect(batch).toMatchObject({ prevSeq: 3n, provisional: false });
    expect(batch?.changes[0]?.seq).toBe(4n);
    expect(recomputeFingerprint(restored.db, tags)).toEqual(
      restored.store.streamState(tags)?.fingerprint,
    );
  });
});

describe("serve", () => {
  it("pages in seq order with complete_through and never beyond the cursor", () => {
    const a = peer(A);
    bootstrap(a, A);
    a.store.commit([1, 2, 3, 4].map((i) => entryWrite(testId(140 + i), LOC, ROOT)));
    const p1 = a.store.changesAfter(entries(A), undefined, { maxChanges: 2, maxBytes: 1 << 20 });
    expect(p1).toMatchObject({ status: PageStatus.OK, completeThrough: 2n, streamDone: false });
    const p2 = a.store.changesAfter(entries(A), 2n, { maxChanges: 10, maxBytes: 1 << 20 });
    expect(p2.changes.map((c) => c.seq)).toEqual([3n, 4n, 5n]);
    expect(p2).toMatchObject({ completeThrough: 5n, streamDone: true });
    const tiny = a.store.changesAfter(entries(A), undefined, { maxChanges: 10, maxBytes: 1 });
    expect(tiny.changes).toHaveLength(1);
    expect(tiny.completeThrough).toBe(1n);
  });

  it("a relay in mid-pull serves only up to its cursor", () => {
    const a = peer(A);
    const b = peer(B);
    bootstrap(a, A);
    pullAll(a.store, b.store);
    a.store.commit([entryWrite(testId(150), LOC, ROOT)]);
    const page = a.store.changesAfter(entries(A), 1n, { maxChanges: 10, maxBytes: 1 << 20 });
    b.store.apply(entries(A), page.changes, { mode: "page" });
    const served = b.store.changesAfter(entries(A), undefined, {
      maxChanges: 10,
      maxBytes: 1 << 20,
    });
    expect(served.changes.map((c) => c.seq)).toEqual([1n]);
    expect(served.completeThrough).toBe(1n);
  });

  it("answers NOT_HELD without a cursor or for an unknown resource, BELOW_HORIZON below the horizon", () => {
    const a = peer(A);
    bootstrap(a, A);
    expect(a.store.changesAfter(entries(B), undefined, { maxChanges: 1, maxBytes: 1 }).status).toBe(
      PageStatus.NOT_HELD,
    );
    // A resource of a later version: nothing held, not a malformed request (§14).
    const future = { ...entries(A), resource: 99 as Resource };
    expect(a.store.changesAfter(future, undefined, { maxChanges: 1, maxBytes: 1 })).toMatchObject({
      status: PageStatus.NOT_HELD,
      streamDone: true,
      changes: [],
    });
    a.store.commit([entryWrite(testId(160), LOC, ROOT)]);
    a.store.commit([tombstoneWrite(Resource.ENTRY, testId(160))]);
    const fp = a.store.streamState(entries(A))?.fingerprint;
    expect(a.store.pruneTombstones(entries(A), 3n)).toBe(1);
    expect(a.store.streamState(entries(A))).toMatchObject({
      fingerprint: fp,
      tombstoneHorizon: 3n,
    });
    const below = a.store.changesAfter(entries(A), 1n, { maxChanges: 10, maxBytes: 1 << 20 });
    expect(below).toMatchObject({ status: PageStatus.BELOW_HORIZON, tombstoneHorizon: 3n });
    const fresh = a.store.changesAfter(entries(A), undefined, {
      maxChanges: 10,
      maxBytes: 1 << 20,
    });
    expect(fresh.status).toBe(PageStatus.OK);
  });

  it("reconcileItems and changesByIds cover live rows and tombstones, ascending by id", () => {
    const a = peer(A);
    bootstrap(a, A);
    a.store.commit([entryWrite(testId(171), LOC, ROOT), entryWrite(testId(170), LOC, ROOT)]);
    a.store.commit([tombstoneWrite(Resource.ENTRY, testId(171))]);
    const items = a.store.reconcileItems(entries(A));
    expect(items.map((i) => idToHex(i.id))).toEqual(
      [ROOT, testId(170), testId(171)].map(idToHex).sort(),
    );
    const changes = a.store.changesByIds(entries(A), [testId(171), testId(170), testId(999)]);
    expect(changes.map((c) => [c.seq, c.body.case])).toEqual([
      [3n, "entry"],
      [4n, "tombstone"],
    ]);
  });
});

describe("open", () => {
  it("migrates once, persists state in a file, and refuses another library", () => {
    const dir = mkdtempSync(join(tmpdir(), "tidemark-store-"));
    try {
      const file = join(dir, "replica.db");
      const first = peer(A, { db: new Database(file) });
      bootstrap(first, A);
      const fp = first.store.streamState(entries(A))?.fingerprint;
      first.store.close();
      const again = peer(A, { db: new Database(file) });
      expect(again.store.streamState(entries(A))?.fingerprint).toEqual(fp);
      expect(again.db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(again.db.prepare("SELECT COUNT(*) FROM schema_version").pluck().get()).toBe(
        SCHEMA_VERSION,
      );
      again.store.close();
      expect(() =>
        openStore(new Database(file), {
          deviceId: idToHex(A),
          libraryId: idToHex(testId(5)),
          clock: { now: () => T0, monotonic: () => 0 },
        }),
      ).toThrow(expect.objectContaining({ code: EngineErrorCode.Invalid }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Regression tests named after the seed system's bugs (DESIGN §1, B1–B5).
// Each also runs the known-bad variant where one exists (a store decorator
// injected by this test, @tidemark/engine/testing), to prove the test
// would catch the bug.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { PageStatus, Resource, StreamWatermarkSchema } from "@tidemark/protocol";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { hlcMs } from "../hlc/index.js";
import { knownBadParts } from "../testing/index.js";
import { idToHex } from "./ids.js";
import { openStore } from "./store.js";
import type { ReplicaStore, StreamKey } from "./store-api.js";
import { changeOf, entryWrite, locationWrite, tagWrite, testId, volumeWrite } from "./testing.js";

const T0 = 1_750_000_000_000;
const LIB = idToHex(testId(999));
const A = testId(1, 0xaa);
const B = testId(2, 0xbb);
const VOL = testId(10);
const LOC = testId(11);
const ENTRIES: StreamKey = { origin: idToHex(A), resource: Resource.ENTRY };
const stores: ReplicaStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

type Variant = "timestampWatermark" | "ownershipFilterEmpty";

function open(
  device: Uint8Array,
  variant: Variant | undefined = undefined,
  db = new Database(":memory:"),
  now = T0,
) {
  const sqlite = openStore(db, {
    deviceId: idToHex(device),
    libraryId: LIB,
    clock: { now: () => now, monotonic: () => 0 },
  });
  const decorate = variant === undefined ? undefined : knownBadParts(variant).store;
  const store = decorate === undefined ? sqlite : decorate(sqlite, db);
  stores.push(store);
  return { store, db };
}

/** Origin A with a location, then three realtime batches of entries. */
function originWithBatches() {
  const a = open(A);
  const prelude = a.store.commit([volumeWrite(VOL), locationWrite(LOC, VOL)]);
  const batches = [1, 2, 3].map(
    (n) => a.store.commit([entryWrite(testId(100 + n), LOC, undefined, `e${n}`)])[0],
  );
  return { a, prelude, batches: batches.filter((b) => b !== undefined) };
}

function replica(variant?: Variant) {
  const { a, prelude, batches } = originWithBatches();
  const b = open(B, variant);
  for (const p of prelude)
    b.store.apply(p.stream, p.changes, { mode: "chain", prevSeq: p.prevSeq });
  return { a, b, batches };
}

describe("seed bugs", () => {
  it("leapfrog-reordered-delivery (B1): the cursor never jumps over a batch that has not arrived", () => {
    const { a, b, batches } = replica();
    const [b1, b2, b3] = batches;
    if (!b1 || !b2 || !b3) throw new Error("missing batch");
    b.store.apply(b1.stream, b1.changes, { mode: "chain", prevSeq: b1.prevSeq });
    const r = b.store.apply(b3.stream, b3.changes, { mode: "chain", prevSeq: b3.prevSeq });
    expect(r).toMatchObject({ kind: "gap", cursor: 1n });
    expect(b.store.streamState(ENTRIES)?.cursor).toBe(1n);
    b.store.apply(b2.stream, b2.changes, { mode: "chain", prevSeq: b2.prevSeq });
    b.store.apply(b3.stream, b3.changes, { mode: "chain", prevSeq: b3.prevSeq });
    expect(b.store.streamState(ENTRIES)).toMatchObject({
      cursor: 3n,
      fingerprint: a.store.streamState(ENTRIES)?.fingerprint,
    });

    // The seed's timestamp watermark leapfrogs: cursor 3 while seq 2 is missing.
    const bad = replica("timestampWatermark");
    const [c1, , c3] = bad.batches;
    if (!c1 || !c3) throw new Error("missing batch");
    bad.b.store.apply(c1.stream, c1.changes, { mode: "chain", prevSeq: c1.prevSeq });
    bad.b.store.apply(c3.stream, c3.changes, { mode: "chain", prevSeq: c3.prevSeq });
    const leapt = bad.b.store.streamState(ENTRIES);
    expect(leapt?.cursor).toBe(3n);
    expect(leapt?.fingerprint).not.toEqual(bad.a.store.streamState(ENTRIES)?.fingerprint);
  });

  it("equal-counts-different-rows (B2): same live count, different fingerprints", () => {
    // Stale version: the replica missed a rename, so it holds the same ids.
    const { a, b, batches } = replica("timestampWatermark");
    a.store.commit([entryWrite(testId(101), LOC, undefined, "e1-renamed")]);
    const tail = a.store.changesAfter(ENTRIES, 3n, { maxChanges: 10, maxBytes: 1 << 20 });
    for (const x of [batches[0], batches[2], batches[1]]) {
      if (x) b.store.apply(x.stream, x.changes, { mode: "chain", prevSeq: x.prevSeq });
    }
    const missedRename = { ...tail, changes: [] };
    expect(missedRename.changes).toHaveLength(0);
    const sa = a.store.streamState(ENTRIES);
    const sb = b.store.streamState(ENTRIES);
    expect(sb?.liveCount).toBe(sa?.liveCount);
    expect(sb?.fingerprint).not.toEqual(sa?.fingerprint);

    // Different rows: two replicas hold two different rows at the same cursor.
    const x = open(testId(3, 0xcc));
    const y = open(testId(4, 0xdd));
    const rows = [1, 2, 3].map((i) =>
      changeOf(entryWrite(testId(200 + i), LOC, undefined), BigInt(i)),
    );
    const loc = changeOf(locationWrite(LOC, VOL), 1n);
    const vol = changeOf(volumeWrite(VOL), 1n);
    for (const [s, picked] of [
      [x.store, [rows[0], rows[1]]],
      [y.store, [rows[0], rows[2]]],
    ] as const) {
      s.apply({ origin: idToHex(A), resource: Resource.VOLUME }, [vol], {
        mode: "chain",
        prevSeq: undefined,
      });
      s.apply({ origin: idToHex(A), resource: Resource.LOCATION }, [loc], {
        mode: "chain",
        prevSeq: undefined,
      });
      s.apply(
        ENTRIES,
        picked.filter((c) => c !== undefined),
        { mode: "page" },
      );
      s.finishPull(ENTRIES, 3n);
    }
    expect(x.store.streamState(ENTRIES)?.liveCount).toBe(2n);
    expect(y.store.streamState(ENTRIES)?.liveCount).toBe(2n);
    expect(x.store.streamState(ENTRIES)?.fingerprint).not.toEqual(
      y.store.streamState(ENTRIES)?.fingerprint,
    );
  });

  it("ownership-query-returns-owner-rows (B3): serving a stream returns exactly its origin's rows, by one indexed query", () => {
    const { a, b, batches } = replica();
    for (const x of batches)
      b.store.apply(x.stream, x.changes, { mode: "chain", prevSeq: x.prevSeq });
    b.store.commit([volumeWrite(testId(50)), locationWrite(testId(51), testId(50))]);
    b.store.commit([entryWrite(testId(300), testId(51), undefined, "b's own")]);
    const served = b.store.changesAfter(ENTRIES, undefined, { maxChanges: 100, maxBytes: 1 << 20 });
    expect(served.changes.map((c) => idToHex(c.rowId))).toEqual(
      [101, 102, 103].map((n) => idToHex(testId(n))),
    );
    expect(served.completeThrough).toBe(3n);
    const plan = b.db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT id, seq FROM entry WHERE origin = ? AND seq > ? AND seq <= ? ORDER BY seq",
      )
      .all(A, 0, 3) as { detail: string }[];
    expect(plan.map((p) => p.detail).join(" ")).toMatch(/USING (COVERING )?INDEX entry_origin_seq/);
    expect(
      a.store.changesAfter(ENTRIES, undefined, { maxChanges: 100, maxBytes: 1 << 20 }).changes,
    ).toHaveLength(3);

    const bad = replica("ownershipFilterEmpty");
    for (const x of bad.batches)
      bad.b.store.apply(x.stream, x.changes, { mode: "chain", prevSeq: x.prevSeq });
    const none = bad.b.store.changesAfter(ENTRIES, undefined, {
      maxChanges: 100,
      maxBytes: 1 << 20,
    });
    expect(bad.b.store.streamState(ENTRIES)?.liveCount).toBe(3n);
    expect(none.changes).toHaveLength(0);
  });

  it("no-watermark-is-absent-not-epoch-or-max (B4): a missing cursor is absent everywhere", () => {
    const b = open(B);
    expect(b.store.streamState(ENTRIES)).toBeUndefined();
    // Pages applied but the pull unfinished: still no cursor.
    b.store.apply(ENTRIES, [changeOf(entryWrite(testId(400), LOC, undefined), 5n)], {
      mode: "page",
    });
    const st = b.store.streamState(ENTRIES);
    expect(st?.cursor).toBeUndefined();
    expect(st?.tombstoneHorizon).toBeUndefined();
    expect(b.db.prepare("SELECT cursor, horizon FROM stream").raw(true).get()).toEqual([
      null,
      null,
    ]);
    const wm = b.store.watermarks().find((w) => w.stream?.resource === Resource.ENTRY);
    expect(wm?.cursor).toBeUndefined();
    const wire = fromBinary(
      StreamWatermarkSchema,
      toBinary(StreamWatermarkSchema, wm ?? fromBinary(StreamWatermarkSchema, new Uint8Array())),
    );
    expect(wire.cursor).toBeUndefined();
    expect(wire.tombstoneHorizon).toBeUndefined();
    expect(
      b.store.changesAfter(ENTRIES, undefined, { maxChanges: 10, maxBytes: 1 << 20 }).status,
    ).toBe(PageStatus.NOT_HELD);
  });

  it("hlc-survives-restart (B5): the HLC is persisted with each write and restored on open", () => {
    const dir = mkdtempSync(join(tmpdir(), "tidemark-hlc-"));
    try {
      const file = join(dir, "a.db");
      const first = open(A, undefined, new Database(file), T0);
      const [w1] = first.store.commit([tagWrite(testId(500), "one")]);
      const h1 = w1?.changes[0]?.hlc as bigint;
      expect(h1).toBeGreaterThan(0n);
      expect(
        first.db
          .prepare("SELECT value FROM meta WHERE key = 'hlc'")
          .safeIntegers(true)
          .pluck()
          .get(),
      ).toBe(first.store.hlcNow());
      first.store.close();
      // Restart with the wall clock an hour behind.
      const second = open(A, undefined, new Database(file), T0 - 3_600_000);
      expect(second.store.hlcNow()).toBe(h1);
      const [w2] = second.store.commit([tagWrite(testId(501), "two")]);
      const h2 = w2?.changes[0]?.hlc as bigint;
      expect(h2).toBeGreaterThan(h1);
      expect(hlcMs(h2)).toBe(T0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

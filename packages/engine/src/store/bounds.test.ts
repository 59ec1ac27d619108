// What a hostile origin's changes can make the store hold (issue 14): the
// missing-parent buffer is bounded per origin and in bytes, and parent
// links that name the row itself or close a cycle are refused at apply —
// never held forever, never failing the apply of an honest parent.
import { Resource } from "@tidemark/protocol";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { EngineErrorCode } from "../errors.js";
import type { DependencyLimits } from "./dep-buffer.js";
import { idToHex } from "./ids.js";
import { recomputeFingerprint } from "./inspect.js";
import { openStore } from "./store.js";
import type { ApplyOutcome, ReplicaStore, StreamKey } from "./store-api.js";
import {
  changeOf,
  entryWrite,
  locationWrite,
  tagWrite,
  testId,
  tombstoneWrite,
  volumeWrite,
} from "./testing.js";

const LIB = idToHex(testId(999));
const ME = testId(1, 0xaa);
const EVIL = testId(2, 0xee);
const HONEST = testId(3, 0xbb);
// Device-owned rows belong to one origin: each origin has its own.
const VOL = (o: Uint8Array) => testId(10, o[0]);
const LOC = testId(11, EVIL[0]);
const locOf = (o: Uint8Array) => testId(11, o[0]);

const open: ReplicaStore[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function store(limits: Partial<DependencyLimits> = {}): { s: ReplicaStore; db: Database.Database } {
  const db = new Database(":memory:");
  const s = openStore(db, {
    deviceId: idToHex(ME),
    libraryId: LIB,
    clock: { now: () => 1_750_000_000_000, monotonic: () => 0 },
    dependencyLimits: limits,
  });
  open.push(s);
  return { s, db };
}

const key = (origin: Uint8Array, resource: Resource): StreamKey => ({
  origin: idToHex(origin),
  resource,
});

function code(o: ApplyOutcome): string {
  return o.kind === "rejected" ? o.error.code : o.kind;
}

/** Volume and location of `origin`, applied as pages. */
function locationOf(s: ReplicaStore, origin: Uint8Array) {
  const vol = VOL(origin);
  expect(
    code(s.apply(key(origin, Resource.VOLUME), [changeOf(volumeWrite(vol), 1n)], { mode: "page" })),
  ).toBe("applied");
  return s.apply(
    key(origin, Resource.LOCATION),
    [changeOf(locationWrite(locOf(origin), vol), 1n)],
    {
      mode: "page",
    },
  );
}

describe("parent links", () => {
  it("regression: entry-own-parent-stuck-in-buffer — refused at apply even while its location is missing", () => {
    const { s, db } = store();
    const self = testId(50);
    // Its location has not arrived: it used to be held for the location,
    // then fail the location's own apply when released.
    const o = s.apply(key(EVIL, Resource.ENTRY), [changeOf(entryWrite(self, LOC, self), 1n)], {
      mode: "page",
    });
    expect(code(o)).toBe(EngineErrorCode.Invalid);
    expect(o.kind === "rejected" && o.error.message).toContain("own parent");
    expect(db.prepare("SELECT COUNT(*) FROM dep_buffer").pluck().get()).toBe(0);
    expect(code(locationOf(s, EVIL))).toBe("applied");
  });

  it("a cycle through held rows is refused at the change that closes it; nothing stays stuck", () => {
    const { s } = store();
    locationOf(s, EVIL);
    const [a, b, c] = [testId(60), testId(61), testId(62)];
    const entries = key(EVIL, Resource.ENTRY);
    // a under b (missing), b under c (missing): both held.
    expect(code(s.apply(entries, [changeOf(entryWrite(a, LOC, b), 1n)], { mode: "page" }))).toBe(
      "applied",
    );
    expect(code(s.apply(entries, [changeOf(entryWrite(b, LOC, c), 2n)], { mode: "page" }))).toBe(
      "applied",
    );
    expect(s.dependencyStats().rows).toBe(2);
    // c under a closes a -> b -> c -> a.
    const closing = s.apply(entries, [changeOf(entryWrite(c, LOC, a), 3n)], { mode: "page" });
    expect(code(closing)).toBe(EngineErrorCode.Invalid);
    expect(closing.kind === "rejected" && closing.error.message).toContain("cycle");
    // c as a root instead lands, and releases b then a.
    expect(
      code(s.apply(entries, [changeOf(entryWrite(c, LOC, undefined), 4n)], { mode: "page" })),
    ).toBe("applied");
    expect(s.dependencyStats().rows).toBe(0);
  });

  it("a cycle through a written row (a move under a held descendant) is refused", () => {
    const { s } = store();
    locationOf(s, EVIL);
    const [root, x, w] = [testId(70), testId(71), testId(72)];
    const entries = key(EVIL, Resource.ENTRY);
    const page = [
      changeOf(entryWrite(root, LOC, undefined), 1n),
      changeOf(entryWrite(w, LOC, root), 2n),
    ];
    expect(code(s.apply(entries, page, { mode: "page" }))).toBe("applied");
    // w moves under x, which has not arrived: held.
    expect(code(s.apply(entries, [changeOf(entryWrite(w, LOC, x), 3n)], { mode: "page" }))).toBe(
      "applied",
    );
    // x under w: w's pending version is under x — a cycle.
    const closing = s.apply(entries, [changeOf(entryWrite(x, LOC, w), 4n)], { mode: "page" });
    expect(code(closing)).toBe(EngineErrorCode.Invalid);
  });

  it("a cycle through a change also missing its location is refused; nothing stays stuck", () => {
    const { s } = store();
    locationOf(s, EVIL);
    const loc2 = testId(12, EVIL[0]);
    const [x, r] = [testId(75), testId(76)];
    const entries = key(EVIL, Resource.ENTRY);
    // x: its location and its parent r both missing. It used to wait keyed
    // by the location, so r (under x) skipped the cycle walk and both
    // stayed held for good (RF-3).
    expect(code(s.apply(entries, [changeOf(entryWrite(x, loc2, r), 1n)], { mode: "page" }))).toBe(
      "applied",
    );
    const closing = s.apply(entries, [changeOf(entryWrite(r, LOC, x), 2n)], { mode: "page" });
    expect(code(closing)).toBe(EngineErrorCode.Invalid);
    expect(closing.kind === "rejected" && closing.error.message).toContain("cycle");
    // r as a root, then x's location: both land.
    expect(
      code(s.apply(entries, [changeOf(entryWrite(r, LOC, undefined), 3n)], { mode: "page" })),
    ).toBe("applied");
    const vol = VOL(EVIL);
    expect(
      code(
        s.apply(key(EVIL, Resource.LOCATION), [changeOf(locationWrite(loc2, vol), 2n)], {
          mode: "page",
        }),
      ),
    ).toBe("applied");
    expect(s.dependencyStats().rows).toBe(0);
  });

  it("a held child naming another origin's directory is dropped when that directory lands", () => {
    const { s, db } = store();
    locationOf(s, EVIL);
    expect(code(locationOf(s, HONEST))).toBe("applied");
    const [dir, child] = [testId(80, HONEST[0]), testId(81)];
    const evil = key(EVIL, Resource.ENTRY);
    // The forged child comes first: held for its missing parent.
    expect(code(s.apply(evil, [changeOf(entryWrite(child, LOC, dir), 1n)], { mode: "page" }))).toBe(
      "applied",
    );
    // The honest directory lands; it used to release the child, storing a
    // hard reference across origins (RF-6) that every peer then refused to pull.
    const honest = [changeOf(entryWrite(dir, locOf(HONEST), undefined), 1n)];
    expect(code(s.apply(key(HONEST, Resource.ENTRY), honest, { mode: "page" }))).toBe("applied");
    expect(db.prepare("SELECT COUNT(*) FROM entry WHERE id = ?").pluck().get(child)).toBe(0);
    expect(db.prepare("SELECT COUNT(*) FROM entry WHERE id = ?").pluck().get(dir)).toBe(1);
    expect(s.dependencyStats().rows).toBe(0);
    expect(s.streamState(evil)?.liveCount).toBe(0n);
    expect(s.streamState(evil)?.fingerprint).toEqual(recomputeFingerprint(db, evil));
    // Sent again after the directory, it is refused outright.
    const again = s.apply(evil, [changeOf(entryWrite(child, LOC, dir), 2n)], { mode: "page" });
    expect(code(again)).toBe(EngineErrorCode.Invalid);
    expect(again.kind === "rejected" && again.error.message).toContain("crosses origins");
  });

  it("a held move under another origin's directory is dropped: the row keeps its stored version", () => {
    const { s, db } = store();
    locationOf(s, EVIL);
    expect(code(locationOf(s, HONEST))).toBe("applied");
    const [dir, w] = [testId(82, HONEST[0]), testId(83)];
    const evil = key(EVIL, Resource.ENTRY);
    expect(
      code(s.apply(evil, [changeOf(entryWrite(w, LOC, undefined, "w"), 1n)], { mode: "page" })),
    ).toBe("applied");
    expect(
      code(s.apply(evil, [changeOf(entryWrite(w, LOC, dir, "w"), 2n)], { mode: "page" })),
    ).toBe("applied");
    const honest = [changeOf(entryWrite(dir, locOf(HONEST), undefined), 1n)];
    expect(code(s.apply(key(HONEST, Resource.ENTRY), honest, { mode: "page" }))).toBe("applied");
    expect(s.dependencyStats().rows).toBe(0);
    expect(db.prepare("SELECT seq, parent_id FROM entry WHERE id = ?").raw().get(w)).toEqual([
      1,
      null,
    ]);
    expect(s.streamState(evil)?.liveCount).toBe(1n);
    expect(s.streamState(evil)?.fingerprint).toEqual(recomputeFingerprint(db, evil));
  });
});

describe("the missing-parent buffer", () => {
  function orphans(origin: Uint8Array, n: number, from = 0, name = "f") {
    return Array.from({ length: n }, (_, i) =>
      changeOf(
        entryWrite(testId(1000 + from + i, origin[0]), locOf(origin), testId(999_999), name),
        BigInt(from + i + 1),
      ),
    );
  }

  it("regression: dependency-buffer-filled-by-one-origin — a per-origin row bound, the whole page refused", () => {
    const { s, db } = store({ rowsPerOrigin: 5 });
    locationOf(s, EVIL);
    locationOf(s, HONEST);
    const evil = key(EVIL, Resource.ENTRY);
    expect(code(s.apply(evil, orphans(EVIL, 4), { mode: "page" }))).toBe("applied");
    const over = s.apply(evil, orphans(EVIL, 3, 4), { mode: "page" });
    expect(code(over)).toBe(EngineErrorCode.BufferFull);
    expect(over.kind === "rejected" && over.error.details.limit).toBe("dependency-rows-per-origin");
    // Nothing of the refused page stays; the stream's state is as before.
    expect(s.dependencyStats()).toMatchObject({ rows: 4, maxOriginRows: 4 });
    expect(s.streamState(evil)?.maxAppliedSeq).toBe(4n);
    expect(db.prepare("SELECT COUNT(*) FROM dep_buffer").pluck().get()).toBe(4);
    // Another origin still has its own room.
    expect(code(s.apply(key(HONEST, Resource.ENTRY), orphans(HONEST, 5), { mode: "page" }))).toBe(
      "applied",
    );
  });

  it("bounds the bytes one origin holds, and the bytes of all", () => {
    const big = "n".repeat(1000);
    const { s } = store({ bytesPerOrigin: 5_000, bytes: 8_000 });
    locationOf(s, EVIL);
    locationOf(s, HONEST);
    const perOrigin = s.apply(key(EVIL, Resource.ENTRY), orphans(EVIL, 6, 0, big), {
      mode: "page",
    });
    expect(perOrigin.kind === "rejected" && perOrigin.error.details.limit).toBe(
      "dependency-bytes-per-origin",
    );
    expect(
      code(s.apply(key(EVIL, Resource.ENTRY), orphans(EVIL, 4, 0, big), { mode: "page" })),
    ).toBe("applied");
    const global = s.apply(key(HONEST, Resource.ENTRY), orphans(HONEST, 4, 0, big), {
      mode: "page",
    });
    expect(global.kind === "rejected" && global.error.details.limit).toBe("dependency-bytes");
    expect(s.dependencyStats().bytes).toBeLessThanOrEqual(8_000);
  });

  it("a newer version of a held row replaces it: held once, counted once, even at the bound", () => {
    const { s, db } = store({ rowsPerOrigin: 1 });
    locationOf(s, EVIL);
    const entries = key(EVIL, Resource.ENTRY);
    const [row, p1, p2] = [testId(80), testId(81), testId(82)];
    const first = changeOf(entryWrite(row, LOC, p1, "a"), 1n);
    expect(code(s.apply(entries, [first], { mode: "page" }))).toBe("applied");
    const moved = changeOf(entryWrite(row, LOC, p2, "a longer name"), 2n);
    expect(code(s.apply(entries, [moved], { mode: "page" }))).toBe("applied");
    expect(s.dependencyStats()).toMatchObject({ rows: 1, maxOriginRows: 1 });
    expect(db.prepare("SELECT COUNT(*) FROM dep_buffer").pluck().get()).toBe(1);
    // p1 landing releases nothing; p2 releases the newer version.
    const dir = (id: Uint8Array, seq: bigint) => changeOf(entryWrite(id, LOC, undefined, "d"), seq);
    expect(code(s.apply(entries, [dir(p1, 3n)], { mode: "page" }))).toBe("applied");
    expect(s.dependencyStats().rows).toBe(1);
    expect(code(s.apply(entries, [dir(p2, 4n)], { mode: "page" }))).toBe("applied");
    expect(s.dependencyStats()).toMatchObject({ rows: 0, bytes: 0 });
  });

  it("an app's own write naming a missing parent is refused as Invalid, even with the buffer full", () => {
    const { s } = store({ rows: 2 });
    locationOf(s, EVIL);
    expect(code(s.apply(key(EVIL, Resource.ENTRY), orphans(EVIL, 2), { mode: "page" }))).toBe(
      "applied",
    );
    s.commit([volumeWrite(VOL(ME)), locationWrite(locOf(ME), VOL(ME))]);
    // The app's mistake, not a peer's: the reason must say so, not "buffer full".
    expect(() => s.commit([entryWrite(testId(90), locOf(ME), testId(91))])).toThrow(
      expect.objectContaining({ code: EngineErrorCode.Invalid }),
    );
    expect(s.dependencyStats().rows).toBe(2);
  });

  it("an app's own child written before its parent in one commit lands with the buffer full", () => {
    const { s } = store({ rows: 2 });
    locationOf(s, EVIL);
    s.apply(key(EVIL, Resource.ENTRY), orphans(EVIL, 2), { mode: "page" });
    s.commit([volumeWrite(VOL(ME)), locationWrite(locOf(ME), VOL(ME))]);
    const [child, dir] = [testId(92), testId(93)];
    s.commit([entryWrite(child, locOf(ME), dir), entryWrite(dir, locOf(ME), undefined)]);
    expect(s.streamState(key(ME, Resource.ENTRY))?.liveCount).toBe(2n);
    expect(s.dependencyStats().rows).toBe(2);
  });

  it("keeps its accounting across a reopen", () => {
    const { s, db } = store();
    locationOf(s, EVIL);
    s.apply(key(EVIL, Resource.ENTRY), orphans(EVIL, 3), { mode: "page" });
    const before = s.dependencyStats();
    const again = openStore(db, {
      deviceId: idToHex(ME),
      libraryId: LIB,
      clock: { now: () => 1_750_000_000_000, monotonic: () => 0 },
    });
    expect(again.dependencyStats()).toEqual(before);
  });
});

describe("repair at open", () => {
  it("forgets stream rows that hold nothing, keeps own streams and streams with held rows", () => {
    const { s, db } = store();
    locationOf(s, EVIL);
    s.apply(
      key(EVIL, Resource.ENTRY),
      [changeOf(entryWrite(testId(80), locOf(EVIL), testId(81)), 1n)],
      {
        mode: "page",
      },
    );
    const junk = db.prepare(
      "INSERT INTO stream (origin, resource, cursor, live_count, fingerprint, pulling) VALUES (?, ?, ?, 0, ?, 1)",
    );
    junk.run(testId(90, 0x90), Resource.ENTRY, null, new Uint8Array(16));
    junk.run(testId(91, 0x91), Resource.TAG, 7n, new Uint8Array(16));
    junk.run(ME, Resource.TAG, null, new Uint8Array(16));
    const before = s.streams().length;
    const again = openStore(db, {
      deviceId: idToHex(ME),
      libraryId: LIB,
      clock: { now: () => 1_750_000_000_000, monotonic: () => 0 },
    });
    expect(again.repairedStreams).toBe(2);
    const kept = again.streams().map((x) => `${x.stream.origin}/${x.stream.resource}`);
    expect(kept).toContain(`${idToHex(ME)}/${Resource.TAG}`);
    expect(kept).toContain(`${idToHex(EVIL)}/${Resource.ENTRY}`);
    expect(again.streams().length).toBe(before + 3 - 2);
  });

  it("keeps a stream pruned down to nothing: its cursor and horizon survive a reopen", () => {
    const { s, db } = store();
    const theirs = key(HONEST, Resource.TAG);
    const tag = testId(95);
    const hlc = (ms: number) => BigInt(1_750_000_000_000 + ms) << 16n;
    const chain = [
      changeOf(tagWrite(tag, "gone"), 1n, hlc(0)),
      changeOf(tombstoneWrite(Resource.TAG, tag), 2n, hlc(1)),
    ];
    expect(s.apply(theirs, chain, { mode: "chain", prevSeq: undefined }).kind).toBe("applied");
    s.pruneTombstones(theirs, 2n);
    const again = openStore(db, {
      deviceId: idToHex(ME),
      libraryId: LIB,
      clock: { now: () => 1_750_000_000_000, monotonic: () => 0 },
    });
    expect(again.repairedStreams).toBe(0);
    expect(again.streamState(theirs)).toMatchObject({ cursor: 2n, tombstoneHorizon: 2n });
  });

  it("an abandoned pull of a stream never held leaves nothing behind", () => {
    const { s } = store();
    const own = key(ME, Resource.TAG);
    s.beginPull(own);
    expect(s.streamState(own)?.pulling).toBe(true);
    s.abandonPull(own);
    expect(s.streamState(own)).toBeUndefined();
    const theirs = key(EVIL, Resource.TAG);
    s.beginPull(theirs);
    expect(s.streamState(theirs)).toBeUndefined();
  });
});

// Store guarantees the sync layer relies on, owned by the store itself:
// forgetRows (full resync removes rows whose deletes a responder pruned,
// without inventing a seq), a pulling stream's frozen cursor, and parents
// fetched by id mid-pull (RF-5) that leave its resume point alone.
import { PageStatus, Resource } from "@tidemark/protocol";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { EngineErrorCode } from "../errors.js";
import { idToHex } from "./ids.js";
import { closureRows, expectedClosureRows, recomputeFingerprint } from "./inspect.js";
import { openStore } from "./store.js";
import type { ReplicaStore, StreamKey } from "./store-api.js";
import {
  changeOf,
  deviceWrite,
  entryWrite,
  locationWrite,
  tagWrite,
  testId,
  volumeWrite,
} from "./testing.js";

const LIB = idToHex(testId(999));
const A = testId(1, 0xaa);
const B = testId(2, 0xbb);
const VOL = testId(10);
const LOC = testId(11);
const ROOT = testId(12);
const DIR = testId(13);
const FILE = testId(14);
const OTHER = testId(15);

type Peer = { store: ReplicaStore; db: Database.Database };
const opened: Peer[] = [];
afterEach(() => {
  for (const p of opened.splice(0)) p.store.close();
});

function peer(device: Uint8Array): Peer {
  const db = new Database(":memory:");
  const store = openStore(db, {
    deviceId: idToHex(device),
    libraryId: LIB,
    clock: { now: () => 1_750_000_000_000, monotonic: () => 0 },
  });
  const p = { store, db };
  opened.push(p);
  return p;
}

const entries: StreamKey = { origin: idToHex(A), resource: Resource.ENTRY };

function pullAll(from: ReplicaStore, to: ReplicaStore): void {
  for (const w of from.watermarks()) {
    const key = {
      origin: idToHex(w.stream?.origin ?? new Uint8Array()),
      resource: w.stream?.resource ?? 0,
    };
    const page = from.changesAfter(key, to.streamState(key)?.cursor, {
      maxChanges: 1000,
      maxBytes: 1 << 20,
    });
    expect(page.status).toBe(PageStatus.OK);
    expect(to.apply(key, page.changes, { mode: "page" }).kind).toBe("applied");
    expect(to.finishPull(key, page.completeThrough as bigint).kind).toBe("applied");
  }
}

/** A's tree: root, DIR under root, FILE under DIR, OTHER under root; B holds all of it. */
function replicated() {
  const a = peer(A);
  const b = peer(B);
  a.store.commit([
    deviceWrite(A),
    volumeWrite(VOL),
    locationWrite(LOC, VOL),
    entryWrite(ROOT, LOC, undefined, "root"),
    entryWrite(DIR, LOC, ROOT, "dir"),
    entryWrite(FILE, LOC, DIR, "file"),
    entryWrite(OTHER, LOC, ROOT, "other"),
  ]);
  pullAll(a.store, b.store);
  return { a, b };
}

describe("forgetRows", () => {
  it("removes rows with their fingerprint, count and closure terms and writes no seq", () => {
    const { b } = replicated();
    const before = b.store.streamState(entries);
    const cursor = before?.cursor as bigint;
    b.store.beginPull(entries);
    // Parent before child in the list: the store orders them itself.
    const out = b.store.forgetRows(entries, [DIR, FILE], cursor);
    expect(out.kind).toBe("forgotten");
    if (out.kind !== "forgotten") return;
    expect(out.forgotten.map(idToHex).sort()).toEqual([DIR, FILE].map(idToHex).sort());
    expect(out.kept).toEqual([]);
    const after = b.store.streamState(entries);
    expect(after?.liveCount).toBe((before?.liveCount ?? 0n) - 2n);
    expect(after?.fingerprint).toEqual(recomputeFingerprint(b.db, entries));
    expect(after?.cursor).toBe(cursor);
    expect(after?.maxAppliedSeq).toBe(before?.maxAppliedSeq);
    expect(closureRows(b.db)).toEqual(expectedClosureRows(b.db));
    const ids = b.store.reconcileItems(entries).map((i) => idToHex(i.id));
    expect(ids).not.toContain(idToHex(DIR));
    expect(ids).not.toContain(idToHex(FILE));
    // No change at any seq stands for them: nothing to serve, nothing to resurrect.
    expect(b.store.changesByIds(entries, [DIR, FILE])).toEqual([]);
    const served = b.store.changesAfter(entries, undefined, { maxChanges: 1000, maxBytes: 0 });
    expect(served.changes.map((c) => c.seq)).toEqual([
      ...new Set(served.changes.map((c) => c.seq)),
    ]);
    expect(b.store.finishPull(entries, cursor).kind).toBe("applied");
  });

  it("keeps a row still referenced by a child it was not asked to forget", () => {
    const { b } = replicated();
    const cursor = b.store.streamState(entries)?.cursor as bigint;
    b.store.beginPull(entries);
    const out = b.store.forgetRows(entries, [DIR], cursor);
    expect(out).toMatchObject({ kind: "forgotten", forgotten: [] });
    if (out.kind === "forgotten") expect(out.kept.map(idToHex)).toEqual([idToHex(DIR)]);
    expect(b.store.streamState(entries)?.fingerprint).toEqual(recomputeFingerprint(b.db, entries));
  });

  it("is refused outside a pull and above the responder's horizon", () => {
    const { b } = replicated();
    const cursor = b.store.streamState(entries)?.cursor as bigint;
    const fp = b.store.streamState(entries)?.fingerprint;
    const notPulling = b.store.forgetRows(entries, [FILE], cursor);
    expect(notPulling.kind === "rejected" && notPulling.error.code).toBe(EngineErrorCode.Invalid);
    b.store.beginPull(entries);
    const above = b.store.forgetRows(entries, [FILE], 1n);
    expect(above.kind === "rejected" && above.error.code).toBe(EngineErrorCode.BelowHorizon);
    expect(b.store.streamState(entries)?.fingerprint).toEqual(fp);
  });

  it("drops a shared origin's version whose delete was pruned; the row stays deleted, never an older version", () => {
    // Soak 1/5's cousin, seed 1/4: a device restored from before an origin
    // deleted a shared row kept that origin's live version through a full
    // resync (shared rows were never forgotten), so the delete was undone.
    const C = testId(3, 0xcc);
    const ONLY = testId(40);
    const BOTH = testId(41);
    const b = peer(B);
    const c = peer(C);
    b.store.commit([tagWrite(BOTH, "b's")]);
    c.store.commit([tagWrite(ONLY, "c's"), tagWrite(BOTH, "c's")]);
    const tags: StreamKey = { origin: idToHex(C), resource: Resource.TAG };
    const page = c.store.changesAfter(tags, undefined, { maxChanges: 100, maxBytes: 1 << 20 });
    expect(b.store.apply(tags, page.changes, { mode: "page" }).kind).toBe("applied");
    expect(b.store.finishPull(tags, page.completeThrough as bigint).kind).toBe("applied");
    const visible = (id: Uint8Array) =>
      b.db.prepare("SELECT origin, name, deleted FROM tag WHERE id = ?").raw(true).get(id) as
        | [Uint8Array, string | null, number]
        | undefined;
    expect(visible(BOTH)?.[1]).toBe("c's");
    const before = b.store.streamState(tags);
    const cursor = before?.cursor as bigint;
    b.store.beginPull(tags);
    const out = b.store.forgetRows(tags, [ONLY, BOTH], cursor);
    expect(out.kind).toBe("forgotten");
    if (out.kind === "forgotten") expect(out.kept).toEqual([]);
    expect(b.store.finishPull(tags, cursor).kind).toBe("applied");
    const after = b.store.streamState(tags);
    expect(after?.liveCount).toBe((before?.liveCount ?? 0n) - 2n);
    expect(after?.fingerprint).toEqual(recomputeFingerprint(b.db, tags));
    expect(after?.cursor).toBe(cursor);
    expect(b.store.reconcileItems(tags)).toEqual([]);
    // c deleted both after the versions b held (its pruned tombstones), which
    // beats b's older version too: BOTH must not fall back to it (that was a
    // deleted row resurrected on a device paired again after pruning).
    expect(visible(ONLY)?.[2]).toBe(1);
    expect(visible(BOTH)?.[2]).toBe(1);
    expect(idToHex(visible(BOTH)?.[0] ?? new Uint8Array())).toBe(idToHex(C));
  });
});

describe("a stream mid-pull", () => {
  it("refuses a realtime chain that would move its frozen cursor (gap, nothing applied)", () => {
    const a = peer(A);
    const b = peer(B);
    const boot = a.store.commit([
      deviceWrite(A),
      volumeWrite(VOL),
      locationWrite(LOC, VOL),
      entryWrite(ROOT, LOC, undefined, "root"),
    ]);
    pullAll(a.store, b.store);
    const cursor = b.store.streamState(entries)?.cursor as bigint;
    const [batch] = a.store.commit([entryWrite(DIR, LOC, ROOT, "dir")]);
    expect(batch?.prevSeq).toBe(cursor);
    b.store.beginPull(entries);
    const fp = b.store.streamState(entries)?.fingerprint;
    const outcome = b.store.apply(entries, batch?.changes ?? [], {
      mode: "chain",
      prevSeq: batch?.prevSeq,
    });
    expect(outcome).toMatchObject({ kind: "gap", cursor });
    expect(b.store.streamState(entries)).toMatchObject({ cursor, pulling: true, fingerprint: fp });
    // A duplicate at or below the cursor is still a harmless no-op.
    const dup = boot.find((x) => x.stream.resource === Resource.ENTRY);
    expect(
      b.store.apply(entries, dup?.changes ?? [], { mode: "chain", prevSeq: dup?.prevSeq }).kind,
    ).toBe("applied");
    // Once the pull finishes, the same chain applies and moves the cursor.
    expect(b.store.finishPull(entries, cursor).kind).toBe("applied");
    expect(
      b.store.apply(entries, batch?.changes ?? [], { mode: "chain", prevSeq: batch?.prevSeq }),
    ).toMatchObject({ kind: "applied", cursor: cursor + 1n });
  });

  it("reports pulling in its watermark", () => {
    const { b } = replicated();
    const wm = () =>
      b.store
        .watermarks()
        .find((w) => w.stream?.resource === Resource.ENTRY && w.stream.origin[0] === 0xaa);
    expect(wm()?.pulling).toBe(false);
    b.store.beginPull(entries);
    expect(wm()?.pulling).toBe(true);
    const page = b.store.apply(entries, [changeOf(entryWrite(testId(50), LOC, ROOT, "x"), 100n)], {
      mode: "page",
    });
    expect(page.kind).toBe("applied");
    expect(wm()?.pulling).toBe(true);
  });
});

describe("parents fetched by id mid-pull (RF-5)", () => {
  it("release the held children and leave the resume point where the pages stopped", () => {
    const a = peer(A);
    const b = peer(B);
    const F = [testId(60), testId(61), testId(62)];
    a.store.commit([
      deviceWrite(A),
      volumeWrite(VOL),
      locationWrite(LOC, VOL),
      entryWrite(ROOT, LOC, undefined, "root"),
      entryWrite(DIR, LOC, ROOT, "dir"),
    ]);
    a.store.commit(F.map((f, i) => entryWrite(f, LOC, DIR, `f${i}`)));
    // The rename: DIR's only version is now after its children.
    a.store.commit([entryWrite(DIR, LOC, ROOT, "renamed")]);
    for (const w of a.store.watermarks()) {
      if (w.stream?.resource === Resource.ENTRY) continue;
      const key = { origin: idToHex(A), resource: w.stream?.resource ?? 0 };
      const page = a.store.changesAfter(key, undefined, { maxChanges: 100, maxBytes: 1 << 20 });
      b.store.apply(key, page.changes, { mode: "page" });
      b.store.finishPull(key, page.completeThrough as bigint);
    }
    const limits = { maxChanges: 3, maxBytes: 1 << 20 };
    const first = a.store.changesAfter(entries, undefined, limits);
    expect(b.store.apply(entries, first.changes, { mode: "page" }).kind).toBe("applied");
    const resume = first.changes.at(-1)?.seq;
    expect(b.store.dependencyStats().rows).toBe(2);
    const awaited = b.store.awaitedParents(entries, 10);
    expect(awaited.map(idToHex)).toEqual([idToHex(DIR)]);

    const dir = a.store.changesByIds(entries, awaited);
    expect(b.store.apply(entries, dir, { mode: "parents" }).kind).toBe("applied");
    expect(b.store.dependencyStats().rows).toBe(0);
    expect(b.store.streamState(entries)).toMatchObject({
      pulling: true,
      cursor: undefined,
      resumeAfterSeq: resume,
      maxAppliedSeq: dir[0]?.seq,
    });
    // The rest arrives in order; DIR's own arrival is a no-op.
    const rest = a.store.changesAfter(entries, resume, limits);
    expect(rest.changes.map((c) => idToHex(c.rowId))).toContain(idToHex(DIR));
    expect(b.store.apply(entries, rest.changes, { mode: "page" }).kind).toBe("applied");
    expect(b.store.finishPull(entries, rest.completeThrough as bigint).kind).toBe("applied");
    expect(b.store.streamState(entries)?.fingerprint).toEqual(
      a.store.streamState(entries)?.fingerprint,
    );
    // Outside a pull they are refused: they would sit above a cursor that moves on its own.
    const outside = b.store.apply(entries, dir, { mode: "parents" });
    expect(outside.kind === "rejected" && outside.error.code).toBe(EngineErrorCode.Invalid);
  });
});

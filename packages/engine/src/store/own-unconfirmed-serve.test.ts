// An origin serving its own stream while its own unconfirmed writes sit
// above the cursor (after any open: a restart looks like a restore, §3.7).
// Such a write replacing a row at or below the cursor leaves the origin
// without the stream as of its cursor, so it must promise that cursor to no
// caller (OR-1, the own-stream case of BF-18). Real SQLite files; the
// caller is a second store pulling page by page as a replica does.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PageStatus, Resource } from "@tidemark/protocol";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EngineErrorCode, isEngineError } from "../errors.js";
import { idToHex } from "./ids.js";
import { openStore } from "./store.js";
import type { LocalWrite, PageLimits, ReplicaStore, StreamKey } from "./store-api.js";
import { entryWrite, locationWrite, testId, tombstoneWrite, volumeWrite } from "./testing.js";

const LIB = idToHex(testId(999));
const ORIGIN = idToHex(testId(1, 0xaa));
const CLOCK = { now: () => 1_750_000_000_000, monotonic: () => 0 };
const VOL = testId(10);
const L1 = testId(11);
const L2 = testId(12);
const E = (i: number) => testId(100 + i);
const FK_ORDER = [Resource.VOLUME, Resource.LOCATION, Resource.ENTRY];
const own = (resource: Resource): StreamKey => ({ origin: ORIGIN, resource });
const ENTRIES = own(Resource.ENTRY);
const PAGE: PageLimits = { maxChanges: 2, maxBytes: 0 };

let dir: string;
const opened: ReplicaStore[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tidemark-own-unconfirmed-"));
});
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(name: string, deviceId: string): ReplicaStore {
  const store = openStore(new Database(join(dir, `${name}.db`)), {
    deviceId,
    libraryId: LIB,
    clock: CLOCK,
  });
  opened.push(store);
  return store;
}

/** Opens the origin's file again, as the replica does at every open: own commits held. */
function reopenOrigin(store: ReplicaStore): ReplicaStore {
  store.close();
  opened.splice(opened.indexOf(store), 1);
  const again = open("origin", ORIGIN);
  again.holdOwnCommits();
  return again;
}

function commit(store: ReplicaStore, ...writes: LocalWrite[]): void {
  store.commit(writes);
}

/**
 * The origin, confirmed: a volume, two locations, entries 0..3 (seqs 1..4)
 * under L1 — then closed and opened again (own commits now unconfirmed).
 */
function restartedOrigin(): ReplicaStore {
  const origin = open("origin", ORIGIN);
  commit(origin, volumeWrite(VOL));
  commit(origin, locationWrite(L1, VOL, "/a"), locationWrite(L2, VOL, "/b"));
  commit(origin, ...[0, 1, 2, 3].map((i) => entryWrite(E(i), L1, undefined, `e${i}`)));
  expect(origin.streamState(ENTRIES)?.cursor).toBe(4n);
  return reopenOrigin(origin);
}

/** Below the cursor (4): entry 1 moved and renamed (seq 5), entry 2 deleted (seq 6). */
function replaceBelowCursor(origin: ReplicaStore): void {
  commit(origin, entryWrite(E(1), L2, undefined, "moved1"));
  commit(origin, tombstoneWrite(Resource.ENTRY, E(2)));
  const st = origin.streamState(ENTRIES);
  expect({ cursor: st?.cursor, head: st?.headSeq }).toEqual({ cursor: 4n, head: 6n });
}

type Pulled = {
  readonly status: "finished" | "not-held" | "cut";
  readonly served: bigint[];
};

/**
 * The caller's pull of `stream` from `origin` after its own cursor, page by
 * page (each applied as it arrives), finishing at the last page's
 * complete_through — what a replica does with an honest source. A call the
 * origin fails (unavailable) is cut: the pull ends where CU-5 lets it.
 * `between` runs on the origin after the call's first page.
 */
function pull(
  caller: ReplicaStore,
  origin: ReplicaStore,
  stream: StreamKey,
  between?: () => void,
): Pulled {
  const served: bigint[] = [];
  let after = caller.streamState(stream)?.cursor;
  caller.beginPull(stream);
  for (let pages = 0; pages < 100; pages++) {
    if (pages === 1) between?.();
    let page: ReturnType<ReplicaStore["changesAfter"]>;
    try {
      page = origin.changesAfter(stream, after, PAGE, pages > 0);
    } catch (e) {
      expect(isEngineError(e) && e.code).toBe(EngineErrorCode.Unavailable);
      caller.abandonPull(stream);
      return { status: "cut", served };
    }
    if (page.status === PageStatus.NOT_HELD) {
      expect(pages, "a NOT_HELD page after the call's first (§5.2: a stream's only page)").toBe(0);
      caller.abandonPull(stream);
      return { status: "not-held", served };
    }
    expect(page.status).toBe(PageStatus.OK);
    if (page.changes.length > 0) {
      const out = caller.apply(stream, page.changes, { mode: "page" });
      expect(out.kind).toBe("applied");
      served.push(...page.changes.map((c) => c.seq));
      after = page.changes.at(-1)?.seq;
    }
    if (page.streamDone) {
      expect(caller.finishPull(stream, page.completeThrough as bigint).kind).toBe("applied");
      return { status: "finished", served };
    }
  }
  throw new Error("paging did not finish");
}

function pullAll(caller: ReplicaStore, origin: ReplicaStore): Map<Resource, Pulled> {
  return new Map(FK_ORDER.map((r) => [r, pull(caller, origin, own(r))]));
}

/** (row, seq) of every entry a store holds of a stream, for equality checks. */
function items(store: ReplicaStore, stream: StreamKey): string[] {
  return store.reconcileItems(stream).map((i) => `${idToHex(i.id)}@${i.seq}`);
}

describe("an-origin-promises-no-cursor-whose-rows-its-own-unconfirmed-writes-replaced", {
  timeout: 60_000,
}, () => {
  it("answers NOT_HELD for every after_seq; a caller finishes nowhere, not at the cursor without the row", () => {
    const origin = restartedOrigin();
    replaceBelowCursor(origin);
    const caller = open("caller", idToHex(testId(2, 0xbb)));
    const pulled = pullAll(caller, origin);
    // Volume and locations hold nothing above their cursors: served as usual.
    expect(pulled.get(Resource.LOCATION)?.status).toBe("finished");
    // Served through its cursor (4) the origin would carry only seqs 1 and 4:
    // entry 1 as of 4 (seq 2) and entry 2 as of 4 (seq 3) are in no page, and
    // the caller would finish at 4 without them.
    expect(pulled.get(Resource.ENTRY), "the origin promised cursor 4").toEqual({
      status: "not-held",
      served: [],
    });
    expect(caller.streamState(ENTRIES)).toBeUndefined();

    for (const after of [undefined, 1n, 2n, 3n, 4n, 9n]) {
      expect(origin.changesAfter(ENTRIES, after, PAGE).status, `after ${after}`).toBe(
        PageStatus.NOT_HELD,
      );
    }
    expect(origin.reconcileItems(ENTRIES)).toEqual([]);
    expect(origin.changesByIds(ENTRIES, [E(1), E(2)])).toEqual([]);
    const mark = origin.watermarks().find((w) => w.stream?.resource === Resource.ENTRY);
    expect({ cursor: mark?.cursor, pulling: mark?.pulling }).toEqual({
      cursor: undefined,
      pulling: true,
    });
  });

  it("refuses a caller that already holds the stream through the cursor, too", () => {
    const origin0 = open("origin", ORIGIN);
    commit(origin0, volumeWrite(VOL));
    commit(origin0, locationWrite(L1, VOL, "/a"), locationWrite(L2, VOL, "/b"));
    commit(origin0, ...[0, 1, 2, 3].map((i) => entryWrite(E(i), L1, undefined, `e${i}`)));
    const caller = open("caller", idToHex(testId(2, 0xbb)));
    pullAll(caller, origin0);
    expect(caller.streamState(ENTRIES)?.cursor).toBe(4n);
    const origin = reopenOrigin(origin0);
    replaceBelowCursor(origin);
    // At the cursor there is nothing to promise either way: NOT_HELD, no BF-4 page.
    expect(pull(caller, origin, ENTRIES)).toEqual({ status: "not-held", served: [] });
    expect(caller.streamState(ENTRIES)?.cursor).toBe(4n);
  });

  it("keeps refusing after another restart: the unconfirmed writes are durable", () => {
    let origin = restartedOrigin();
    replaceBelowCursor(origin);
    origin = reopenOrigin(origin);
    expect(origin.streamState(ENTRIES)).toMatchObject({ cursor: 4n, headSeq: 6n });
    expect(origin.changesAfter(ENTRIES, undefined, PAGE).status).toBe(PageStatus.NOT_HELD);
    expect(origin.changesAfter(ENTRIES, 2n, PAGE).status).toBe(PageStatus.NOT_HELD);
  });

  it("serves the whole stream once its writes are confirmed: a caller ends equal to it", () => {
    let origin = restartedOrigin();
    replaceBelowCursor(origin);
    origin = reopenOrigin(origin);
    expect(origin.confirmOwnStreams()).toEqual([ENTRIES]);
    expect(origin.streamState(ENTRIES)?.cursor).toBe(6n);
    const caller = open("caller", idToHex(testId(2, 0xbb)));
    const pulled = pullAll(caller, origin);
    // Entry 0 and 3 at their first seqs, entry 1 moved (5), entry 2's tombstone (6).
    expect(pulled.get(Resource.ENTRY)).toEqual({ status: "finished", served: [1n, 4n, 5n, 6n] });
    expect(caller.streamState(ENTRIES)?.cursor).toBe(6n);
    expect(items(caller, ENTRIES)).toEqual(items(origin, ENTRIES));
    expect(caller.streamState(ENTRIES)?.fingerprint).toEqual(
      origin.streamState(ENTRIES)?.fingerprint,
    );
  });

  it("a caller that held the old cursor catches up to the confirmed one", () => {
    const origin0 = open("origin", ORIGIN);
    commit(origin0, volumeWrite(VOL));
    commit(origin0, locationWrite(L1, VOL, "/a"), locationWrite(L2, VOL, "/b"));
    commit(origin0, ...[0, 1, 2, 3].map((i) => entryWrite(E(i), L1, undefined, `e${i}`)));
    const caller = open("caller", idToHex(testId(2, 0xbb)));
    pullAll(caller, origin0);
    const origin = reopenOrigin(origin0);
    replaceBelowCursor(origin);
    origin.confirmOwnStreams();
    expect(pull(caller, origin, ENTRIES)).toEqual({ status: "finished", served: [5n, 6n] });
    expect(items(caller, ENTRIES)).toEqual(items(origin, ENTRIES));
  });
});

describe("an-origin-fails-a-call-under-way-when-its-own-writes-go-unconfirmed", {
  timeout: 60_000,
}, () => {
  it("fails the call (unavailable), never a NOT_HELD page after pages; the caller ends where it received every seq", () => {
    // Opened again, nothing written yet: the stream holds nothing above its
    // cursor and is served, though new writes will be unconfirmed.
    const origin = restartedOrigin();
    const caller = open("caller", idToHex(testId(2, 0xbb)));
    for (const r of [Resource.VOLUME, Resource.LOCATION]) pull(caller, origin, own(r));
    const pulled = pull(caller, origin, ENTRIES, () => {
      // Between the call's first and second page: entry 3 (seq 4, not yet
      // served) moves; seq 5 is unconfirmed, above the cursor.
      commit(origin, entryWrite(E(3), L2, undefined, "moved3"));
    });
    expect(pulled).toEqual({ status: "cut", served: [1n, 2n] });
    // Cut short, the caller ends at 2, where it received every seq (CU-5):
    // entry 0 and 1 as of 2; entry 3 is not claimed at any version.
    expect(caller.streamState(ENTRIES)).toMatchObject({ cursor: 2n, pulling: false });
    expect(items(caller, ENTRIES)).toEqual([`${idToHex(E(0))}@1`, `${idToHex(E(1))}@2`]);
    // A new call is refused from its first page (OR-1) until the write is confirmed.
    expect(pull(caller, origin, ENTRIES)).toEqual({ status: "not-held", served: [] });
    origin.confirmOwnStreams();
    expect(pull(caller, origin, ENTRIES)).toEqual({ status: "finished", served: [3n, 5n] });
    expect(items(caller, ENTRIES)).toEqual(items(origin, ENTRIES));
  });
});

describe("a-restored-origin-pulling-its-stream-back-promises-nothing-until-confirmed", {
  timeout: 60_000,
}, () => {
  it("local writes interleaved with the pull-back, and a restart, keep the stream refused", () => {
    const origin0 = open("origin", ORIGIN);
    commit(origin0, volumeWrite(VOL));
    commit(origin0, locationWrite(L1, VOL, "/a"), locationWrite(L2, VOL, "/b"));
    commit(origin0, entryWrite(E(0), L1, undefined, "e0"), entryWrite(E(1), L1, undefined, "e1"));
    origin0.close();
    opened.splice(opened.indexOf(origin0), 1);
    copyFileSync(join(dir, "origin.db"), join(dir, "backup.db"));
    const before = open("origin", ORIGIN);
    // Seq 3: entry 2; seq 4: entry 0 moved. A peer pulls them; then the restore.
    commit(before, entryWrite(E(2), L1, undefined, "e2"));
    commit(before, entryWrite(E(0), L2, undefined, "moved0"));
    const peer = open("peer", idToHex(testId(2, 0xbb)));
    pullAll(peer, before);
    expect(peer.streamState(ENTRIES)?.cursor).toBe(4n);
    before.close();
    opened.splice(opened.indexOf(before), 1);
    copyFileSync(join(dir, "backup.db"), join(dir, "origin.db"));
    let origin = open("origin", ORIGIN);
    origin.holdOwnCommits();
    expect(origin.streamState(ENTRIES)?.cursor).toBe(2n);

    // Entry 1 (seq 2, at the cursor) renamed: unconfirmed seq 3.
    commit(origin, entryWrite(E(1), L1, undefined, "renamed1"));
    expect(origin.changesAfter(ENTRIES, undefined, PAGE).status).toBe(PageStatus.NOT_HELD);
    // The peer holds more (cursor 4): the origin pulls seqs 3-4 back (§3.7
    // rule 3); its own write moves above them, to seq 5.
    origin.beginPull(ENTRIES);
    const back = peer.changesAfter(ENTRIES, 2n, { maxChanges: 1, maxBytes: 0 });
    expect(origin.apply(ENTRIES, back.changes, { mode: "page" }).kind).toBe("applied");
    // Mid pull-back: a local delete of entry 0 (its version at seq 1 was
    // below the cursor), then a restart.
    commit(origin, tombstoneWrite(Resource.ENTRY, E(0)));
    origin = reopenOrigin(origin);
    for (const after of [undefined, 1n, 2n, 4n])
      expect(origin.changesAfter(ENTRIES, after, PAGE).status, `after ${after}`).toBe(
        PageStatus.NOT_HELD,
      );
    const rest = peer.changesAfter(ENTRIES, back.changes.at(-1)?.seq, PAGE);
    expect(origin.apply(ENTRIES, rest.changes, { mode: "page" }).kind).toBe("applied");
    expect(origin.finishPull(ENTRIES, rest.completeThrough as bigint).kind).toBe("applied");
    // Pulled back to 4, the own writes (now seqs 5 and 6) still unconfirmed.
    expect(origin.streamState(ENTRIES)).toMatchObject({ cursor: 4n, headSeq: 6n });
    expect(origin.changesAfter(ENTRIES, 2n, PAGE).status).toBe(PageStatus.NOT_HELD);
    expect(origin.changesAfter(ENTRIES, 4n, PAGE).status).toBe(PageStatus.NOT_HELD);

    expect(origin.confirmOwnStreams()).toContainEqual(ENTRIES);
    expect(pull(peer, origin, ENTRIES)).toEqual({ status: "finished", served: [5n, 6n] });
    expect(items(peer, ENTRIES)).toEqual(items(origin, ENTRIES));
    const fresh = open("fresh", idToHex(testId(3, 0xcc)));
    pullAll(fresh, origin);
    expect(fresh.streamState(ENTRIES)?.cursor).toBe(6n);
    expect(items(fresh, ENTRIES)).toEqual(items(origin, ENTRIES));
  });
});

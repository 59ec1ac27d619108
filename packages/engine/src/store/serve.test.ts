// Serving a stream whose newer versions wait in the dependency buffer (a
// relay holding entries moved to a location whose batch is late): every
// page continues exactly where the last ended and no entry is skipped.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fc, test } from "@fast-check/vitest";
import { PageStatus, Resource } from "@tidemark/protocol";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { EngineErrorCode, isEngineError } from "../errors.js";
import { idToHex } from "./ids.js";
import { openStore } from "./store.js";
import type { PageLimits, ReplicaStore, StreamKey } from "./store-api.js";
import { changeOf, entryWrite, locationWrite, testId, volumeWrite } from "./testing.js";

const LIB = idToHex(testId(999));
const A = testId(1, 0xaa);
const RELAY = testId(2, 0xbb);
const VOL = testId(10);
const L1 = testId(11);
const L2 = testId(12);
const stream = (resource: Resource): StreamKey => ({ origin: idToHex(A), resource });

const opened: ReplicaStore[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

/**
 * A relay holding `n` of A's entries (seqs 1..n, under location L1), then
 * newer versions of the entries at `moved` (0-based) re-parented to
 * location L2, whose own change has not arrived: those wait in the
 * dependency buffer while the table keeps their older versions.
 */
function relayWithHeldMoves(
  n: number,
  moved: readonly number[],
  db = new Database(":memory:"),
): ReplicaStore {
  const store = openRelay(db);
  const chain = (resource: Resource, changes: Parameters<ReplicaStore["apply"]>[1]) => {
    const prevSeq = store.streamState(stream(resource))?.cursor;
    const out = store.apply(stream(resource), changes, { mode: "chain", prevSeq });
    if (out.kind !== "applied") throw new Error(`apply: ${out.kind}`);
  };
  chain(Resource.VOLUME, [changeOf(volumeWrite(VOL), 1n)]);
  chain(Resource.LOCATION, [changeOf(locationWrite(L1, VOL), 1n)]);
  const ids = Array.from({ length: n }, (_, i) => testId(100 + i));
  chain(
    Resource.ENTRY,
    ids.map((id, i) => changeOf(entryWrite(id, L1, undefined, `e${i}`), BigInt(i + 1))),
  );
  const later = [...new Set(moved)].sort((a, b) => a - b);
  chain(
    Resource.ENTRY,
    later.map((i, k) =>
      changeOf(entryWrite(ids[i] as Uint8Array, L2, undefined, `e${i}`), BigInt(n + 1 + k)),
    ),
  );
  return store;
}

function openRelay(db: Database.Database): ReplicaStore {
  const store = openStore(db, {
    deviceId: idToHex(RELAY),
    libraryId: LIB,
    clock: { now: () => 1_750_000_000_000, monotonic: () => 0 },
  });
  opened.push(store);
  return store;
}

/** Pages through the entry stream, checking each page's promise; returns the seqs served. */
function pageThrough(store: ReplicaStore, limits: PageLimits): bigint[] {
  const cursor = store.streamState(stream(Resource.ENTRY))?.cursor as bigint;
  // The stream's entries: the latest version of each row (held ones included).
  const due = store
    .reconcileItems(stream(Resource.ENTRY))
    .map((i) => i.seq)
    .sort((a, b) => (a < b ? -1 : 1));
  const served: bigint[] = [];
  let after: bigint | undefined;
  for (let pages = 0; pages <= due.length + 1; pages++) {
    const page = store.changesAfter(stream(Resource.ENTRY), after, limits);
    expect(page.status).toBe(PageStatus.OK);
    served.push(...page.changes.map((c) => c.seq));
    const through = page.completeThrough as bigint;
    // complete_through promises every entry up to it: nothing due is missing.
    expect(served).toEqual(due.filter((s) => s <= through));
    if (page.streamDone) {
      expect(through).toBe(cursor);
      return served;
    }
    after = through;
  }
  throw new Error("paging did not finish");
}

describe("relay-serves-page-that-skips-rows", { timeout: 60_000 }, () => {
  it("two superseded rows in the window do not make the page skip table rows", () => {
    // Entries at seqs 1..5; rows 1 and 2 moved (held versions at 6 and 7).
    const relay = relayWithHeldMoves(5, [0, 1]);
    const first = relay.changesAfter(stream(Resource.ENTRY), undefined, {
      maxChanges: 3,
      maxBytes: 0,
    });
    expect(first.changes.map((c) => c.seq)).toEqual([3n, 4n, 5n]);
    expect(first.completeThrough).toBe(5n);
    expect(pageThrough(relay, { maxChanges: 3, maxBytes: 0 })).toEqual([3n, 4n, 5n, 6n, 7n]);
  });

  test.prop(
    [
      fc.integer({ min: 1, max: 40 }),
      fc.array(fc.nat(39), { maxLength: 30 }),
      fc.integer({ min: 1, max: 8 }),
      fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 400 })),
    ],
    { seed: 1011, numRuns: 100 },
  )(
    "every page continues where the last ended, for any held moves and limits",
    (n, moves, maxChanges, maxBytes) => {
      const relay = relayWithHeldMoves(
        n,
        moves.filter((i) => i < n),
      );
      pageThrough(relay, { maxChanges, maxBytes });
    },
  );
});

describe("serving after the responder's cursor", () => {
  it("answers after_seq above its cursor with complete_through = after_seq", () => {
    const store = relayWithHeldMoves(3, []);
    const cursor = store.streamState(stream(Resource.ENTRY))?.cursor as bigint;
    const limits: PageLimits = { maxChanges: 10, maxBytes: 0 };
    const page = store.changesAfter(stream(Resource.ENTRY), cursor + 5n, limits);
    expect(page.status).toBe(PageStatus.OK);
    expect(page.changes).toEqual([]);
    expect(page.completeThrough).toBe(cursor + 5n);
    expect(page.streamDone).toBe(true);
    const atCursor = store.changesAfter(stream(Resource.ENTRY), cursor, limits);
    expect(atCursor.completeThrough).toBe(cursor);
  });
});

/**
 * A relay at cursor n (A's entries 1..n, under L1) whose unfinished pull
 * applied one page above n: newer versions of the entries at `moved`
 * (0-based), at seqs n+1, n+2, ... The versions they replaced (at or below
 * n) are gone, so the relay no longer holds the stream as of n.
 */
function relayMidPull(n: number, moved: readonly number[]): ReplicaStore {
  const store = relayWithHeldMoves(n, []);
  pullPage(store, n, moved);
  return store;
}

/** Applies a pulled page of re-versioned entries `moved`, seqs after `top`. */
function pullPage(store: ReplicaStore, top: number, moved: readonly number[]): void {
  const page = moved.map((i, k) =>
    changeOf(entryWrite(testId(100 + i), L1, undefined, `moved${i}`), BigInt(top + 1 + k)),
  );
  store.beginPull(stream(Resource.ENTRY));
  const out = store.apply(stream(Resource.ENTRY), page, { mode: "page" });
  if (out.kind !== "applied") throw new Error(`apply: ${out.kind}`);
}

/** The seq of each row's version as of `through` (entry i first at seq i+1, then `moved`). */
function asOf(n: number, moved: readonly number[], through: bigint): Map<number, bigint> {
  const out = new Map<number, bigint>();
  for (let i = 0; i < n; i++) if (BigInt(i + 1) <= through) out.set(i, BigInt(i + 1));
  moved.forEach((i, k) => {
    const seq = BigInt(n + 1 + k);
    if (seq <= through) out.set(i, seq);
  });
  return out;
}

/**
 * Pages a call through `store` after `after` as the service does (continued
 * pages after the last seq served). Returns the final promise, or undefined
 * when the relay promised nothing (NOT_HELD).
 */
function callThrough(
  store: ReplicaStore,
  after: bigint | undefined,
  limits: PageLimits,
): { served: bigint[]; through: bigint } | undefined {
  const served: bigint[] = [];
  let from = after;
  for (let pages = 0; pages < 1_000; pages++) {
    const page = store.changesAfter(stream(Resource.ENTRY), from, limits, pages > 0);
    if (page.status === PageStatus.NOT_HELD) {
      expect(pages).toBe(0);
      expect(page.changes).toEqual([]);
      return undefined;
    }
    expect(page.status).toBe(PageStatus.OK);
    served.push(...page.changes.map((c) => c.seq));
    if (page.streamDone) return { served, through: page.completeThrough as bigint };
    from = page.changes.at(-1)?.seq ?? from;
  }
  throw new Error("paging did not finish");
}

/** A caller holding the stream as of `after` that finishes at the promise holds it as of there. */
function expectPromiseKept(
  n: number,
  moved: readonly number[],
  after: bigint | undefined,
  promise: { served: bigint[]; through: bigint },
): void {
  const got = new Set(promise.served);
  for (const [row, seq] of asOf(n, moved, promise.through)) {
    if (seq <= (after ?? 0n)) continue;
    expect(got.has(seq), `row ${row} at seq ${seq} as of ${promise.through}`).toBe(true);
  }
}

describe("a-relay-mid-pull-promises-no-cursor-whose-rows-its-pull-replaced", {
  timeout: 60_000,
}, () => {
  const limits: PageLimits = { maxChanges: 2, maxBytes: 0 };

  it("answers NOT_HELD after a seq below a replaced version, and serves after it", () => {
    // Entries 1..6; the pull replaced row 2 (seq 3) with seq 7, above the cursor.
    const relay = relayMidPull(6, [2]);
    expect(relay.streamState(stream(Resource.ENTRY))?.cursor).toBe(6n);
    // Through its cursor it would serve 1, 2, 4, 5, 6: row 2 as of 6 (seq 3) is gone.
    expect(callThrough(relay, undefined, limits)).toBeUndefined();
    expect(callThrough(relay, 2n, limits)).toBeUndefined();
    // A caller already holding seq 3 loses nothing: served through the cursor.
    const above = callThrough(relay, 3n, limits);
    expect(above).toEqual({ served: [4n, 5n, 6n], through: 6n });
  });

  it("fails a call under way when its pull replaces a version not yet served", () => {
    const relay = relayWithHeldMoves(6, []);
    const first = relay.changesAfter(stream(Resource.ENTRY), undefined, limits);
    expect(first.changes.map((c) => c.seq)).toEqual([1n, 2n]);
    // Between two pages of the call, the relay's own pull replaces row 3 (seq 4).
    pullPage(relay, 6, [3]);
    let error: unknown;
    try {
      relay.changesAfter(stream(Resource.ENTRY), 2n, limits, true);
    } catch (e) {
      error = e;
    }
    expect(isEngineError(error) && error.code).toBe(EngineErrorCode.Unavailable);
  });

  it("keeps refusing after a restart while its pull is unfinished", () => {
    const dir = mkdtempSync(join(tmpdir(), "tidemark-mid-pull-"));
    try {
      const file = join(dir, "relay.db");
      const relay = relayWithHeldMoves(6, [], new Database(file));
      // Seq 8 replaces row 2 (seq 3); seq 7 never came, so a restart
      // cannot end the pull where it received every seq (CU-5).
      pullPage(relay, 7, [2]);
      relay.close();
      opened.splice(opened.indexOf(relay), 1);
      const again = openRelay(new Database(file));
      expect(again.streamState(stream(Resource.ENTRY))?.pulling).toBe(true);
      expect(callThrough(again, undefined, limits)).toBeUndefined();
      expect(callThrough(again, 3n, limits)?.through).toBe(6n);
    } finally {
      for (const s of opened.splice(0)) s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serves the whole stream again once its pull finishes", () => {
    const relay = relayMidPull(6, [2]);
    expect(relay.finishPull(stream(Resource.ENTRY), 7n).kind).toBe("applied");
    const all = callThrough(relay, undefined, limits);
    expect(all).toEqual({ served: [1n, 2n, 4n, 5n, 6n, 7n], through: 7n });
  });

  test.prop(
    [
      fc.integer({ min: 1, max: 30 }),
      fc.uniqueArray(fc.nat(29), { maxLength: 12 }),
      fc.option(fc.integer({ min: 1, max: 45 }), { nil: undefined }),
      fc.integer({ min: 1, max: 6 }),
    ],
    { seed: 2026, numRuns: 150 },
  )("every promise of a relay mid-pull holds the stream as of it", (n, moves, after, max) => {
    const moved = moves.filter((i) => i < n);
    const relay = relayMidPull(n, moved);
    const from = after === undefined ? undefined : BigInt(after);
    const promise = callThrough(relay, from, { maxChanges: max, maxBytes: 0 });
    if (promise !== undefined) expectPromiseKept(n, moved, from, promise);
  });
});

// Serving a stream whose newer versions wait in the dependency buffer (a
// relay holding entries moved to a location whose batch is late): every
// page continues exactly where the last ended and no entry is skipped.
import { fc, test } from "@fast-check/vitest";
import { PageStatus, Resource } from "@tidemark/protocol";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
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
function relayWithHeldMoves(n: number, moved: readonly number[]): ReplicaStore {
  const store = openStore(new Database(":memory:"), {
    deviceId: idToHex(RELAY),
    libraryId: LIB,
    clock: { now: () => 1_750_000_000_000, monotonic: () => 0 },
  });
  opened.push(store);
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

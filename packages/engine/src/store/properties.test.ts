// Properties of apply (issue 4, "Must show"), over random origin histories
// of creates, renames, moves and deletes in a tree of entries.
import { fc, test } from "@fast-check/vitest";
import { type Change, Resource } from "@tidemark/protocol";
import Database from "better-sqlite3";
import { expect } from "vitest";
import { idToHex } from "./ids.js";
import {
  canonicalState,
  closureRows,
  expectedClosureRows,
  recomputeFingerprint,
} from "./inspect.js";
import { openStore } from "./store.js";
import type { CommittedBatch, LocalWrite, ReplicaStore, StreamKey } from "./store-api.js";
import { entryWrite, locationWrite, testId, tombstoneWrite, volumeWrite } from "./testing.js";

const T0 = 1_750_000_000_000;
const LIB = idToHex(testId(999));
const A = testId(1, 0xaa);
const VOL = testId(10);
const LOC = testId(11);
const ENTRIES: StreamKey = { origin: idToHex(A), resource: Resource.ENTRY };

type Replica = { store: ReplicaStore; db: Database.Database };
function open(device: Uint8Array): Replica {
  const db = new Database(":memory:");
  return {
    db,
    store: openStore(db, {
      deviceId: idToHex(device),
      libraryId: LIB,
      clock: { now: () => T0, monotonic: () => 0 },
    }),
  };
}

type Op = { kind: "create" | "rename" | "move" | "delete"; a: number; b: number };
const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom("create", "create", "rename", "move", "delete"),
  a: fc.nat(1000),
  b: fc.nat(1000),
});
const historyArb = fc.array(fc.array(opArb, { minLength: 1, maxLength: 5 }), {
  minLength: 1,
  maxLength: 12,
});

/** Replays a history on origin A, checking the closure after every commit. */
function buildOrigin(history: Op[][]) {
  const origin = open(A);
  const prelude = origin.store.commit([volumeWrite(VOL), locationWrite(LOC, VOL)]);
  const parent = new Map<string, Uint8Array | undefined>();
  const ids = new Map<string, Uint8Array>();
  const live: string[] = [];
  let next = 1000;
  const within = (node: string, ancestor: string) => {
    for (let n: string | undefined = node; n !== undefined; ) {
      if (n === ancestor) return true;
      const p = parent.get(n);
      n = p ? idToHex(p) : undefined;
    }
    return false;
  };
  const batches: CommittedBatch[] = [];
  for (const ops of history) {
    const writes: LocalWrite[] = [];
    for (const op of ops) {
      const pick = (n: number) => live[n % live.length] as string;
      if (op.kind === "create" || live.length === 0) {
        const id = testId(next++);
        const hex = idToHex(id);
        const p = live.length > 0 && op.b % 4 !== 0 ? ids.get(pick(op.b)) : undefined;
        writes.push(entryWrite(id, LOC, p, `n${next}`));
        parent.set(hex, p);
        ids.set(hex, id);
        live.push(hex);
        continue;
      }
      const target = pick(op.a);
      const id = ids.get(target) as Uint8Array;
      if (op.kind === "rename") {
        writes.push(entryWrite(id, LOC, parent.get(target), `r${op.b}`));
      } else if (op.kind === "move") {
        const to = pick(op.b);
        if (within(to, target)) continue;
        const p = ids.get(to);
        writes.push(entryWrite(id, LOC, p, `m${op.b}`));
        parent.set(target, p);
      } else {
        writes.push(tombstoneWrite(Resource.ENTRY, id));
        live.splice(live.indexOf(target), 1);
      }
    }
    if (writes.length === 0) continue;
    batches.push(...origin.store.commit(writes));
    expect(closureRows(origin.db)).toEqual(expectedClosureRows(origin.db));
  }
  return { origin, prelude, batches };
}

function applyPrelude(r: Replica, prelude: CommittedBatch[]) {
  for (const b of prelude) {
    expect(r.store.apply(b.stream, b.changes, { mode: "chain", prevSeq: b.prevSeq }).kind).toBe(
      "applied",
    );
  }
}

function entriesOf(origin: Replica): Change[] {
  return origin.store.changesAfter(ENTRIES, undefined, { maxChanges: 100_000, maxBytes: 1 << 30 })
    .changes;
}

function expectConsistent(r: Replica) {
  const fp = r.store.streamState(ENTRIES)?.fingerprint ?? new Uint8Array(16);
  expect(fp).toEqual(recomputeFingerprint(r.db, ENTRIES));
  expect(closureRows(r.db)).toEqual(expectedClosureRows(r.db));
}

test.prop([historyArb], { numRuns: 40 })(
  "closure table equals one recomputed from parent links after random move/delete sequences",
  (history) => {
    const { origin } = buildOrigin(history);
    expect(origin.store.streamState(ENTRIES)?.fingerprint).toEqual(
      recomputeFingerprint(origin.db, ENTRIES),
    );
    origin.store.close();
  },
  // CPU-bound runs on a loaded CI machine: a generous bound, no timing assertion.
  120_000,
);

test.prop(
  [
    historyArb,
    fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 30 }),
    fc.array(fc.nat(), { maxLength: 40 }),
  ],
  { numRuns: 40 },
)(
  "apply is idempotent and order-insensitive within a stream; fingerprint == recomputed after every apply",
  (history, pageSizes, order) => {
    const { origin, prelude } = buildOrigin(history);
    const all = entriesOf(origin);
    const cursor = origin.store.streamState(ENTRIES)?.cursor as bigint;

    const inOrder = open(testId(2, 0xbb));
    applyPrelude(inOrder, prelude);
    inOrder.store.apply(ENTRIES, all, { mode: "page" });
    inOrder.store.finishPull(ENTRIES, cursor);

    // Random pages (each ascending), delivered in a random order with duplicates.
    const pages: Change[][] = [];
    for (let i = 0, k = 0; i < all.length; k++) {
      const size = pageSizes[k % pageSizes.length] as number;
      pages.push(all.slice(i, i + size));
      i += size;
    }
    const schedule = [...pages.keys()];
    for (let i = schedule.length - 1; i > 0; i--) {
      const j = (order[i % Math.max(1, order.length)] ?? 0) % (i + 1);
      [schedule[i], schedule[j]] = [schedule[j] as number, schedule[i] as number];
    }
    for (const n of order.slice(0, 5)) schedule.push(n % Math.max(1, pages.length));
    const shuffled = open(testId(3, 0xcc));
    applyPrelude(shuffled, prelude);
    for (const i of schedule) {
      const page = pages[i];
      if (!page) continue;
      expect(shuffled.store.apply(ENTRIES, page, { mode: "page" }).kind).toBe("applied");
      expectConsistent(shuffled);
    }
    expect(shuffled.store.finishPull(ENTRIES, cursor).kind).toBe("applied");

    const ref = canonicalState(inOrder.db);
    expect(canonicalState(shuffled.db)).toEqual(ref);
    expect(closureRows(shuffled.db)).toEqual(closureRows(inOrder.db));
    expect(shuffled.store.streamState(ENTRIES)?.fingerprint).toEqual(
      origin.store.streamState(ENTRIES)?.fingerprint,
    );
    expectConsistent(shuffled);
    // Idempotent: everything again changes nothing.
    for (const page of pages) {
      expect(shuffled.store.apply(ENTRIES, page, { mode: "page" })).toMatchObject({
        appliedCount: 0,
      });
    }
    expect(shuffled.store.finishPull(ENTRIES, cursor).kind).toBe("applied");
    expect(canonicalState(shuffled.db)).toEqual(ref);
    for (const r of [origin, inOrder, shuffled]) r.store.close();
  },
  // CPU-bound runs on a loaded CI machine: a generous bound, no timing assertion.
  120_000,
);

test.prop([historyArb, fc.array(fc.nat(), { minLength: 1, maxLength: 60 })], { numRuns: 40 })(
  "cursor never passes a missing seq under reordered, dropped and duplicated realtime batches",
  (history, deliveries) => {
    const { origin, prelude, batches } = buildOrigin(history);
    const chain = batches.filter((b) => b.stream.resource === Resource.ENTRY);
    const r = open(testId(2, 0xbb));
    applyPrelude(r, prelude);
    const received = new Set<bigint>();
    for (const d of deliveries) {
      const b = chain[d % chain.length];
      if (!b) continue;
      const out = r.store.apply(ENTRIES, b.changes, { mode: "chain", prevSeq: b.prevSeq });
      expect(out.kind).not.toBe("rejected");
      if (out.kind === "applied") for (const c of b.changes) received.add(c.seq);
      const cursor = r.store.streamState(ENTRIES)?.cursor ?? 0n;
      for (let s = 1n; s <= cursor; s++) expect(received.has(s)).toBe(true);
      expectConsistent(r);
    }
    // Heal: deliver everything in order; the replica converges on the origin.
    for (const b of chain) r.store.apply(ENTRIES, b.changes, { mode: "chain", prevSeq: b.prevSeq });
    expect(r.store.streamState(ENTRIES)).toMatchObject({
      cursor: origin.store.streamState(ENTRIES)?.cursor,
      fingerprint: origin.store.streamState(ENTRIES)?.fingerprint,
    });
    const strip = (lines: string[]) => lines.filter((l) => !l.startsWith("stream"));
    expect(strip(canonicalState(r.db))).toEqual(strip(canonicalState(origin.db)));
    expect(closureRows(r.db)).toEqual(closureRows(origin.db));
    r.store.close();
    origin.store.close();
  },
  // CPU-bound runs on a loaded CI machine: a generous bound, no timing assertion.
  120_000,
);

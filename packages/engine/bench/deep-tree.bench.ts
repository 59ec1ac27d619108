// Deep directory chains (issue 11 bug 11, issue 12): the cost of indexing
// a chain of depth D (each entry the child of the previous) by commit()
// and by apply() on a replica, and of moving a subtree of ~D rows, for D
// up to 2,000. A materialised closure makes each of these cost ~D per row
// (D(D+1)/2 links for the chain); the figures show the curve.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PageStatus, Resource } from "@tidemark/protocol";
import Database from "better-sqlite3";
import { idToHex, newRowId, openStore } from "../src/store/index.js";
import type { LocalWrite, ReplicaStore, StreamKey } from "../src/store/store-api.js";
import { entryWrite, locationWrite, volumeWrite } from "../src/store/testing.js";
import { prng } from "./prng.js";
import type { BenchContext } from "./run.js";

const FULL_DEPTHS = [100, 500, 1_000, 2_000];
const QUICK_DEPTHS = [100, 250, 500];
const BATCH = 100;
const ORIGIN = new Uint8Array(16).fill(0xa1);
const REPLICA = new Uint8Array(16).fill(0xb2);
const LIB = idToHex(new Uint8Array(16).fill(0x11));

export type DepthResult = {
  readonly depth: number;
  /** commit() of the chain in batches of 100. */
  readonly insertRowsPerSec: number;
  /** apply() of the same chain as pulled pages on a second replica. */
  readonly applyRowsPerSec: number;
  /** One commit moving the subtree under depth 1 (D - 1 rows) to another parent. */
  readonly moveCommitMs: number;
  /** Applying that move on the replica. */
  readonly moveApplyMs: number;
  /**
   * One commit moving the chain's middle (D/2 rows below D/2 ancestors:
   * subtree x depth, the worst case for a closure) to another parent.
   */
  readonly moveMidCommitMs: number;
  readonly moveMidApplyMs: number;
  /**
   * One commit moving a directory under the chain's deepest entry: the
   * cycle check walks up D parent links.
   */
  readonly moveUnderLeafCommitMs: number;
  /** Rows in entry_closure after the chain (0 without a materialised closure). */
  readonly closureRows: number;
};

function open(
  dir: string,
  name: string,
  device: Uint8Array,
): { db: Database.Database; store: ReplicaStore } {
  const db = new Database(join(dir, name));
  const clock = { now: () => 1_750_000_000_000, monotonic: () => 0 };
  return { db, store: openStore(db, { deviceId: idToHex(device), libraryId: LIB, clock }) };
}

/** Copies `stream` from `from` to `to` in pages of 1,000; returns the seconds spent applying. */
function pull(from: ReplicaStore, to: ReplicaStore, stream: StreamKey): number {
  let after = to.streamState(stream)?.cursor;
  let spent = 0;
  for (;;) {
    const page = from.changesAfter(stream, after, { maxChanges: 1_000, maxBytes: 0 });
    if (page.status !== PageStatus.OK) throw new Error(`page status ${page.status}`);
    const t0 = performance.now();
    if (page.changes.length > 0) to.apply(stream, page.changes, { mode: "page" });
    if (page.streamDone) to.finishPull(stream, page.completeThrough as bigint);
    spent += performance.now() - t0;
    if (page.streamDone) return spent / 1000;
    after = page.completeThrough;
  }
}

function closureRows(db: Database.Database): number {
  const has = db
    .prepare("SELECT 1 FROM sqlite_master WHERE name = 'entry_closure' AND type = 'table'")
    .get();
  return has === undefined
    ? 0
    : (db.prepare("SELECT COUNT(*) FROM entry_closure").pluck().get() as number);
}

function oneDepth(dir: string, depth: number): DepthResult {
  const random = prng(depth);
  let t = 1_750_000_000_000;
  const id = () => newRowId(t++, random);
  const origin = open(dir, `origin-${depth}.db`, ORIGIN);
  const replica = open(dir, `replica-${depth}.db`, REPLICA);
  try {
    const vol = id();
    const loc = id();
    const root = id();
    const other = id();
    origin.store.commit([
      volumeWrite(vol),
      locationWrite(loc, vol),
      entryWrite(root, loc, undefined, "root"),
      entryWrite(other, loc, root, "other"),
    ]);
    const chain: Uint8Array[] = [];
    const writes: LocalWrite[] = [];
    let parent = root;
    for (let i = 0; i < depth; i++) {
      const e = id();
      writes.push(entryWrite(e, loc, parent, `d${i}`));
      chain.push(e);
      parent = e;
    }
    const t0 = performance.now();
    for (let i = 0; i < writes.length; i += BATCH) origin.store.commit(writes.slice(i, i + BATCH));
    const insertS = (performance.now() - t0) / 1000;
    const links = closureRows(origin.db);
    const stream = (resource: Resource): StreamKey => ({ origin: idToHex(ORIGIN), resource });
    for (const r of [Resource.VOLUME, Resource.LOCATION])
      pull(origin.store, replica.store, stream(r));
    const applyS = pull(origin.store, replica.store, stream(Resource.ENTRY));
    // Move the chain's top (all D - 1 rows below it follow) under `other`.
    const top = chain[0] as Uint8Array;
    const t1 = performance.now();
    origin.store.commit([entryWrite(top, loc, other, "d0-moved")]);
    const moveCommitMs = performance.now() - t1;
    const moveApplyMs = pull(origin.store, replica.store, stream(Resource.ENTRY)) * 1000;
    const mid = chain[Math.floor(depth / 2)] as Uint8Array;
    const t2 = performance.now();
    origin.store.commit([entryWrite(mid, loc, other, "mid-moved")]);
    const moveMidCommitMs = performance.now() - t2;
    const moveMidApplyMs = pull(origin.store, replica.store, stream(Resource.ENTRY)) * 1000;
    const spare = id();
    origin.store.commit([entryWrite(spare, loc, root, "spare")]);
    const t3 = performance.now();
    origin.store.commit([entryWrite(spare, loc, chain[depth - 1] as Uint8Array, "spare-deep")]);
    const moveUnderLeafCommitMs = performance.now() - t3;
    return {
      depth,
      insertRowsPerSec: Math.round(depth / insertS),
      applyRowsPerSec: Math.round(depth / applyS),
      moveCommitMs: Math.round(moveCommitMs * 10) / 10,
      moveApplyMs: Math.round(moveApplyMs * 10) / 10,
      moveMidCommitMs: Math.round(moveMidCommitMs * 10) / 10,
      moveMidApplyMs: Math.round(moveMidApplyMs * 10) / 10,
      moveUnderLeafCommitMs: Math.round(moveUnderLeafCommitMs * 10) / 10,
      closureRows: links,
    };
  } finally {
    origin.store.close();
    replica.store.close();
  }
}

export async function run(ctx: BenchContext): Promise<{ depths: DepthResult[]; quick: boolean }> {
  const dir = mkdtempSync(join(tmpdir(), "tidemark-deep-tree-"));
  try {
    const depths: DepthResult[] = [];
    for (const depth of ctx.quick ? QUICK_DEPTHS : FULL_DEPTHS) {
      const r = oneDepth(dir, depth);
      depths.push(r);
      ctx.log(
        `depth ${String(depth).padStart(5)}: insert ${String(r.insertRowsPerSec).padStart(7)} rows/s, apply ${String(r.applyRowsPerSec).padStart(7)} rows/s, move top ${r.moveCommitMs} ms (apply ${r.moveApplyMs} ms), move middle ${r.moveMidCommitMs} ms (apply ${r.moveMidApplyMs} ms), move under leaf ${r.moveUnderLeafCommitMs} ms, closure rows ${r.closureRows}`,
      );
    }
    return { depths, quick: ctx.quick };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

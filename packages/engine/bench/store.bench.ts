// Store throughput: commit() bulk indexing and apply() of a pulled stream,
// each against a raw better-sqlite3 bulk insert of the same rows measured
// in the same run (same machine state, same file system).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Change } from "@tidemark/protocol";
import Database from "better-sqlite3";
import { idToHex, newRowId, openStore } from "../src/store/index.js";
import type { LocalWrite, StreamKey } from "../src/store/store-api.js";
import { deviceWrite, entryWrite, locationWrite, volumeWrite } from "../src/store/testing.js";
import { prng } from "./prng.js";
import type { BenchContext } from "./run.js";

const FULL_ROWS = 200_000;
const COMMIT_BATCH = 10_000;
const PAGE = 1_000;
const FULL_REPS = 2;

/** A file tree of n entries: root, 3 levels of directories (fan-out 10), files below. */
export function tree(n: number, locationId: Uint8Array, random: () => number): LocalWrite[] {
  const out: LocalWrite[] = [];
  let t = 1_750_000_000_000;
  const id = () => newRowId(t++, random);
  const root = id();
  out.push(entryWrite(root, locationId, undefined, "root"));
  let level = [root];
  for (let depth = 1; depth <= 3; depth++) {
    const next: Uint8Array[] = [];
    for (const parent of level) {
      for (let i = 0; i < 10 && out.length < n; i++) {
        const d = id();
        out.push(entryWrite(d, locationId, parent, `dir${depth}-${i}`));
        next.push(d);
      }
    }
    level = next;
  }
  // An indexer walks directory by directory: each directory's files are contiguous.
  const perDir = Math.ceil((n - out.length) / level.length);
  for (let i = 0; out.length < n; i++) {
    const parent = level[Math.floor(i / perDir)] as Uint8Array;
    out.push(entryWrite(id(), locationId, parent, `file-${i}.dat`, BigInt(i * 4096)));
  }
  return out;
}

function openFile(dir: string, name: string): Database.Database {
  return new Database(join(dir, name));
}

/**
 * Raw baseline: 16-byte PKs, (origin, seq) index, 10k rows/txn, WAL. The
 * specified baseline uses random PKs; `timeOrdered` uses the tree's own
 * UUIDv7 ids instead (reported alongside, since random keys slow the
 * baseline down as the table grows while UUIDv7 keys append).
 */
function rawInsert(
  db: Database.Database,
  writes: readonly LocalWrite[],
  origin: Uint8Array,
  random: () => number,
  timeOrdered = false,
): number {
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  // Same page cache as the store gets, so the ratio measures the store's own work.
  db.pragma("cache_size = -65536");
  db.exec(`CREATE TABLE entry (id BLOB PRIMARY KEY NOT NULL, origin BLOB NOT NULL, seq INTEGER NOT NULL,
    deleted INTEGER NOT NULL, location_id BLOB, parent_id BLOB, name TEXT, kind INTEGER, size INTEGER,
    modified_at_ms INTEGER) WITHOUT ROWID`);
  db.exec("CREATE INDEX entry_origin_seq ON entry(origin, seq)");
  const ids = writes.map((w) =>
    timeOrdered ? w.rowId : Uint8Array.from({ length: 16 }, () => Math.floor(random() * 256)),
  );
  const stmt = db.prepare("INSERT INTO entry VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?)");
  const insert = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const w = writes[i] as LocalWrite;
      const e = w.body.value as {
        locationId: Uint8Array;
        parentId?: Uint8Array;
        name: string;
        kind: number;
        size: bigint;
        modifiedAtMs: bigint;
      };
      stmt.run(
        ids[i],
        origin,
        i + 1,
        e.locationId,
        e.parentId ?? null,
        e.name,
        e.kind,
        e.size,
        e.modifiedAtMs,
      );
    }
  });
  const t0 = performance.now();
  for (let i = 0; i < writes.length; i += COMMIT_BATCH)
    insert(i, Math.min(writes.length, i + COMMIT_BATCH));
  return performance.now() - t0;
}

type Sample = { raw: number; rawTimeOrdered: number; commit: number; apply: number };

/** One repetition: raw insert, commit() of the tree, apply() of its pages; ms each. */
function repetition(
  dir: string,
  rep: number,
  writes: readonly LocalWrite[],
  random: () => number,
): Sample {
  const device = newRowId(1_700_000_000_000, random);
  const library = newRowId(1_700_000_000_000, random);
  const volume = newRowId(1_700_000_000_001, random);
  const location = newRowId(1_700_000_000_002, random);
  const clock = { now: () => 1_750_000_000_000, monotonic: () => 0 };
  // The tree's location id is fixed; re-point the prelude at it.
  const first = writes[0];
  const locationId = first ? (first.body.value as { locationId: Uint8Array }).locationId : location;
  const raw = rawInsert(openFile(dir, `raw-${rep}.db`), writes, device, random);
  const rawTimeOrdered = rawInsert(
    openFile(dir, `raw-seq-${rep}.db`),
    writes,
    device,
    random,
    true,
  );

  const origin = openStore(openFile(dir, `origin-${rep}.db`), {
    deviceId: idToHex(device),
    libraryId: idToHex(library),
    clock,
  });
  origin.commit([deviceWrite(device), volumeWrite(volume), locationWrite(locationId, volume)]);
  const t0 = performance.now();
  for (let i = 0; i < writes.length; i += COMMIT_BATCH)
    origin.commit(writes.slice(i, i + COMMIT_BATCH));
  const commit = performance.now() - t0;

  // Pages as a peer would receive them (served by the origin, not timed).
  const stream: StreamKey = { origin: idToHex(device), resource: 4 };
  const pages: Change[][] = [];
  let after: bigint | undefined;
  for (;;) {
    const p = origin.changesAfter(stream, after, { maxChanges: PAGE, maxBytes: 1 << 24 });
    pages.push(p.changes);
    after = p.completeThrough;
    if (p.streamDone) break;
  }
  const replica = openStore(openFile(dir, `replica-${rep}.db`), {
    deviceId: idToHex(newRowId(1, random)),
    libraryId: idToHex(library),
    clock,
  });
  for (const r of [1, 2, 3]) {
    const s = { origin: stream.origin, resource: r };
    const p = origin.changesAfter(s, undefined, { maxChanges: 10, maxBytes: 1 << 20 });
    replica.apply(s, p.changes, { mode: "page" });
    replica.finishPull(s, p.completeThrough ?? 1n);
  }
  const t1 = performance.now();
  replica.beginPull(stream);
  for (const changes of pages) {
    const r = replica.apply(stream, changes, { mode: "page" });
    if (r.kind !== "applied") throw new Error(`apply failed: ${r.kind}`);
  }
  const fin = replica.finishPull(stream, after ?? 0n);
  const apply = performance.now() - t1;
  if (fin.kind !== "applied") throw new Error("finishPull failed");
  const a = origin.streamState(stream);
  const b = replica.streamState(stream);
  if (
    !a ||
    !b ||
    idToHex(a.fingerprint) !== idToHex(b.fingerprint) ||
    a.liveCount !== b.liveCount
  ) {
    throw new Error("replica fingerprint differs from origin after apply");
  }
  origin.close();
  replica.close();
  return { raw, rawTimeOrdered, commit, apply };
}

export async function run(ctx: BenchContext) {
  const N = Number(process.env.STORE_BENCH_ROWS ?? (ctx.quick ? FULL_ROWS / 10 : FULL_ROWS));
  const REPS = Number(process.env.STORE_BENCH_REPS ?? FULL_REPS);
  const dir = mkdtempSync(join(tmpdir(), "tidemark-store-bench-"));
  try {
    const random = prng(42);
    const location = newRowId(1_700_000_000_002, random);
    const writes = tree(N, location, random);
    ctx.log(
      `rows: ${writes.length} entries (root, 3 directory levels of fan-out 10, files at depth 4); ` +
        `commit batches of ${COMMIT_BATCH}, apply pages of ${PAGE}; ${REPS} interleaved repetitions, best of each`,
    );
    const samples: Sample[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      const s = repetition(dir, rep, writes, random);
      samples.push(s);
      ctx.log(
        `  rep ${rep + 1}: raw ${s.raw.toFixed(0)} ms (time-ordered keys ${s.rawTimeOrdered.toFixed(0)} ms), ` +
          `commit ${s.commit.toFixed(0)} ms, apply ${s.apply.toFixed(0)} ms`,
      );
    }
    const best = (k: keyof Sample) => Math.min(...samples.map((s) => s[k]));
    const rate = (ms: number) => writes.length / (ms / 1000);
    const rawRate = rate(best("raw"));
    const seqRate = rate(best("rawTimeOrdered"));
    const phase = (k: "commit" | "apply") => ({
      ms: Math.round(best(k)),
      rowsPerSec: Math.round(rate(best(k))),
      ratioToRaw: +(rate(best(k)) / rawRate).toFixed(3),
      ratioToRawTimeOrdered: +(rate(best(k)) / seqRate).toFixed(3),
    });
    const result = {
      rows: writes.length,
      repetitions: REPS,
      raw: { ms: Math.round(best("raw")), rowsPerSec: Math.round(rawRate) },
      rawTimeOrdered: { ms: Math.round(best("rawTimeOrdered")), rowsPerSec: Math.round(seqRate) },
      commit: phase("commit"),
      apply: phase("apply"),
      samplesMs: samples.map((s) => ({
        raw: Math.round(s.raw),
        rawTimeOrdered: Math.round(s.rawTimeOrdered),
        commit: Math.round(s.commit),
        apply: Math.round(s.apply),
      })),
    };
    ctx.log(
      `raw better-sqlite3 insert: ${result.raw.rowsPerSec} rows/s (time-ordered keys: ${result.rawTimeOrdered.rowsPerSec})`,
    );
    for (const k of ["commit", "apply"] as const) {
      ctx.log(
        `${k}(): ${result[k].rowsPerSec} rows/s, ratio to raw ${result[k].ratioToRaw} ` +
          `(to time-ordered raw ${result[k].ratioToRawTimeOrdered})`,
      );
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// State corruption of one replica's committed image (test-only faults):
// rows silently lost, or rows silently reverted to an older version, with
// the stream's count and fingerprint recomputed so nothing looks wrong
// locally — exactly what a leapfrogged watermark leaves behind. Applied to
// the disk image while the device is down, then the device restarts.

import { fingerprintOf, idToHex, streamKey, streamKeyString } from "@tidemark/engine";
import { Resource } from "@tidemark/protocol";
import Database from "better-sqlite3";
import type { Oracle, OracleChange } from "../oracle.js";
import type { Prng } from "../prng.js";

export type Corrupted = {
  readonly image: Buffer;
  readonly changed: number;
  /** Origins (hex) whose entry stream was touched. */
  readonly origins: readonly string[];
};

type Row = {
  id: Buffer;
  origin: Buffer;
  seq: number | bigint;
  name: string;
  parent_id: Buffer | null;
};

/**
 * Opens a disk image for editing. Foreign keys off: this is deliberate
 * damage, and the FK child check on entry.parent_id (a partial index)
 * would scan the table on every delete.
 */
function openImage(image: Buffer): Database.Database {
  const db = new Database(image);
  db.pragma("foreign_keys = OFF");
  return db;
}

function refreshStream(db: Database.Database, origin: Buffer): void {
  const items = (
    db.prepare("SELECT id, seq FROM entry WHERE origin = ? AND deleted = 0").raw().all(origin) as [
      Buffer,
      number | bigint,
    ][]
  ).map(([id, seq]) => ({ id: new Uint8Array(id), seq: BigInt(seq) }));
  db.prepare(
    "UPDATE stream SET live_count = ?, fingerprint = ? WHERE origin = ? AND resource = ?",
  ).run(items.length, Buffer.from(fingerprintOf(items)), origin, Resource.ENTRY);
}

/** Deletes up to `count` leaf files of other origins; returns the image and how many were lost. */
export function loseRows(image: Buffer, self: string, count: number, rng: Prng): Corrupted {
  const db = openImage(image);
  try {
    const candidates = db
      .prepare(
        "SELECT id, origin, lid FROM entry WHERE deleted = 0 AND kind = 1 AND origin != ? ORDER BY id",
      )
      .raw()
      .all(Buffer.from(self, "hex")) as [Buffer, Buffer, number][];
    const origins = new Map<string, Buffer>();
    let changed = 0;
    // Indexed by the engine's schema v2 (entry_closure_descendant).
    const delByDescendant = db.prepare("DELETE FROM entry_closure WHERE descendant = ?");
    const delByAncestor = db.prepare("DELETE FROM entry_closure WHERE ancestor = ?");
    const delRow = db.prepare("DELETE FROM entry WHERE id = ?");
    db.transaction(() => {
      for (let i = 0; i < count && candidates.length > 0; i++) {
        const k = rng.int(candidates.length);
        const [id, origin, lid] = candidates[k] as [Buffer, Buffer, number];
        candidates[k] = candidates[candidates.length - 1] as [Buffer, Buffer, number];
        candidates.pop();
        // Two indexed deletes (an OR would scan the whole closure table).
        delByDescendant.run(lid);
        delByAncestor.run(lid);
        delRow.run(id);
        origins.set(origin.toString("hex"), origin);
        changed++;
      }
      for (const o of origins.values()) refreshStream(db, o);
    })();
    return { image: db.serialize(), changed, origins: [...origins.keys()].sort() };
  } finally {
    db.close();
  }
}

/**
 * Reverts up to `count` renamed entries of other origins to an older
 * version (same parent, older name and seq): equal counts, different rows.
 */
export function staleRows(
  image: Buffer,
  self: string,
  count: number,
  rng: Prng,
  oracle: Oracle,
): Corrupted {
  const db = openImage(image);
  try {
    const rows = db
      .prepare(
        "SELECT id, origin, seq, name, parent_id FROM entry WHERE deleted = 0 AND origin != ? ORDER BY id",
      )
      .all(Buffer.from(self, "hex")) as Row[];
    const origins = new Map<string, Buffer>();
    let changed = 0;
    const revert = db.prepare("UPDATE entry SET name = ?, seq = ? WHERE id = ?");
    const histories = new Map<string, Map<string, OracleChange[]>>();
    db.transaction(() => {
      for (const r of rows) {
        if (changed >= count) break;
        const key = streamKeyString(streamKey(r.origin, Resource.ENTRY));
        const parent = r.parent_id === null ? undefined : idToHex(r.parent_id);
        let index = histories.get(key);
        if (index === undefined) {
          index = oracle.historyIndex(key);
          histories.set(key, index);
        }
        const older = (index.get(idToHex(r.id)) ?? []).filter(
          (c) => c.seq < BigInt(r.seq) && !c.deleted && c.parent === parent && c.name !== r.name,
        );
        if (older.length === 0 || !rng.chance(0.7)) continue;
        const v = older[older.length - 1];
        if (v === undefined || v.name === undefined) continue;
        revert.run(v.name, v.seq, r.id);
        origins.set(r.origin.toString("hex"), r.origin);
        changed++;
      }
      for (const o of origins.values()) refreshStream(db, o);
    })();
    return { image: db.serialize(), changed, origins: [...origins.keys()].sort() };
  } finally {
    db.close();
  }
}

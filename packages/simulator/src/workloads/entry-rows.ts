// Reads of the device's own entries for the edit workloads.
import type Database from "better-sqlite3";
import type { Prng } from "../prng.js";
import { bytes, originBlob } from "./context.js";

export type EntryRow = {
  readonly id: Uint8Array;
  readonly locationId: Uint8Array;
  readonly parentId: Uint8Array | undefined;
  readonly name: string;
  readonly kind: number;
  readonly size: bigint;
  readonly modifiedAtMs: bigint;
};

type RawRow = {
  id: Buffer;
  location_id: Buffer;
  parent_id: Buffer | null;
  name: string;
  kind: number;
  size: number | bigint;
  modified_at_ms: number | bigint;
};

function toEntry(r: RawRow): EntryRow {
  return {
    id: bytes(r.id),
    locationId: bytes(r.location_id),
    parentId: r.parent_id === null ? undefined : bytes(r.parent_id),
    name: r.name,
    kind: r.kind,
    size: BigInt(r.size),
    modifiedAtMs: BigInt(r.modified_at_ms),
  };
}

/** A random live non-root entry of `origin` (optionally directories only). */
export function randomOwnEntry(
  db: Database.Database,
  origin: string,
  rng: Prng,
  dirsOnly = false,
): EntryRow | undefined {
  const where = `origin = ? AND deleted = 0 AND parent_id IS NOT NULL${dirsOnly ? " AND kind = 2" : ""}`;
  const n = db
    .prepare(`SELECT count(*) FROM entry WHERE ${where}`)
    .pluck()
    .get(originBlob(origin)) as number;
  if (n === 0) return undefined;
  const r = db
    .prepare(`SELECT * FROM entry WHERE ${where} ORDER BY id LIMIT 1 OFFSET ?`)
    .get(originBlob(origin), rng.int(n)) as RawRow | undefined;
  return r === undefined ? undefined : toEntry(r);
}

/** A random live directory of `origin` in the same location. */
export function randomDirIn(
  db: Database.Database,
  origin: string,
  locationId: Uint8Array,
  rng: Prng,
): EntryRow | undefined {
  const where = "origin = ? AND deleted = 0 AND kind = 2 AND location_id = ?";
  const args = [originBlob(origin), Buffer.from(locationId)];
  const n = db
    .prepare(`SELECT count(*) FROM entry WHERE ${where}`)
    .pluck()
    .get(...args) as number;
  if (n === 0) return undefined;
  const r = db
    .prepare(`SELECT * FROM entry WHERE ${where} ORDER BY id LIMIT 1 OFFSET ?`)
    .get(...args, rng.int(n)) as RawRow | undefined;
  return r === undefined ? undefined : toEntry(r);
}

/** A random live entry of any origin (targets of tag assignments). */
export function randomAnyEntry(db: Database.Database, rng: Prng): Uint8Array | undefined {
  const n = db.prepare("SELECT count(*) FROM entry WHERE deleted = 0").pluck().get() as number;
  if (n === 0) return undefined;
  const id = db
    .prepare("SELECT id FROM entry WHERE deleted = 0 ORDER BY id LIMIT 1 OFFSET ?")
    .pluck()
    .get(rng.int(n));
  return id === undefined ? undefined : bytes(id);
}

/** True when `maybeDescendant` is in the subtree of `ancestor` (closure table). */
export function isInSubtree(
  db: Database.Database,
  ancestor: Uint8Array,
  maybeDescendant: Uint8Array,
): boolean {
  return (
    db
      .prepare(
        "SELECT 1 FROM entry_closure c JOIN entry a ON a.lid = c.ancestor JOIN entry d ON d.lid = c.descendant WHERE a.id = ? AND d.id = ?",
      )
      .get(Buffer.from(ancestor), Buffer.from(maybeDescendant)) !== undefined
  );
}

/** The live subtree of `root` (root included), deepest first. */
export function subtreeDeepestFirst(db: Database.Database, root: Uint8Array): Uint8Array[] {
  const rows = db
    .prepare(
      "SELECT d.id FROM entry_closure c JOIN entry a ON a.lid = c.ancestor JOIN entry d ON d.lid = c.descendant WHERE a.id = ? ORDER BY c.depth DESC, d.id",
    )
    .pluck()
    .all(Buffer.from(root)) as Buffer[];
  const out = rows.map(bytes);
  if (!out.some((id) => Buffer.from(id).equals(Buffer.from(root)))) out.push(root);
  return out;
}

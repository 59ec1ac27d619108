// Canonical views of a replica, read with SQL from its database: the rows
// every device must agree on after healing (live rows only; tombstones may
// be pruned at different times on different devices).
import type Database from "better-sqlite3";
import { toHex } from "../ids.js";

export const DEVICE_OWNED_TABLES = ["device", "volume", "location", "entry"] as const;
export const SHARED_TABLES = ["tag", "collection", "tag_assignment", "collection_item"] as const;

/** Tables whose live rows must be identical on every device. */
export const CANONICAL_TABLES: readonly string[] = [
  ...DEVICE_OWNED_TABLES,
  ...SHARED_TABLES,
  ...SHARED_TABLES.map((t) => `${t}_change`),
];

function cell(v: unknown): string {
  if (v instanceof Uint8Array) return toHex(v);
  if (v === null) return "null";
  return String(v);
}

/** Columns local to one replica (never synced), left out of comparisons. */
const LOCAL_COLUMNS = new Set(["lid"]);

/** Live rows of a table as canonical strings, sorted (by primary key, then text). */
export function canonicalRows(db: Database.Database, table: string): string[] {
  const cols = (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[])
    .map((c) => c.name)
    .filter((c) => !LOCAL_COLUMNS.has(c));
  const rows = db
    .prepare(`SELECT ${cols.join(", ")} FROM ${table} WHERE deleted = 0`)
    .raw()
    .all() as unknown[][];
  const out = rows.map((r) => r.map((v, i) => `${cols[i]}=${cell(v)}`).join(" "));
  out.sort();
  return out;
}

/** (id -> seq) of the live entries one origin holds in a stream's entries table. */
export function liveEntries(
  db: Database.Database,
  entriesTable: string,
  origin: string,
): Map<string, bigint> {
  const rows = db
    .prepare(`SELECT id, seq FROM ${entriesTable} WHERE origin = ? AND deleted = 0`)
    .raw()
    .all(Buffer.from(origin, "hex")) as [Uint8Array, number | bigint][];
  const out = new Map<string, bigint>();
  for (const [id, seq] of rows) out.set(toHex(id), BigInt(seq));
  return out;
}

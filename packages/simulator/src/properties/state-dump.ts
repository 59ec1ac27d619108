// Canonical views of a replica, read with SQL from its database: the rows
// every device must agree on after healing (live rows only; tombstones may
// be pruned at different times on different devices).
import { fromBinary } from "@bufbuild/protobuf";
import { idToHex, RESOURCES } from "@tidemark/engine";
import { ChangeSchema } from "@tidemark/protocol";
import type Database from "better-sqlite3";

/**
 * Tables whose live rows must be identical on every device: every resource's
 * table, then the per-origin change tables of shared ones (from the engine's
 * registry, like tables.ts).
 */
export const CANONICAL_TABLES: readonly string[] = [
  ...RESOURCES.map((d) => d.table),
  ...RESOURCES.filter((d) => d.entriesTable !== d.table).map((d) => d.entriesTable),
];

function cell(v: unknown): string {
  if (v instanceof Uint8Array) return idToHex(v);
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

/** (id -> seq) of the live entries one origin holds for a stream: its entries table plus held changes. */
export function liveEntries(
  db: Database.Database,
  entriesTable: string,
  origin: string,
  resource: number,
): Map<string, bigint> {
  const o = Buffer.from(origin, "hex");
  const rows = db
    .prepare(`SELECT id, seq, deleted FROM ${entriesTable} WHERE origin = ?`)
    .raw()
    .all(o) as [Uint8Array, number | bigint, number][];
  const all = new Map<string, { seq: bigint; live: boolean }>();
  for (const [id, seq, deleted] of rows)
    all.set(idToHex(id), { seq: BigInt(seq), live: deleted === 0 });
  // Changes held in the dependency buffer (waiting for a same-origin parent)
  // are held too: the engine counts and serves them.
  const held = db
    .prepare("SELECT row_id, seq, change FROM dep_buffer WHERE origin = ? AND resource = ?")
    .raw()
    .all(o, resource) as [Uint8Array, number | bigint, Uint8Array][];
  for (const [id, seq, bytes] of held) {
    const key = idToHex(id);
    const prev = all.get(key);
    if (prev !== undefined && prev.seq >= BigInt(seq)) continue;
    const change = fromBinary(ChangeSchema, bytes);
    all.set(key, { seq: BigInt(seq), live: change.body.case !== "tombstone" });
  }
  const out = new Map<string, bigint>();
  for (const [id, v] of all) if (v.live) out.set(id, v.seq);
  return out;
}

// Read-only checks over a store's database, recomputed from scratch: the
// oracles for tests and the simulator's properties (closure consistent,
// fingerprints match, canonical state equal across replicas), and the
// entry tree read through its parent links (subtrees, ancestry).
import { fromBinary } from "@bufbuild/protobuf";
import { ChangeSchema } from "@tidemark/protocol";
import type { Database } from "better-sqlite3";
import { fingerprintOf } from "../fingerprint/index.js";
import { idFromHex, idToHex } from "./ids.js";
import { RESOURCES, resourceDef } from "./registry.js";
import type { StreamKey } from "./store-api.js";

/** Fingerprint of a stream's live entries (table rows and held changes), from scratch. */
export function recomputeFingerprint(db: Database, stream: StreamKey): Uint8Array {
  const def = resourceDef(stream.resource);
  if (!def) throw new Error(`unknown resource ${stream.resource}`);
  const origin = idFromHex(stream.origin);
  const items = new Map<string, { id: Uint8Array; seq: bigint; live: boolean }>();
  const rows = db
    .prepare(`SELECT id, seq, deleted FROM ${def.entriesTable} WHERE origin = ?`)
    .raw(true)
    .safeIntegers(true)
    .all(origin) as [Uint8Array, bigint, bigint][];
  for (const [id, seq, deleted] of rows) items.set(idToHex(id), { id, seq, live: deleted === 0n });
  const held = db
    .prepare("SELECT change FROM dep_buffer WHERE origin = ? AND resource = ?")
    .pluck()
    .all(origin, stream.resource) as Uint8Array[];
  for (const bytes of held) {
    const c = fromBinary(ChangeSchema, new Uint8Array(bytes));
    const hex = idToHex(c.rowId);
    const prior = items.get(hex);
    if (!prior || prior.seq < c.seq) items.set(hex, { id: c.rowId, seq: c.seq, live: true });
  }
  return fingerprintOf([...items.values()].filter((i) => i.live));
}

type ClosureRow = readonly [string, string, number];

const ENTRY_TREE = "entry";

/**
 * The live subtree of entry `rootId` (itself at depth 0, then every entry
 * reached through live parent links), one recursive query down the
 * parent_id index: O(subtree), not the whole closure. [] when the root is
 * not live.
 */
export function subtreeOf(
  db: Database,
  rootId: Uint8Array,
): { readonly id: Uint8Array; readonly depth: number }[] {
  const rows = db
    .prepare(
      `WITH RECURSIVE s (id, depth) AS (
         SELECT id, 0 FROM ${ENTRY_TREE} WHERE id = ? AND deleted = 0
         UNION ALL
         SELECT e.id, s.depth + 1 FROM s JOIN ${ENTRY_TREE} e ON e.parent_id = s.id AND e.deleted = 0
         WHERE s.depth < (SELECT COUNT(*) FROM ${ENTRY_TREE})
       ) SELECT id, depth FROM s`,
    )
    .raw(true)
    .all(rootId) as [Uint8Array, number][];
  return rows.map(([id, depth]) => ({ id: new Uint8Array(id), depth }));
}

/**
 * True when entry `id` is `ancestorId` or in its live subtree: walks up
 * from `id` through live parents (O(depth) index lookups).
 */
export function isInSubtree(db: Database, ancestorId: Uint8Array, id: Uint8Array): boolean {
  const up = db.prepare(`SELECT parent_id FROM ${ENTRY_TREE} WHERE id = ? AND deleted = 0`).pluck();
  const limit = db.prepare(`SELECT COUNT(*) FROM ${ENTRY_TREE}`).pluck().get() as number;
  let cur: Uint8Array | null | undefined = id;
  for (let depth = 0; cur != null && depth <= limit; depth++) {
    const parent = up.get(cur) as Uint8Array | null | undefined;
    if (parent === undefined) return false;
    if (idToHex(cur) === idToHex(ancestorId)) return true;
    cur = parent;
  }
  return false;
}

/** The closure table's rows as (ancestorHex, descendantHex, depth), sorted. */
export function closureRows(db: Database): ClosureRow[] {
  const out: ClosureRow[] = [];
  for (const def of RESOURCES) {
    if (!def.tree) continue;
    const rows = db
      .prepare(
        `SELECT a.id, d.id, c.depth FROM ${def.tree.closureTable} c
         JOIN ${def.table} a ON a.lid = c.ancestor JOIN ${def.table} d ON d.lid = c.descendant`,
      )
      .raw(true)
      .all() as [Uint8Array, Uint8Array, number][];
    for (const [a, d, depth] of rows) out.push([idToHex(a), idToHex(d), depth]);
  }
  return out.sort(compareRows);
}

/** The closure recomputed from parent links through live rows, sorted. */
export function expectedClosureRows(db: Database): ClosureRow[] {
  const out: ClosureRow[] = [];
  for (const def of RESOURCES) {
    if (!def.tree) continue;
    const rows = db
      .prepare(`SELECT id, ${def.tree.parentField} FROM ${def.table} WHERE deleted = 0`)
      .raw(true)
      .all() as [Uint8Array, Uint8Array | null][];
    const parent = new Map(rows.map(([id, p]) => [idToHex(id), p ? idToHex(p) : undefined]));
    for (const d of parent.keys()) {
      let node: string | undefined = d;
      for (let depth = 0; node !== undefined && depth <= parent.size; depth++) {
        out.push([node, d, depth]);
        const up: string | undefined = parent.get(node);
        node = up !== undefined && parent.has(up) ? up : undefined;
      }
    }
  }
  return out.sort(compareRows);
}

function compareRows(a: ClosureRow, b: ClosureRow): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[2] - b[2];
}

/**
 * Every synced table's rows (entries and visible rows), the held changes
 * and the stream states, as sorted JSON-able lines: equal strings mean
 * equal replicas (device-local state such as the HLC is left out).
 */
export function canonicalState(db: Database): string[] {
  const lines: string[] = [];
  const dump = (label: string, sql: string) => {
    for (const r of db.prepare(sql).raw(true).safeIntegers(true).all() as unknown[][]) {
      lines.push(
        `${label} ${r.map((v) => (v instanceof Uint8Array ? idToHex(v) : String(v))).join(" ")}`,
      );
    }
  };
  for (const def of RESOURCES) {
    // Local keys (lid) differ between replicas; everything else must not.
    const cols = def.tree
      ? `id, origin, seq, deleted, ${def.columns.map((c) => c.name).join(", ")}`
      : "*";
    dump(def.table, `SELECT ${cols} FROM ${def.table}`);
    if (def.entriesTable !== def.table) dump(def.entriesTable, `SELECT * FROM ${def.entriesTable}`);
  }
  dump("held", "SELECT origin, resource, row_id, seq, parent FROM dep_buffer");
  dump("stream", "SELECT origin, resource, cursor, live_count, fingerprint, horizon FROM stream");
  return lines.sort();
}

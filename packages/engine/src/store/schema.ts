// DDL derived from the registry, plus the store's own bookkeeping tables.
import { type Column, RESOURCES, type ResourceDef, resourceDef } from "./registry.js";

const SQL_TYPE: Record<Column["kind"], string> = {
  text: "TEXT",
  blob: "BLOB",
  int: "INTEGER",
  bigint: "INTEGER",
  bool: "INTEGER",
};

function bodyColumns(def: ResourceDef, withFk: boolean): string[] {
  return def.columns.map((c) => {
    const ref = def.refs.find((r) => r.field === c.name);
    const parent = ref?.hard && withFk ? resourceDef(ref.parent) : undefined;
    const fk = parent ? ` REFERENCES ${parent.table}(id)` : "";
    return `${c.name} ${SQL_TYPE[c.kind]}${fk}`;
  });
}

/** CREATE statements for one resource's tables and indexes. */
export function resourceDdl(def: ResourceDef): string[] {
  const t = def.table;
  const out: string[] = [];
  if (def.ownership === "device") {
    // The rows are the stream's entries: `origin` is explicit and indexed
    // with seq, so "rows of origin O after seq S" is one index range (B3).
    // Tree rows also get a local integer key (never synced) so the closure
    // table stores small integers instead of pairs of 16-byte ids.
    const key = def.tree
      ? "lid INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE"
      : "id BLOB PRIMARY KEY NOT NULL";
    const rowid = def.tree ? "" : " WITHOUT ROWID";
    out.push(
      `CREATE TABLE ${t} (${key}, origin BLOB NOT NULL, seq INTEGER NOT NULL, deleted INTEGER NOT NULL, ${bodyColumns(def, true).join(", ")})${rowid}`,
      `CREATE INDEX ${t}_origin_seq ON ${t}(origin, seq)`,
    );
  } else {
    // Per-origin entries (unique on origin, row) and the LWW-visible row.
    out.push(
      `CREATE TABLE ${t}_change (origin BLOB NOT NULL, id BLOB NOT NULL, seq INTEGER NOT NULL, hlc INTEGER NOT NULL, deleted INTEGER NOT NULL, ${bodyColumns(def, false).join(", ")}, PRIMARY KEY (origin, id)) WITHOUT ROWID`,
      `CREATE INDEX ${t}_change_origin_seq ON ${t}_change(origin, seq)`,
      `CREATE TABLE ${t} (id BLOB PRIMARY KEY NOT NULL, origin BLOB NOT NULL, seq INTEGER NOT NULL, hlc INTEGER NOT NULL, deleted INTEGER NOT NULL, ${bodyColumns(def, false).join(", ")}) WITHOUT ROWID`,
    );
  }
  if (def.tree) {
    const c = def.tree.closureTable;
    // The child index on the tree's parent serves FK checks when a
    // tombstone is pruned and re-attaching children when a row revives.
    // Closure columns are the rows' local `lid`s; one B-tree on
    // (ancestor, descendant), ancestors are found via parent links.
    out.push(
      `CREATE INDEX ${t}_${def.tree.parentField} ON ${t}(${def.tree.parentField}) WHERE ${def.tree.parentField} IS NOT NULL`,
      `CREATE TABLE ${c} (ancestor INTEGER NOT NULL, descendant INTEGER NOT NULL, depth INTEGER NOT NULL, PRIMARY KEY (ancestor, descendant)) WITHOUT ROWID`,
    );
  }
  return out;
}

/**
 * The closure of a tree resource as a view (schema v6): (ancestor,
 * descendant, depth) over live rows by their local keys, every hop live,
 * computed by a recursive query over the indexed parent links — nothing
 * to maintain on write. Reading all of it costs rows x depth; ask for one
 * subtree or one chain of ancestors instead (inspect.ts).
 */
export function closureViewDdl(
  def: ResourceDef & { tree: NonNullable<ResourceDef["tree"]> },
): string {
  const t = def.table;
  const pf = def.tree.parentField;
  return `CREATE VIEW ${def.tree.closureTable} (ancestor, descendant, depth) AS
    WITH RECURSIVE c (ancestor, descendant, depth) AS (
      SELECT lid, lid, 0 FROM ${t} WHERE deleted = 0
      UNION ALL
      SELECT c.ancestor, e.lid, c.depth + 1 FROM c
        JOIN ${t} p ON p.lid = c.descendant
        JOIN ${t} e ON e.${pf} = p.id AND e.deleted = 0
      -- No tree is deeper than it has rows: bounds a corrupted cycle.
      WHERE c.depth < (SELECT COUNT(*) FROM ${t})
    )
    SELECT ancestor, descendant, depth FROM c`;
}

/** The store's bookkeeping: key/value meta, stream state, dependency buffer. */
export const CORE_DDL: readonly string[] = [
  // BLOB affinity: values are stored exactly as given (ANY would coerce hex ids to numbers).
  "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value BLOB) WITHOUT ROWID",
  // cursor/horizon/max_applied/head NULL = absent (B4: never a sentinel).
  `CREATE TABLE stream (origin BLOB NOT NULL, resource INTEGER NOT NULL, cursor INTEGER, live_count INTEGER NOT NULL,
     fingerprint BLOB NOT NULL, horizon INTEGER, max_applied INTEGER, pulling INTEGER NOT NULL, head INTEGER,
     PRIMARY KEY (origin, resource)) WITHOUT ROWID`,
  // Changes held until a missing same-origin parent lands (change = Change proto bytes).
  `CREATE TABLE dep_buffer (origin BLOB NOT NULL, resource INTEGER NOT NULL, row_id BLOB NOT NULL, seq INTEGER NOT NULL,
     parent BLOB NOT NULL, change BLOB NOT NULL, PRIMARY KEY (origin, resource, row_id)) WITHOUT ROWID`,
];

/** Every CREATE of schema version 1, in FK order. */
export function initialDdl(): string[] {
  return [...CORE_DDL, ...RESOURCES.flatMap(resourceDdl)];
}

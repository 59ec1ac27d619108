// Prepared statements for one resource, generated from its registry entry.
// Device-owned: the table holds the entries. Shared: `${table}_change`
// holds each origin's entries and `${table}` the LWW-visible row.
import type { Database, Statement } from "better-sqlite3";
import { RESOURCES, type ResourceDef } from "./registry.js";

/** Raw entry row: [id, seq, hlc|null, deleted, signature|null, ...body columns]. */
export type EntryRaw = [Uint8Array, bigint, bigint | null, bigint, Uint8Array | null, ...unknown[]];
export const ENTRY_BODY_OFFSET = 5;

export class ResourceTable {
  readonly def: ResourceDef;
  /** Device: [origin, seq, deleted, treeParent, lid]; shared: [seq, deleted]. */
  readonly getEntry: Statement;
  readonly upsertLive: Statement;
  readonly upsertTombstone: Statement;
  /** Device only: [origin, lid] of a row by id (parent resolution). */
  readonly getOrigin: Statement | undefined;
  /** Shared only: the visible row's [origin, hlc]. */
  readonly getVisible: Statement | undefined;
  readonly upsertVisibleLive: Statement | undefined;
  readonly upsertVisibleTombstone: Statement | undefined;
  readonly serve: Statement;
  readonly byId: Statement;
  readonly reconcile: Statement;
  readonly prune: Statement;
  /** Shared only: the lowest seq of an origin's tombstone at or past an HLC: (origin, hlc). */
  readonly youngTombstone: Statement | undefined;
  /** An origin's entries above a seq, ascending: [id, seq, deleted]. */
  readonly unconfirmed: Statement;
  /** Renumbers an origin's entry: (seq, origin, id). */
  readonly setSeq: Statement;
  /** Replaces an origin's entry's signature: (sig, origin, id). */
  readonly setSig: Statement;
  /** An origin's entries without a signature (stored before signatures): [id]. */
  readonly unsigned: Statement;
  /** Shared only: the visible row follows its version's new seq: (seq, id, origin, oldSeq). */
  readonly setVisibleSeq: Statement | undefined;
  /**
   * Removes one row of an origin (id, origin): device-owned unless a hard
   * child still references it (the foreign key would break); shared: the
   * origin's entry (the caller settles the visible row, RC-30).
   */
  readonly forget: Statement;

  constructor(db: Database, def: ResourceDef) {
    this.def = def;
    const t = def.table;
    const e = def.entriesTable;
    const cols = def.columns.map((c) => c.name);
    const colList = cols.length ? `, ${cols.join(", ")}` : "";
    const params = cols.map(() => ", ?").join("");
    const setLive = cols.map((c) => `, ${c} = excluded.${c}`).join("");
    const setNull = cols.map((c) => `, ${c} = NULL`).join("");
    const hlcSel = def.ownership === "shared" ? "hlc" : "NULL";
    const prep = (sql: string) => db.prepare(sql);
    const raw = (sql: string) => db.prepare(sql).raw(true).safeIntegers(true);

    if (def.ownership === "device") {
      const parent = def.tree ? def.tree.parentField : "NULL";
      const lid = def.tree ? "lid" : "NULL";
      this.getEntry = raw(`SELECT origin, seq, deleted, ${parent}, ${lid} FROM ${t} WHERE id = ?`);
      this.upsertLive = prep(
        `INSERT INTO ${t} (id, origin, seq, sig, deleted${colList}) VALUES (?, ?, ?, ?, 0${params})
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, sig = excluded.sig, deleted = 0${setLive}`,
      );
      this.upsertTombstone = prep(
        `INSERT INTO ${t} (id, origin, seq, sig, deleted) VALUES (?, ?, ?, ?, 1)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, sig = excluded.sig, deleted = 1${setNull}`,
      );
      this.getOrigin = raw(`SELECT origin, ${lid} FROM ${t} WHERE id = ?`);
      this.getVisible = undefined;
      this.upsertVisibleLive = undefined;
      this.upsertVisibleTombstone = undefined;
    } else {
      this.getEntry = raw(`SELECT seq, deleted FROM ${e} WHERE origin = ? AND id = ?`);
      this.upsertLive = prep(
        `INSERT INTO ${e} (id, origin, seq, hlc, sig, deleted${colList}) VALUES (?, ?, ?, ?, ?, 0${params})
         ON CONFLICT (origin, id) DO UPDATE SET seq = excluded.seq, hlc = excluded.hlc, sig = excluded.sig, deleted = 0${setLive}`,
      );
      this.upsertTombstone = prep(
        `INSERT INTO ${e} (id, origin, seq, hlc, sig, deleted) VALUES (?, ?, ?, ?, ?, 1)
         ON CONFLICT (origin, id) DO UPDATE SET seq = excluded.seq, hlc = excluded.hlc, sig = excluded.sig, deleted = 1${setNull}`,
      );
      this.getOrigin = undefined;
      this.getVisible = raw(`SELECT origin, hlc FROM ${t} WHERE id = ?`);
      this.upsertVisibleLive = prep(
        `INSERT INTO ${t} (id, origin, seq, hlc, deleted${colList}) VALUES (?, ?, ?, ?, 0${params})
         ON CONFLICT (id) DO UPDATE SET origin = excluded.origin, seq = excluded.seq, hlc = excluded.hlc, deleted = 0${setLive}`,
      );
      this.upsertVisibleTombstone = prep(
        `INSERT INTO ${t} (id, origin, seq, hlc, deleted) VALUES (?, ?, ?, ?, 1)
         ON CONFLICT (id) DO UPDATE SET origin = excluded.origin, seq = excluded.seq, hlc = excluded.hlc, deleted = 1${setNull}`,
      );
    }
    const sel = `SELECT id, seq, ${hlcSel}, deleted, sig${colList} FROM ${e}`;
    this.serve = raw(`${sel} WHERE origin = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`);
    this.byId = raw(`${sel} WHERE origin = ? AND id = ?`);
    this.reconcile = raw(`SELECT id, seq FROM ${e} WHERE origin = ? ORDER BY id`);
    this.prune = prep(
      `DELETE FROM ${e} WHERE origin = ? AND deleted = 1 AND seq <= ?${childGuards(def)}${shadowGuard(def)}`,
    );
    this.youngTombstone =
      def.ownership === "shared"
        ? raw(`SELECT MIN(seq) FROM ${e} WHERE origin = ? AND deleted = 1 AND hlc >= ?`)
        : undefined;
    this.unconfirmed = raw(
      `SELECT id, seq, deleted FROM ${e} WHERE origin = ? AND seq > ? ORDER BY seq`,
    );
    this.setSeq = prep(`UPDATE ${e} SET seq = ? WHERE origin = ? AND id = ?`);
    this.setSig = prep(`UPDATE ${e} SET sig = ? WHERE origin = ? AND id = ?`);
    this.unsigned = raw(`SELECT id FROM ${e} WHERE origin = ? AND sig IS NULL`);
    this.setVisibleSeq =
      def.ownership === "shared"
        ? prep(`UPDATE ${t} SET seq = ? WHERE id = ? AND origin = ? AND seq = ?`)
        : undefined;
    this.forget =
      def.ownership === "device"
        ? prep(`DELETE FROM ${t} WHERE id = ? AND origin = ?${childGuards(def)}`)
        : prep(`DELETE FROM ${e} WHERE id = ? AND origin = ?`);
  }
}

// A shared tombstone that shadows another origin's older live entry for
// the same row must stay: the row is deleted only because of it, and a
// replica that pulls the streams later would otherwise see it live (no
// other stream carries the delete). Older is last-writer-wins order.
function shadowGuard(def: ResourceDef): string {
  if (def.ownership !== "shared") return "";
  const e = def.entriesTable;
  return ` AND NOT EXISTS (SELECT 1 FROM ${e} o WHERE o.id = ${e}.id AND o.origin <> ${e}.origin AND o.deleted = 0 AND (o.hlc < ${e}.hlc OR (o.hlc = ${e}.hlc AND o.origin < ${e}.origin)))`;
}

// A tombstone still referenced by a hard child (live or buffered-released)
// must stay: pruning it would break the SQLite foreign key.
function childGuards(def: ResourceDef): string {
  if (def.ownership !== "device") return "";
  const guards: string[] = [];
  for (const child of RESOURCES) {
    for (const ref of child.refs) {
      if (ref.hard && ref.parent === def.resource) {
        guards.push(
          ` AND NOT EXISTS (SELECT 1 FROM ${child.table} c WHERE c.${ref.field} = ${def.table}.id)`,
        );
      }
    }
  }
  return guards.join("");
}

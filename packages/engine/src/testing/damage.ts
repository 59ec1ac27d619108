// Test-only damage to a stopped replica's database, behind the engine's
// back: rows silently lost, rows silently reverted to an older version, a
// cursor moved past changes never applied (an injected leapfrog). Stream
// counts and fingerprints are recomputed from what is left, so nothing
// looks wrong locally — exactly what a leapfrogged watermark leaves behind.
import type { Change } from "@tidemark/protocol";
import type { Database } from "better-sqlite3";
import { fingerprintOf } from "../fingerprint/index.js";
import { idFromHex, streamKeyString } from "../store/ids.js";
import { resourceDef } from "../store/registry.js";
import { bodyToColumns } from "../store/row-codec.js";
import type { StreamKey } from "../store/store-api.js";
import { DbInspector } from "./inspect.js";

export type Damage =
  | { readonly kind: "lose-rows"; readonly rows: readonly DamagedRow[] }
  | {
      readonly kind: "revert-rows";
      readonly rows: readonly { readonly stream: StreamKey; readonly to: Change }[];
    }
  | { readonly kind: "claim-cursor"; readonly stream: StreamKey; readonly cursor: bigint };

export type DamagedRow = { readonly stream: StreamKey; readonly id: Uint8Array };

/**
 * Applies `damage` to an open database of a stopped replica, in one
 * transaction with foreign keys off (this is deliberate damage). Returns
 * how many rows or cursors changed.
 */
export function damageDatabase(db: Database, damage: Damage): number {
  db.pragma("foreign_keys = OFF");
  return db.transaction(() => {
    const touched = new Map<string, StreamKey>();
    let changed = 0;
    if (damage.kind === "lose-rows") {
      for (const r of damage.rows)
        if (loseRow(db, r)) touched.set(streamKeyString(r.stream), r.stream);
      changed = damage.rows.length;
    } else if (damage.kind === "revert-rows") {
      for (const r of damage.rows)
        if (revertRow(db, r.stream, r.to)) {
          touched.set(streamKeyString(r.stream), r.stream);
          changed++;
        }
    } else {
      changed = db
        .prepare(
          "UPDATE stream SET cursor = ?, max_applied = ?, pulling = 0 WHERE origin = ? AND resource = ?",
        )
        .run(
          damage.cursor,
          damage.cursor,
          idFromHex(damage.stream.origin),
          damage.stream.resource,
        ).changes;
    }
    for (const s of touched.values()) refreshStream(db, s);
    return changed;
  })();
}

function defOf(stream: StreamKey) {
  const def = resourceDef(stream.resource);
  if (def === undefined) throw new RangeError(`unknown resource ${stream.resource}`);
  return def;
}

function loseRow(db: Database, r: DamagedRow): boolean {
  const def = defOf(r.stream);
  const origin = idFromHex(r.stream.origin);
  // A tree's closure is a view over the parent links (schema v6): only the row goes.
  const n = db
    .prepare(`DELETE FROM ${def.entriesTable} WHERE origin = ? AND id = ?`)
    .run(origin, r.id).changes;
  if (def.entriesTable !== def.table)
    db.prepare(`DELETE FROM ${def.table} WHERE origin = ? AND id = ?`).run(origin, r.id);
  return n > 0;
}

/**
 * Rewrites a held entry as an older version (its seq, body and signature:
 * a genuine old version carries the one its origin made then, none if
 * `to` has none); a tree parent must not change.
 */
function revertRow(db: Database, stream: StreamKey, to: Change): boolean {
  const def = defOf(stream);
  if (to.body.case !== def.bodyCase) return false;
  const cols = bodyToColumns(def, to.body.value as unknown as Record<string, unknown>);
  const set = def.columns.map((c) => `, ${c.name} = ?`).join("");
  const sql = `UPDATE ${def.entriesTable} SET seq = ?, sig = ?${set} WHERE origin = ? AND id = ? AND deleted = 0`;
  const sig = to.signature.length === 0 ? null : to.signature;
  return db.prepare(sql).run(to.seq, sig, ...cols, idFromHex(stream.origin), to.rowId).changes > 0;
}

function refreshStream(db: Database, stream: StreamKey): void {
  const live = new DbInspector(db)
    .streamEntries(stream)
    .filter((c) => c.body.case !== "tombstone")
    .map((c) => ({ id: c.rowId, seq: c.seq }));
  db.prepare(
    "UPDATE stream SET live_count = ?, fingerprint = ? WHERE origin = ? AND resource = ?",
  ).run(live.length, fingerprintOf(live), idFromHex(stream.origin), stream.resource);
}

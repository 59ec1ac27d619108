// Self-repair at open (issue 14): earlier versions created a stream row as
// soon as a pull began, so a peer that merely listed made-up streams left
// rows that hold nothing — they swelled every watermark reply past the
// protocol's limit and broke sync for good. A stream row of another origin
// that holds no row, no tombstone and nothing in the dependency buffer is
// unbacked: deleted here. Own streams are never touched, nor a stream with a
// tombstone horizon: pruning may leave it holding nothing, and deleting it
// would lose its cursor and lower its horizon (PROTOCOL.md TB-1).
import type { Database } from "better-sqlite3";
import { RESOURCES } from "./registry.js";

/** Deletes unbacked stream rows; returns how many. Call inside no transaction. */
export function forgetUnbackedStreams(db: Database, self: Uint8Array): number {
  const holds = RESOURCES.map((def) => {
    const rows = def.ownership === "shared" ? `${def.table}_change` : def.table;
    return `(s.resource = ${def.resource} AND EXISTS (SELECT 1 FROM ${rows} r WHERE r.origin = s.origin))`;
  }).join(" OR ");
  const sql = `DELETE FROM stream AS s WHERE s.origin != ? AND s.live_count = 0 AND s.horizon IS NULL
    AND NOT EXISTS (SELECT 1 FROM dep_buffer d WHERE d.origin = s.origin AND d.resource = s.resource)
    AND NOT (${holds})`;
  return db.transaction(() => db.prepare(sql).run(self).changes)();
}

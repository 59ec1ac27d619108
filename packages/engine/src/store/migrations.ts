// Migration runner: numbered, forward-only steps recorded in a version
// table, each in its own transaction. Opening a newer database fails
// loudly instead of guessing.
import type { Database } from "better-sqlite3";
import { EngineError, EngineErrorCode } from "../errors.js";
import { RESOURCES } from "./registry.js";
import { closureViewDdl, initialDdl } from "./schema.js";

export type Migration = { readonly version: number; readonly name: string; up(db: Database): void };

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema from the resource registry",
    up(db) {
      for (const sql of initialDdl()) db.exec(sql);
    },
  },
  {
    version: 2,
    name: "closure tables indexed by descendant",
    // The primary key (ancestor, descendant) cannot serve "links of row X
    // as a descendant" (detach a lost or corrupt row), which otherwise
    // scans the whole closure table, O(rows × depth) per row.
    up(db) {
      for (const def of RESOURCES) {
        const c = def.tree?.closureTable;
        if (c !== undefined) db.exec(`CREATE INDEX ${c}_descendant ON ${c}(descendant)`);
      }
    },
  },
  {
    version: 3,
    name: "stream resume point of an unfinished pull",
    // Where a pull resumes: the last page received in order, kept apart
    // from max_applied (the highest seq applied, which out-of-order pages
    // can push past rows never received).
    up(db) {
      db.exec("ALTER TABLE stream ADD COLUMN resume_after INTEGER");
    },
  },
  {
    version: 4,
    name: "shared change tables indexed by row id",
    // Pruning a shared tombstone checks the other origins' entries for the
    // same row (resource-table.ts shadowGuard): one index lookup, not a scan.
    up(db) {
      for (const def of RESOURCES) {
        if (def.ownership === "shared")
          db.exec(`CREATE INDEX ${def.entriesTable}_id ON ${def.entriesTable}(id)`);
      }
    },
  },
  {
    version: 5,
    name: "own stream rewind head",
    // After a restore: the highest own seq a peer was found to hold above
    // our confirmed head; unconfirmed changes were renumbered above it.
    up(db) {
      db.exec("ALTER TABLE stream ADD COLUMN rewind_head INTEGER");
    },
  },
  {
    version: 6,
    name: "entry tree without a materialised closure",
    // The closure table cost D(D+1)/2 rows for a chain of depth D and
    // subtree x depth work per move; nothing on the write path needs it.
    // It becomes a view over the indexed parent links (store/tree.ts).
    up(db) {
      for (const def of RESOURCES) {
        if (def.tree === undefined) continue;
        db.exec(`DROP TABLE ${def.tree.closureTable}`);
        db.exec(closureViewDdl({ ...def, tree: def.tree }));
      }
    },
  },
  {
    version: 7,
    name: "change signatures and origin keys",
    // Each entry keeps its origin's signature (PROTOCOL.md §16) so a relay
    // serves it unchanged; origin_key keeps each origin's public key (it
    // derives the origin id) so pages can carry it to receivers. Entries
    // stored before this have none (§16, migration note).
    up(db) {
      for (const def of RESOURCES) db.exec(`ALTER TABLE ${def.entriesTable} ADD COLUMN sig BLOB`);
      db.exec(
        "CREATE TABLE origin_key (origin BLOB PRIMARY KEY NOT NULL, public_key BLOB NOT NULL) WITHOUT ROWID",
      );
    },
  },
  {
    version: 8,
    name: "signed stream heads of other origins",
    // The highest head statement each other origin signed that this replica
    // verified (PROTOCOL.md §16 SG-9): it bounds what a relay can make us
    // adopt of that origin's stream (§3.5 CU-8) and is relayed unchanged.
    up(db) {
      db.exec("ALTER TABLE stream ADD COLUMN signed_head INTEGER");
      db.exec("ALTER TABLE stream ADD COLUMN signed_head_sig BLOB");
    },
  },
  {
    version: 9,
    name: "stream gap-free point of an unfinished pull",
    // How far an unfinished pull received every seq after the cursor: a
    // pull cut there may end at it with no source left (PROTOCOL.md CU-5).
    up(db) {
      db.exec("ALTER TABLE stream ADD COLUMN gapless_through INTEGER");
    },
  },
  {
    version: 10,
    name: "stream seq an unfinished pull replaced at or below the cursor",
    // A relay mid-pull whose pages replaced a version at or below its
    // cursor no longer holds the stream as of the cursor: it must not
    // promise it to a caller after a lower seq (PROTOCOL.md BF-18).
    up(db) {
      db.exec("ALTER TABLE stream ADD COLUMN pull_replaced INTEGER");
    },
  },
  {
    version: 11,
    name: "stream source of an unfinished pull's resume point",
    // A resume point holds only with the source that served the pages
    // through it (and the cursor it then advertised): another source may
    // hold older versions of rows that source had replaced (PROTOCOL.md BF-19).
    up(db) {
      db.exec("ALTER TABLE stream ADD COLUMN resume_source TEXT");
      db.exec("ALTER TABLE stream ADD COLUMN resume_source_cursor INTEGER");
    },
  },
];

/** Highest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS.reduce((m, x) => Math.max(m, x.version), 0);

/** Applies every pending migration; returns the resulting version. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL)",
  );
  const row = db.prepare("SELECT MAX(version) AS v FROM schema_version").get() as {
    v: number | null;
  };
  const current = row.v ?? 0;
  const known = migrations.reduce((m, x) => Math.max(m, x.version), 0);
  if (current > known) {
    throw new EngineError(EngineErrorCode.Corrupt, "database schema is newer than this code", {
      databaseVersion: current,
      codeVersion: known,
    });
  }
  const record = db.prepare("INSERT INTO schema_version (version, name) VALUES (?, ?)");
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      m.up(db);
      record.run(m.version, m.name);
    })();
  }
  return Math.max(current, known);
}

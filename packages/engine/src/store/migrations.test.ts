import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, migrate, SCHEMA_VERSION } from "./migrations.js";

const DELETE_BY_DESCENDANT = "DELETE FROM entry_closure WHERE descendant = ?";

function plan(db: Database.Database, sql: string): string {
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(1) as { detail: string }[];
  return rows.map((r) => r.detail).join(" | ");
}

describe("migrations", () => {
  it("the closure is a view whose recursion follows the parent_id index, not a scan", () => {
    const db = new Database(":memory:");
    try {
      expect(migrate(db)).toBe(SCHEMA_VERSION);
      const kind = db.prepare("SELECT type FROM sqlite_master WHERE name = 'entry_closure'");
      expect(kind.pluck().get()).toBe("view");
      const detail = plan(db, "SELECT descendant FROM entry_closure WHERE ancestor = ?");
      expect(detail).toMatch(/INDEX entry_parent_id/);
    } finally {
      db.close();
    }
  });

  it("upgrades a version-1 database in place: adds the index and records version 2", () => {
    const db = new Database(":memory:");
    try {
      const v1 = MIGRATIONS.filter((m) => m.version === 1);
      expect(migrate(db, v1)).toBe(1);
      // Before the step the delete scans the whole closure table.
      expect(plan(db, DELETE_BY_DESCENDANT)).toMatch(/SCAN entry_closure/);
      db.prepare("INSERT INTO entry_closure (ancestor, descendant, depth) VALUES (1, 2, 1)").run();
      const upToV2 = MIGRATIONS.filter((m) => m.version <= 2);
      expect(migrate(db, upToV2)).toBe(2);
      expect(plan(db, DELETE_BY_DESCENDANT)).toMatch(/INDEX entry_closure_descendant/);
      const versions = db.prepare("SELECT version FROM schema_version ORDER BY version").pluck();
      expect(versions.all()).toEqual([1, 2]);
      expect(db.prepare("SELECT COUNT(*) FROM entry_closure").pluck().get()).toBe(1);
      // Idempotent: opening again applies nothing.
      expect(migrate(db, upToV2)).toBe(2);
      expect(versions.all()).toEqual([1, 2]);
    } finally {
      db.close();
    }
  });

  it("upgrades a version-2 database: streams gain an absent resume point", () => {
    const db = new Database(":memory:");
    try {
      expect(
        migrate(
          db,
          MIGRATIONS.filter((m) => m.version <= 2),
        ),
      ).toBe(2);
      db.prepare(
        "INSERT INTO stream (origin, resource, cursor, live_count, fingerprint, horizon, max_applied, pulling, head) VALUES (x'01', 4, 5, 0, zeroblob(16), NULL, 8, 1, NULL)",
      ).run();
      expect(migrate(db)).toBe(SCHEMA_VERSION);
      // Absent: an unfinished pull resumes at its cursor, re-fetching what
      // it applied (idempotent) rather than trusting max_applied.
      expect(db.prepare("SELECT resume_after FROM stream").pluck().get()).toBeNull();
    } finally {
      db.close();
    }
  });

  it("a shared tombstone's shadow check finds other origins' entries by row id, not a scan", () => {
    const db = new Database(":memory:");
    try {
      migrate(db);
      const detail = plan(db, "SELECT 1 FROM tag_change o WHERE o.id = ? AND o.deleted = 0");
      expect(detail).toMatch(/INDEX tag_change_id/);
    } finally {
      db.close();
    }
  });
});

// The host's SQL, in one place: reads of the replica's visible rows (entry,
// location, tag, tag_assignment, device: tables and columns derived from
// the engine's resource registry and the proto field names) and the
// host-only table of file identities. The replica owns every synced table;
// the host only reads them, and writes its own table.
import { resourceDef } from "@tidemark/engine";
import { EntryKind, Resource } from "@tidemark/protocol";
import type { Database, Statement } from "better-sqlite3";
import { toHex } from "../ids.js";
import type { DiskKind } from "../indexer/listing.js";

function tableOf(resource: Resource): string {
  const def = resourceDef(resource);
  if (def === undefined) throw new Error(`no resource ${resource}`);
  return def.table;
}

export const ENTRY = tableOf(Resource.ENTRY);
export const LOCATION = tableOf(Resource.LOCATION);
export const DEVICE = tableOf(Resource.DEVICE);
export const TAG = tableOf(Resource.TAG);
export const TAG_ASSIGNMENT = tableOf(Resource.TAG_ASSIGNMENT);

/** Host-only: dev:ino of each indexed entry, for rename and move detection. Never synced. */
const IDENTITY = "host_file_identity";

const KIND_OF: ReadonlyMap<number, DiskKind> = new Map([
  [EntryKind.FILE, "file"],
  [EntryKind.DIRECTORY, "directory"],
  [EntryKind.SYMLINK, "symlink"],
]);

export const ENTRY_KIND: Readonly<Record<DiskKind, EntryKind>> = {
  file: EntryKind.FILE,
  directory: EntryKind.DIRECTORY,
  symlink: EntryKind.SYMLINK,
};

export function diskKind(kind: number): DiskKind {
  return KIND_OF.get(kind) ?? "file";
}

/** An entry row as the host reads it. */
export type EntryRow = {
  readonly id: Uint8Array;
  readonly origin: Uint8Array;
  readonly locationId: Uint8Array;
  readonly parentId: Uint8Array | null;
  readonly name: string;
  readonly kind: DiskKind;
  readonly size: bigint;
  readonly mtimeMs: bigint;
};

type RawEntry = [
  Uint8Array,
  Uint8Array,
  Uint8Array,
  Uint8Array | null,
  string,
  number,
  bigint,
  bigint,
];

const ENTRY_COLS = "id, origin, location_id, parent_id, name, kind, size, modified_at_ms";

function entryOf(r: RawEntry): EntryRow {
  return {
    id: r[0],
    origin: r[1],
    locationId: r[2],
    parentId: r[3],
    name: r[4],
    kind: diskKind(Number(r[5])),
    size: BigInt(r[6]),
    mtimeMs: BigInt(r[7]),
  };
}

export type LocationRow = {
  readonly id: Uint8Array;
  readonly origin: Uint8Array;
  readonly path: string;
  readonly name: string;
};

export type TagRow = {
  readonly id: Uint8Array;
  readonly name: string;
  readonly color: string;
  /** Live assignments, and those of them whose entry is live here. */
  readonly assignments: number;
  readonly onLiveEntries: number;
};

/**
 * Prepared reads over one replica's database (the handle the replica
 * owns; better-sqlite3 is synchronous, so reads never interleave with a
 * commit). Creates the host's identity table on first use.
 */
export class LibraryTables {
  private readonly s: Record<string, Statement>;

  constructor(private readonly db: Database) {
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${IDENTITY} (entry_id BLOB PRIMARY KEY NOT NULL, location_id BLOB NOT NULL, identity TEXT NOT NULL) WITHOUT ROWID`,
    );
    db.exec(`CREATE INDEX IF NOT EXISTS ${IDENTITY}_location ON ${IDENTITY}(location_id)`);
    const live = `FROM ${ENTRY} WHERE deleted = 0`;
    this.s = {
      locationEntries: db.prepare(
        `SELECT ${ENTRY_COLS} ${live} AND location_id = ? AND origin = ?`,
      ),
      entry: db.prepare(`SELECT ${ENTRY_COLS} ${live} AND id = ?`),
      children: db.prepare(`SELECT ${ENTRY_COLS} ${live} AND parent_id = ? ORDER BY name`),
      root: db.prepare(`SELECT ${ENTRY_COLS} ${live} AND location_id = ? AND parent_id IS NULL`),
      child: db.prepare(`SELECT ${ENTRY_COLS} ${live} AND parent_id = ? AND name = ?`),
      findName: db.prepare(
        `SELECT ${ENTRY_COLS} ${live} AND name LIKE ? ESCAPE '\\' ORDER BY name, id`,
      ),
      locations: db.prepare(`SELECT id, origin, path, name FROM ${LOCATION} WHERE deleted = 0`),
      locationCount: db.prepare(
        `SELECT location_id, COUNT(*) FROM ${ENTRY} WHERE deleted = 0 GROUP BY location_id`,
      ),
      identities: db.prepare(`SELECT entry_id, identity FROM ${IDENTITY} WHERE location_id = ?`),
      putIdentity: db.prepare(
        `INSERT INTO ${IDENTITY} (entry_id, location_id, identity) VALUES (?, ?, ?) ON CONFLICT(entry_id) DO UPDATE SET identity = excluded.identity`,
      ),
      dropIdentity: db.prepare(`DELETE FROM ${IDENTITY} WHERE entry_id = ?`),
      dropLocationIdentities: db.prepare(`DELETE FROM ${IDENTITY} WHERE location_id = ?`),
      tags: db.prepare(
        `SELECT t.id, t.name, t.color,
           (SELECT COUNT(*) FROM ${TAG_ASSIGNMENT} a WHERE a.tag_id = t.id AND a.deleted = 0),
           (SELECT COUNT(*) FROM ${TAG_ASSIGNMENT} a JOIN ${ENTRY} e ON e.id = a.entry_id
              WHERE a.tag_id = t.id AND a.deleted = 0 AND e.deleted = 0)
         FROM ${TAG} t WHERE t.deleted = 0 ORDER BY t.name`,
      ),
      assignment: db.prepare(`SELECT deleted FROM ${TAG_ASSIGNMENT} WHERE id = ?`).pluck(),
      tagOf: db.prepare(`SELECT deleted FROM ${TAG} WHERE id = ?`).pluck(),
      entryTags: db.prepare(
        `SELECT t.name FROM ${TAG_ASSIGNMENT} a JOIN ${TAG} t ON t.id = a.tag_id
         WHERE a.entry_id = ? AND a.deleted = 0 AND t.deleted = 0 ORDER BY t.name`,
      ),
      deviceName: db.prepare(`SELECT name FROM ${DEVICE} WHERE id = ?`).pluck(),
    };
    for (const key of ["locationEntries", "entry", "children", "root", "child", "findName"]) {
      this.s[key]?.raw(true).safeIntegers(true);
    }
    this.s.locations?.raw(true);
    this.s.locationCount?.raw(true);
    this.s.identities?.raw(true);
    this.s.tags?.raw(true);
  }

  private stmt(key: string): Statement {
    const s = this.s[key];
    if (s === undefined) throw new Error(`no statement ${key}`);
    return s;
  }

  /** Live entries of one location written by `origin` (the location's own device). */
  locationEntries(locationId: Uint8Array, origin: Uint8Array): EntryRow[] {
    return (this.stmt("locationEntries").all(locationId, origin) as RawEntry[]).map(entryOf);
  }

  entry(id: Uint8Array): EntryRow | undefined {
    const r = this.stmt("entry").get(id) as RawEntry | undefined;
    return r === undefined ? undefined : entryOf(r);
  }

  children(parentId: Uint8Array): EntryRow[] {
    return (this.stmt("children").all(parentId) as RawEntry[]).map(entryOf);
  }

  child(parentId: Uint8Array, name: string): EntryRow | undefined {
    const r = this.stmt("child").get(parentId, name) as RawEntry | undefined;
    return r === undefined ? undefined : entryOf(r);
  }

  locationRoot(locationId: Uint8Array): EntryRow | undefined {
    const r = this.stmt("root").get(locationId) as RawEntry | undefined;
    return r === undefined ? undefined : entryOf(r);
  }

  /** Entries whose name matches a SQL LIKE pattern (case-insensitive for ASCII). */
  entriesNamedLike(pattern: string): IterableIterator<EntryRow> {
    const it = this.stmt("findName").iterate(pattern) as IterableIterator<RawEntry>;
    return (function* () {
      for (const r of it) yield entryOf(r);
    })();
  }

  locations(): LocationRow[] {
    return (this.stmt("locations").all() as [Uint8Array, Uint8Array, string, string][]).map(
      ([id, origin, path, name]) => ({ id, origin, path, name }),
    );
  }

  /** Live entries per location id (hex). */
  entryCounts(): Map<string, number> {
    const rows = this.stmt("locationCount").all() as [Uint8Array, number][];
    return new Map(rows.map(([id, n]) => [toHex(id), Number(n)]));
  }

  identities(locationId: Uint8Array): Map<string, string> {
    const rows = this.stmt("identities").all(locationId) as [Uint8Array, string][];
    return new Map(rows.map(([id, identity]) => [toHex(id), identity]));
  }

  /** Records identities (or drops them, `undefined`) in one transaction. */
  writeIdentities(
    locationId: Uint8Array,
    changes: readonly (readonly [Uint8Array, string | undefined])[],
  ): void {
    if (changes.length === 0) return;
    const put = this.stmt("putIdentity");
    const drop = this.stmt("dropIdentity");
    this.db.transaction(() => {
      for (const [id, identity] of changes) {
        if (identity === undefined) drop.run(id);
        else put.run(id, locationId, identity);
      }
    })();
  }

  dropLocationIdentities(locationId: Uint8Array): void {
    this.stmt("dropLocationIdentities").run(locationId);
  }

  tags(): TagRow[] {
    const rows = this.stmt("tags").all() as [Uint8Array, string, string, number, number][];
    return rows.map(([id, name, color, assignments, onLiveEntries]) => ({
      id,
      name,
      color,
      assignments: Number(assignments),
      onLiveEntries: Number(onLiveEntries),
    }));
  }

  /** True when the tag row exists and is live. */
  tagLive(tagId: Uint8Array): boolean {
    return this.stmt("tagOf").get(tagId) === 0;
  }

  /** True when the assignment row exists and is live. */
  assignmentLive(assignmentId: Uint8Array): boolean {
    return this.stmt("assignment").get(assignmentId) === 0;
  }

  tagsOfEntry(entryId: Uint8Array): string[] {
    return this.stmt("entryTags").pluck().all(entryId) as string[];
  }

  deviceName(deviceId: Uint8Array): string | undefined {
    return this.stmt("deviceName").get(deviceId) as string | undefined;
  }
}

// What a person asks of the library: the locations of every device, the
// children of an entry, entries by name, tags with counts, and which entry
// a path or an id names. Read-only, over the replica's visible rows.
import { realpathSync } from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";
import type { LocationConfig } from "../config/data-dir.js";
import { CliError, CliErrorCode } from "../errors.js";
import { fromHex, toHex } from "../ids.js";
import type { DiskKind } from "../indexer/listing.js";
import type { EntryRow, LibraryTables } from "./tables.js";

export type EntryView = {
  readonly id: string;
  readonly device: string;
  readonly deviceName: string;
  readonly kind: DiskKind;
  readonly size: string;
  /** ISO time; "" when unknown. */
  readonly modifiedAt: string;
  readonly name: string;
  /** Absolute path on its own device. */
  readonly path: string;
  readonly tags: readonly string[];
};

export type LocationView = {
  readonly id: string;
  readonly device: string;
  readonly deviceName: string;
  readonly own: boolean;
  readonly path: string;
  readonly entries: number;
  /** The location's root entry (its directory), once indexed. */
  readonly root: string | null;
};

export type LsResult =
  | { readonly kind: "locations"; readonly locations: readonly LocationView[] }
  | { readonly kind: "entry"; readonly entry: EntryView; readonly children: readonly EntryView[] };

export type FindResult = { readonly matches: readonly EntryView[]; readonly total: number };

export type TagView = {
  readonly id: string;
  readonly name: string;
  readonly color: string;
  readonly entries: number;
  /** Assignments whose entry is not (or not yet) in this replica. */
  readonly elsewhere: number;
};

const ID_TEXT = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/** True when `ref` is spelled as an entry id (32 hex digits, dashes allowed). */
export function looksLikeId(ref: string): boolean {
  return ID_TEXT.test(ref);
}

/** A name pattern as SQL LIKE: `*` and `?` are globs; without them, a substring. */
export function likePattern(pattern: string): string {
  const escaped = pattern.replace(/[\\%_]/g, (c) => `\\${c}`);
  const globbed = escaped.replaceAll("*", "%").replaceAll("?", "_");
  return /[*?]/.test(pattern) ? globbed : `%${globbed}%`;
}

export class LibraryView {
  private readonly pathCache = new Map<string, string>();

  constructor(
    private readonly tables: LibraryTables,
    private readonly deviceId: string,
    private readonly ownLocations: () => readonly LocationConfig[],
  ) {}

  private deviceName(origin: Uint8Array): string {
    return this.tables.deviceName(origin) ?? toHex(origin).slice(-8);
  }

  /** Absolute path of an entry on its device: its location's path plus names. */
  pathOf(e: EntryRow): string {
    const names: string[] = [];
    let at: EntryRow | undefined = e;
    const locations = new Map(this.tables.locations().map((l) => [toHex(l.id), l.path]));
    for (let guard = 0; at !== undefined && guard < 100_000; guard++) {
      const hex = toHex(at.id);
      const cached = this.pathCache.get(hex);
      if (cached !== undefined) return join(cached, ...names.reverse());
      if (at.parentId === null) {
        const base = locations.get(toHex(at.locationId)) ?? `?/${at.name}`;
        this.pathCache.set(hex, base);
        return join(base, ...names.reverse());
      }
      names.push(at.name);
      at = this.tables.entry(at.parentId);
    }
    return join("?", ...names.reverse());
  }

  view(e: EntryRow): EntryView {
    return {
      id: toHex(e.id),
      device: toHex(e.origin),
      deviceName: this.deviceName(e.origin),
      kind: e.kind,
      size: e.size.toString(),
      modifiedAt: e.mtimeMs > 0n ? new Date(Number(e.mtimeMs)).toISOString() : "",
      name: e.name,
      path: this.pathOf(e),
      tags: this.tables.tagsOfEntry(e.id),
    };
  }

  locations(): LocationView[] {
    const counts = this.tables.entryCounts();
    return this.tables
      .locations()
      .map((l) => {
        const root = this.tables.locationRoot(l.id);
        const device = toHex(l.origin);
        return {
          id: toHex(l.id),
          device,
          deviceName: this.deviceName(l.origin),
          own: device === this.deviceId,
          path: l.path,
          entries: counts.get(toHex(l.id)) ?? 0,
          root: root === undefined ? null : toHex(root.id),
        };
      })
      .sort(
        (a, b) =>
          Number(b.own) - Number(a.own) ||
          a.deviceName.localeCompare(b.deviceName) ||
          a.path.localeCompare(b.path),
      );
  }

  /** The live entry `ref` names: an id, or an absolute path under one of this device's locations. */
  resolve(ref: string): EntryRow {
    if (looksLikeId(ref)) {
      const e = this.tables.entry(fromHex(ref, "entry id"));
      if (e !== undefined) return e;
      throw new CliError(
        CliErrorCode.UnknownEntry,
        `no entry ${ref} in this library`,
        "find ids with `tidemark ls` or `tidemark find`",
      );
    }
    return this.resolvePath(ref);
  }

  private resolvePath(abs: string): EntryRow {
    // The path as indexed: symlinks resolved where it still exists; a deleted
    // file is found through its (resolved) parent.
    const spellings = new Set([abs]);
    try {
      spellings.add(realpathSync(abs));
    } catch {
      try {
        spellings.add(join(realpathSync(dirname(abs)), basename(abs)));
      } catch {
        // Neither exists: only the literal spelling can match.
      }
    }
    for (const path of spellings) {
      for (const loc of this.ownLocations()) {
        if (path !== loc.path && !path.startsWith(loc.path + sep)) continue;
        const found = this.walk(loc, path === loc.path ? [] : relative(loc.path, path).split(sep));
        if (found !== undefined) return found;
        throw new CliError(
          CliErrorCode.UnknownEntry,
          `${abs} is not in the library (yet): location ${loc.path} has no entry for it`,
          `rescan with \`tidemark index ${loc.path}\` (or keep it watched: \`tidemark watch ${loc.path}\`)`,
        );
      }
    }
    throw new CliError(
      CliErrorCode.UnknownEntry,
      `${abs} is not in the library: no location of this device contains it`,
      "index its directory with `tidemark index DIR`; `tidemark location list` shows what is indexed",
    );
  }

  private walk(loc: LocationConfig, names: readonly string[]): EntryRow | undefined {
    let at = this.tables.locationRoot(fromHex(loc.id));
    for (const name of names) {
      if (at === undefined) return undefined;
      at = this.tables.child(at.id, name);
    }
    return at;
  }

  /** Without a ref: every device's locations. With one: that entry and its children. */
  ls(ref: string | undefined): LsResult {
    if (ref === undefined) return { kind: "locations", locations: this.locations() };
    const e = this.resolve(ref);
    const children =
      e.kind === "directory" ? this.tables.children(e.id).map((c) => this.view(c)) : [];
    return { kind: "entry", entry: this.view(e), children };
  }

  find(pattern: string, limit: number): FindResult {
    const matches: EntryView[] = [];
    let total = 0;
    for (const e of this.tables.entriesNamedLike(likePattern(pattern))) {
      total++;
      if (matches.length < limit) matches.push(this.view(e));
    }
    return { matches, total };
  }

  tags(): TagView[] {
    return this.tables.tags().map((t) => ({
      id: toHex(t.id),
      name: t.name,
      color: t.color,
      entries: t.onLiveEntries,
      elsewhere: t.assignments - t.onLiveEntries,
    }));
  }
}

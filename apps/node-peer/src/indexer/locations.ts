// This device's locations: which directory is which location (by real
// path, so a symlink to an indexed directory is that location, not a
// copy), their scanners and watchers, and adding and removing them.
import { existsSync, realpathSync, statfsSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { basename, relative, resolve, sep } from "node:path";
import { create } from "@bufbuild/protobuf";
import type { LocalWrite, Replica } from "@tidemark/engine";
import { LocationSchema, Resource, TombstoneSchema, VolumeSchema } from "@tidemark/protocol";
import type { DeviceConfig, LocationConfig } from "../config/data-dir.js";
import { CliError, CliErrorCode } from "../errors.js";
import { fromHex, toHex, uuidv7 } from "../ids.js";
import type { LibraryTables } from "../library/tables.js";
import { errnoReason, type Skip } from "./listing.js";
import type { RescanScope } from "./rescan-plan.js";
import { type IndexProgress, LocationScanner, type ScanResult } from "./scanner.js";
import type { LocationWatcher } from "./watcher.js";

export type IndexResult = ScanResult & {
  /** A new location, or a rescan of a known one (whole, or one directory of it). */
  readonly kind: "new" | "rescan" | "rescan-subtree";
  /** The path as given, when it differs from the location's real path. */
  readonly via: string | undefined;
};

export type LocationInfo = LocationConfig & {
  readonly entries: number;
  readonly watching: boolean;
  readonly exists: boolean;
};

export type LocationsDeps = {
  readonly replica: Replica;
  readonly tables: LibraryTables;
  readonly deviceId: string;
  /** The data dir: never indexed, never watched. */
  readonly dataDir: string;
  readonly config: () => DeviceConfig;
  readonly saveConfig: (next: DeviceConfig) => void;
  readonly onSkipped: (skips: readonly Skip[], result: ScanResult) => void;
  readonly onWatchBatch: (location: LocationConfig, result: ScanResult, events: number) => void;
  readonly onWatchError: (location: LocationConfig, err: unknown) => void;
};

function inside(child: string, parent: string): boolean {
  return child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

/** Creates the device's volume row for `path`; returns its id. */
function volumeWrite(path: string): { id: Uint8Array; write: LocalWrite } {
  const id = uuidv7();
  let capacity = 0n;
  let filesystem = "";
  try {
    const fs = statfsSync(path, { bigint: true });
    capacity = fs.blocks * fs.bsize;
    filesystem = `0x${fs.type.toString(16)}`;
  } catch {
    // statfs is best-effort metadata.
  }
  const volume = create(VolumeSchema, {
    name: `${hostname()} disk`,
    mountPoint: "/",
    capacityBytes: capacity,
    filesystem,
  });
  return {
    id,
    write: { resource: Resource.VOLUME, rowId: id, body: { case: "volume", value: volume } },
  };
}

/** The directory `given` names, symlinks resolved; a clear error when there is none. */
export function realDirectory(given: string): string {
  const abs = resolve(given);
  let real: string;
  try {
    real = realpathSync(abs);
  } catch (err) {
    throw new CliError(CliErrorCode.InvalidArgument, `${abs}: ${errnoReason(err, "cannot open")}`);
  }
  if (!statSync(real).isDirectory()) {
    throw new CliError(CliErrorCode.InvalidArgument, `${abs} is not a directory`);
  }
  return real;
}

export class Locations {
  private readonly scanners = new Map<string, LocationScanner>();
  private readonly watchers = new Map<string, LocationWatcher>();
  /** `serve --watch`: every location, including those indexed from now on. */
  private watchAll = false;

  constructor(private readonly deps: LocationsDeps) {}

  /** Follows every location of this device, now and as new ones are indexed. */
  async watchEverything(): Promise<void> {
    this.watchAll = true;
    for (const loc of this.all()) await this.watch(loc, false);
  }

  private get origin(): Uint8Array {
    return fromHex(this.deps.deviceId);
  }

  all(): readonly LocationConfig[] {
    return this.deps.config().locations;
  }

  /** A location by id, id prefix or path (any spelling of it). */
  find(ref: string): LocationConfig {
    const all = this.all();
    const byId = all.filter(
      (l) => l.id === ref.toLowerCase() || l.id.startsWith(ref.toLowerCase()),
    );
    if (byId.length === 1 && byId[0] !== undefined) return byId[0];
    const abs = resolve(ref);
    let real = abs;
    try {
      real = realpathSync(abs);
    } catch {
      // A location whose directory is gone can still be named by its path.
    }
    const byPath = all.find((l) => l.path === real || l.path === abs);
    if (byPath !== undefined) return byPath;
    throw new CliError(
      CliErrorCode.InvalidArgument,
      byId.length > 1
        ? `"${ref}" matches several locations`
        : `no location "${ref}" on this device`,
      "list them with `tidemark location list`",
    );
  }

  scanner(loc: LocationConfig): LocationScanner {
    let s = this.scanners.get(loc.id);
    if (s === undefined) {
      s = new LocationScanner({
        replica: this.deps.replica,
        tables: this.deps.tables,
        origin: this.origin,
        locationId: fromHex(loc.id),
        locationHex: loc.id,
        root: loc.path,
        exclude: new Set([this.deps.dataDir]),
        onSkipped: this.deps.onSkipped,
      });
      this.scanners.set(loc.id, s);
    }
    return s;
  }

  /**
   * `tidemark index PATH`: a new location, or an incremental rescan of the
   * location PATH is (or is inside).
   */
  async index(given: string, onProgress?: (p: IndexProgress) => void): Promise<IndexResult> {
    const real = realDirectory(given);
    const via = resolve(given) === real ? undefined : resolve(given);
    if (real === this.deps.dataDir || inside(real, this.deps.dataDir)) {
      throw new CliError(CliErrorCode.InvalidArgument, `${real} is inside Tidemark's data dir`);
    }
    for (const loc of this.all()) {
      if (loc.path === real) {
        const r = await this.scanner(loc).rescan({ kind: "full" }, onProgress);
        return { ...r, kind: "rescan", via };
      }
      if (inside(real, loc.path)) return this.rescanSubtree(loc, real, via, onProgress);
      if (inside(loc.path, real)) {
        throw new CliError(
          CliErrorCode.InvalidArgument,
          `${real} contains location ${loc.path}, which is already indexed`,
          `index that location's parent only after \`tidemark location remove ${loc.path}\``,
        );
      }
    }
    const loc = this.create(real);
    const r = await this.scanner(loc).rescan({ kind: "full" }, onProgress);
    if (this.watchAll) await this.watch(loc, false);
    return { ...r, kind: "new", via };
  }

  private async rescanSubtree(
    loc: LocationConfig,
    real: string,
    via: string | undefined,
    onProgress?: (p: IndexProgress) => void,
  ): Promise<IndexResult> {
    const scanner = this.scanner(loc);
    const names = relative(loc.path, real).split(sep);
    const known = scanner.nearestDirectory(names);
    const ids = new Set(known === undefined ? [] : [known.hex]);
    // A known directory is listed whole; an unknown one is found (whole, as
    // new) by listing its nearest known ancestor.
    const scope: RescanScope =
      known?.exact === true
        ? { kind: "dirs", shallow: new Set(), deep: ids }
        : { kind: "dirs", shallow: ids, deep: new Set() };
    const r = await scanner.rescan(scope, onProgress);
    return { ...r, kind: "rescan-subtree", via };
  }

  /** Commits the volume (first time) and location rows; records the location. */
  private create(real: string): LocationConfig {
    const config = this.deps.config();
    const head: LocalWrite[] = [];
    let volumeId: Uint8Array;
    if (config.volumeId === undefined) {
      const v = volumeWrite(real);
      volumeId = v.id;
      head.push(v.write);
    } else volumeId = fromHex(config.volumeId, "volume id");
    const id = uuidv7();
    const value = create(LocationSchema, { volumeId, path: real, name: basename(real) });
    head.push({ resource: Resource.LOCATION, rowId: id, body: { case: "location", value } });
    this.deps.replica.commit(head);
    const loc: LocationConfig = { id: toHex(id), path: real, addedAt: new Date().toISOString() };
    this.deps.saveConfig({
      ...config,
      volumeId: toHex(volumeId),
      locations: [...config.locations, loc],
    });
    return loc;
  }

  /** Tombstones every entry and the location row; forgets the location. */
  async remove(ref: string, onProgress?: (p: IndexProgress) => void): Promise<LocationInfo> {
    const loc = this.find(ref);
    const info = this.info(loc);
    await this.unwatch(loc);
    await this.scanner(loc).removeAll(onProgress);
    this.deps.replica.commit([
      {
        resource: Resource.LOCATION,
        rowId: fromHex(loc.id),
        body: { case: "tombstone", value: create(TombstoneSchema, {}) },
      },
    ]);
    this.deps.replica.announceDataAvailable();
    this.scanners.delete(loc.id);
    const config = this.deps.config();
    this.deps.saveConfig({ ...config, locations: config.locations.filter((l) => l.id !== loc.id) });
    return info;
  }

  info(loc: LocationConfig): LocationInfo {
    return {
      ...loc,
      entries: this.scanner(loc).entryCount,
      watching: this.watchers.has(loc.id),
      exists: existsSync(loc.path),
    };
  }

  list(): LocationInfo[] {
    return this.all().map((l) => this.info(l));
  }

  /** Starts following a location live (idempotent); `persist` marks it for every later serve. */
  async watch(loc: LocationConfig, persist: boolean): Promise<void> {
    if (persist && loc.watch !== true) {
      const config = this.deps.config();
      this.deps.saveConfig({
        ...config,
        locations: config.locations.map((l) => (l.id === loc.id ? { ...l, watch: true } : l)),
      });
    }
    if (this.watchers.has(loc.id)) return;
    // Loaded on first use: the native watcher costs start-up time nothing else needs.
    const { LocationWatcher } = await import("./watcher.js");
    if (this.watchers.has(loc.id)) return;
    const w = new LocationWatcher({
      root: loc.path,
      scanner: this.scanner(loc),
      ignore: [this.deps.dataDir],
      onBatch: (r, events) => this.deps.onWatchBatch(loc, r, events),
      onError: (err) => this.deps.onWatchError(loc, err),
    });
    this.watchers.set(loc.id, w);
    try {
      await w.start();
    } catch (err) {
      this.watchers.delete(loc.id);
      throw new CliError(
        CliErrorCode.Internal,
        `cannot watch ${loc.path}: ${String(err)}`,
        undefined,
        {
          cause: err,
        },
      );
    }
  }

  async unwatch(loc: LocationConfig): Promise<void> {
    const w = this.watchers.get(loc.id);
    this.watchers.delete(loc.id);
    await w?.stop();
  }

  isWatching(loc: LocationConfig): boolean {
    return this.watchers.has(loc.id);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.watchers.values()].map((w) => w.stop()));
    this.watchers.clear();
  }
}

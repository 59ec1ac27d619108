// Keeps one location of this device in step with its directory: plans a
// rescan (rescan-plan.ts) and commits it through the replica in batches
// (one SQLite transaction each, pushed live to peers), then updates the
// in-memory model and the host's file identities. Rescans of a location
// run one at a time, whoever asks (`index`, the watcher).
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { create } from "@bufbuild/protobuf";
import type { LocalWrite, Replica } from "@tidemark/engine";
import { EntrySchema, Resource, TombstoneSchema } from "@tidemark/protocol";
import { fromHex } from "../ids.js";
import { ENTRY_KIND, type LibraryTables } from "../library/tables.js";
import { INDEX_BATCH_ROWS } from "../limits.js";
import type { Skip } from "./listing.js";
import { LocationModel, type ModelEntry } from "./location-model.js";
import { planRescan, type RescanPlan, type RescanScope } from "./rescan-plan.js";

export type IndexPhase = "scan" | "commit" | "done";

export type IndexProgress = {
  readonly phase: IndexPhase;
  /** Disk nodes listed so far. */
  readonly found: number;
  /** Rows written so far, of `total` (commit, done). */
  readonly done: number;
  readonly total: number;
  readonly skipped: number;
  readonly elapsedMs: number;
};

export type ScanCounts = {
  readonly created: number;
  readonly updated: number;
  readonly moved: number;
  readonly deleted: number;
  readonly unchanged: number;
};

export type ScanResult = ScanCounts & {
  readonly locationId: string;
  readonly path: string;
  /** Live entries of the location afterwards. */
  readonly entries: number;
  readonly skippedCount: number;
  /** The first skipped nodes (all of them are in the log). */
  readonly skipped: readonly Skip[];
  readonly elapsedMs: number;
  /** Of elapsedMs: listing the disk and planning (the rest is committing). */
  readonly scanMs: number;
};

/** How many skipped nodes a result carries; the log gets every one. */
export const SKIPPED_IN_RESULT = 50;

export type ScannerDeps = {
  readonly replica: Replica;
  readonly tables: LibraryTables;
  readonly origin: Uint8Array;
  readonly locationId: Uint8Array;
  readonly locationHex: string;
  readonly root: string;
  readonly exclude: ReadonlySet<string>;
  /** Skipped nodes not reported before by this scanner (to be logged one event each). */
  readonly onSkipped: (skips: readonly Skip[], result: ScanResult) => void;
  readonly batchRows?: number;
  readonly now?: () => number;
};

function entryWrite(e: ModelEntry, locationId: Uint8Array): LocalWrite {
  return {
    resource: Resource.ENTRY,
    rowId: e.id,
    body: {
      case: "entry",
      value: create(EntrySchema, {
        locationId,
        ...(e.parent === null ? {} : { parentId: fromHex(e.parent) }),
        name: e.name,
        kind: ENTRY_KIND[e.kind],
        size: e.size,
        modifiedAtMs: e.mtimeMs,
      }),
    },
  };
}

const tombstone = (rowId: Uint8Array): LocalWrite => ({
  resource: Resource.ENTRY,
  rowId,
  body: { case: "tombstone", value: create(TombstoneSchema, {}) },
});

export class LocationScanner {
  private model: LocationModel | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  /** Skips already logged: a watcher's rescans name each one once, not per batch. */
  private readonly logged = new Set<string>();

  constructor(private readonly deps: ScannerDeps) {}

  private loaded(): LocationModel {
    this.model ??= LocationModel.load(this.deps.tables, this.deps.locationId, this.deps.origin);
    return this.model;
  }

  /** Runs `job` after every earlier job of this location (a per-location mutex). */
  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.tail.then(job, job);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Live entries as committed, for `location list`. */
  get entryCount(): number {
    return this.loaded().size;
  }

  /** Known directory (hex) nearest to a path below the root, for a scoped rescan. */
  nearestDirectory(names: readonly string[]): { hex: string; exact: boolean } | undefined {
    const found = this.loaded().nearestDirectory(names);
    return found === undefined ? undefined : { hex: found.entry.hex, exact: found.exact };
  }

  rescan(scope: RescanScope, onProgress?: (p: IndexProgress) => void): Promise<ScanResult> {
    return this.serial(() => this.run(scope, onProgress));
  }

  /** Tombstones every entry of the location, children first. */
  removeAll(onProgress?: (p: IndexProgress) => void): Promise<number> {
    return this.serial(async () => {
      const model = this.loaded();
      const hexes = model.allChildrenFirst();
      const started = (this.deps.now ?? Date.now)();
      const plan: RescanPlan = {
        writes: [],
        deletes: hexes,
        identities: [],
        skipped: [],
        seen: 0,
        matched: 0,
      };
      await this.commit(plan, started, onProgress);
      this.deps.tables.dropLocationIdentities(this.deps.locationId);
      return hexes.length;
    });
  }

  private async run(
    scope: RescanScope,
    onProgress: ((p: IndexProgress) => void) | undefined,
  ): Promise<ScanResult> {
    const now = this.deps.now ?? Date.now;
    const started = now();
    const model = this.loaded();
    onProgress?.({ phase: "scan", found: 0, done: 0, total: 0, skipped: 0, elapsedMs: 0 });
    const plan = planRescan({
      model,
      root: this.deps.root,
      scope,
      exclude: this.deps.exclude,
      onScan: (found, skipped) =>
        onProgress?.({
          phase: "scan",
          found,
          done: 0,
          total: 0,
          skipped,
          elapsedMs: now() - started,
        }),
    });
    const scanMs = now() - started;
    await this.commit(plan, started, onProgress);
    const count = (op: string) => plan.writes.filter((w) => w.op === op).length;
    const [updated, moved] = [count("update"), count("move")];
    const result: ScanResult = {
      locationId: this.deps.locationHex,
      path: this.deps.root,
      entries: model.size,
      created: count("create"),
      updated,
      moved,
      deleted: plan.deletes.length,
      unchanged: plan.matched - updated - moved,
      skippedCount: plan.skipped.length,
      skipped: plan.skipped.slice(0, SKIPPED_IN_RESULT),
      elapsedMs: now() - started,
      scanMs,
    };
    const fresh = plan.skipped.filter((k) => !this.logged.has(`${k.path}\0${k.reason}`));
    for (const k of fresh) this.logged.add(`${k.path}\0${k.reason}`);
    if (fresh.length > 0) this.deps.onSkipped(fresh, result);
    return result;
  }

  /** Writes then deletes, in batches; the model and identities follow each batch. */
  private async commit(
    plan: RescanPlan,
    started: number,
    onProgress: ((p: IndexProgress) => void) | undefined,
  ): Promise<void> {
    const { replica, tables, locationId } = this.deps;
    const model = this.loaded();
    const now = this.deps.now ?? Date.now;
    const batchRows = this.deps.batchRows ?? INDEX_BATCH_ROWS;
    const total = plan.writes.length + plan.deletes.length;
    const progress = (phase: IndexPhase, done: number) =>
      onProgress?.({
        phase,
        found: plan.seen,
        done,
        total,
        skipped: plan.skipped.length,
        elapsedMs: now() - started,
      });
    progress("commit", 0);
    let done = 0;
    for (let at = 0; at < plan.writes.length; at += batchRows) {
      const batch = plan.writes.slice(at, at + batchRows);
      replica.commit(batch.map((w) => entryWrite(w.entry, locationId)));
      for (const w of batch) model.put(w.entry);
      tables.writeIdentities(
        locationId,
        batch.map((w) => [w.entry.id, w.entry.identity] as const),
      );
      done += batch.length;
      progress("commit", done);
      await yieldToLoop();
    }
    for (let at = 0; at < plan.deletes.length; at += batchRows) {
      const batch = plan.deletes.slice(at, at + batchRows);
      const ids = batch.map((hex) => model.get(hex)?.id ?? fromHex(hex));
      replica.commit(ids.map(tombstone));
      for (const hex of batch) model.remove(hex);
      tables.writeIdentities(
        locationId,
        ids.map((id) => [id, undefined] as const),
      );
      done += batch.length;
      progress("commit", done);
      await yieldToLoop();
    }
    tables.writeIdentities(
      locationId,
      plan.identities.map((e) => [e.id, e.identity] as const),
    );
    for (const e of plan.identities) model.put(e);
    if (total > 0) replica.announceDataAvailable();
    progress("done", done);
  }
}

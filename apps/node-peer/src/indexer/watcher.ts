// Follows one location live: @parcel/watcher (inotify, FSEvents, …; the
// watcher VS Code uses) reports changed paths; a burst is collected until
// it settles (or for at most `maxDelayMs`) and becomes ONE scoped rescan
// of the directories that changed. A rescan lists directories and
// compares, so a missed or coalesced event costs nothing as long as one
// event names the directory; on a watcher error the whole location is
// rescanned.
import { relative, sep } from "node:path";
import watcher, { type AsyncSubscription, type Event } from "@parcel/watcher";
import type { RescanScope } from "./rescan-plan.js";
import type { IndexProgress, LocationScanner, ScanResult } from "./scanner.js";

export type WatchOptions = {
  readonly root: string;
  readonly scanner: LocationScanner;
  /** Paths never watched (our own data dir). */
  readonly ignore: readonly string[];
  readonly onBatch: (result: ScanResult, events: number) => void;
  readonly onError: (err: unknown) => void;
  /** Quiet time that ends a burst. */
  readonly settleMs?: number;
  /** A burst that never settles is still flushed this often. */
  readonly maxDelayMs?: number;
  readonly onProgress?: (p: IndexProgress) => void;
};

export class LocationWatcher {
  private sub: AsyncSubscription | undefined;
  /** Parent directories (names from the root) of changed paths. */
  private dirty = new Map<string, string[]>();
  private full = false;
  private events = 0;
  private settle: NodeJS.Timeout | undefined;
  private firstAt: number | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: WatchOptions) {}

  async start(): Promise<void> {
    this.sub = await watcher.subscribe(
      this.opts.root,
      (err, events) => {
        if (err !== null) {
          this.opts.onError(err);
          this.full = true;
          this.schedule();
          return;
        }
        this.note(events);
      },
      { ignore: [...this.opts.ignore] },
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.settle !== undefined) clearTimeout(this.settle);
    await this.sub?.unsubscribe();
    this.sub = undefined;
    await this.flushing;
  }

  private note(events: readonly Event[]): void {
    for (const e of events) {
      const rel = relative(this.opts.root, e.path);
      if (rel.startsWith("..")) continue;
      const names = rel === "" ? [] : rel.split(sep);
      const parent = names.slice(0, -1);
      this.dirty.set(parent.join("/"), parent);
    }
    this.events += events.length;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = Date.now();
    this.firstAt ??= now;
    const settleMs = this.opts.settleMs ?? 100;
    const wait = Math.max(
      0,
      Math.min(settleMs, this.firstAt + (this.opts.maxDelayMs ?? 1_000) - now),
    );
    if (this.settle !== undefined) clearTimeout(this.settle);
    this.settle = setTimeout(() => {
      this.settle = undefined;
      this.flushing = this.flushing.then(() => this.flush());
    }, wait);
  }

  private async flush(): Promise<void> {
    if (this.stopped) return;
    const { scanner } = this.opts;
    const [dirty, full, events] = [this.dirty, this.full, this.events];
    this.dirty = new Map();
    this.full = false;
    this.events = 0;
    this.firstAt = undefined;
    const shallow = new Set<string>();
    for (const names of dirty.values()) {
      const dir = scanner.nearestDirectory(names);
      if (dir !== undefined) shallow.add(dir.hex);
    }
    const scope: RescanScope = full ? { kind: "full" } : { kind: "dirs", shallow, deep: new Set() };
    try {
      const result = await scanner.rescan(scope, this.opts.onProgress);
      this.opts.onBatch(result, events);
    } catch (err) {
      this.opts.onError(err);
    }
  }
}

// One location's entries as this device last committed them, in memory:
// the "before" side of a rescan. Loaded from the replica's entry table (the
// truth) plus the host's identities (hints: a missing one only costs a
// rename being seen as delete + create), and kept current as each batch
// commits, so a watcher rescans without reloading.
import { toHex } from "../ids.js";
import type { LibraryTables } from "../library/tables.js";
import type { DiskKind } from "./listing.js";

export type ModelEntry = {
  readonly id: Uint8Array;
  readonly hex: string;
  /** Parent entry (hex); null for the location's root. */
  readonly parent: string | null;
  readonly name: string;
  readonly kind: DiskKind;
  readonly size: bigint;
  readonly mtimeMs: bigint;
  readonly identity: string | undefined;
};

const NONE: ReadonlyMap<string, string> = new Map();

export class LocationModel {
  private readonly entries = new Map<string, ModelEntry>();
  /** parent hex -> child name -> child hex. */
  private readonly kids = new Map<string, Map<string, string>>();
  private readonly byIdentity = new Map<string, string>();
  private rootHex: string | undefined;

  static load(tables: LibraryTables, locationId: Uint8Array, origin: Uint8Array): LocationModel {
    const model = new LocationModel();
    const identities = tables.identities(locationId);
    for (const r of tables.locationEntries(locationId, origin)) {
      const hex = toHex(r.id);
      model.put({
        id: r.id,
        hex,
        parent: r.parentId === null ? null : toHex(r.parentId),
        name: r.name,
        kind: r.kind,
        size: r.size,
        mtimeMs: r.mtimeMs,
        identity: identities.get(hex),
      });
    }
    return model;
  }

  get size(): number {
    return this.entries.size;
  }

  get root(): ModelEntry | undefined {
    return this.rootHex === undefined ? undefined : this.entries.get(this.rootHex);
  }

  get(hex: string): ModelEntry | undefined {
    return this.entries.get(hex);
  }

  childrenOf(hex: string): ReadonlyMap<string, string> {
    return this.kids.get(hex) ?? NONE;
  }

  byFileIdentity(identity: string): ModelEntry | undefined {
    const hex = this.byIdentity.get(identity);
    return hex === undefined ? undefined : this.entries.get(hex);
  }

  /** Inserts or replaces an entry (a move re-links it under its new parent). */
  put(e: ModelEntry): void {
    const prior = this.entries.get(e.hex);
    if (prior !== undefined) this.unlink(prior);
    this.entries.set(e.hex, e);
    if (e.parent === null) this.rootHex = e.hex;
    else {
      let m = this.kids.get(e.parent);
      if (m === undefined) {
        m = new Map();
        this.kids.set(e.parent, m);
      }
      m.set(e.name, e.hex);
    }
    if (e.identity !== undefined) this.byIdentity.set(e.identity, e.hex);
  }

  remove(hex: string): void {
    const e = this.entries.get(hex);
    if (e === undefined) return;
    this.unlink(e);
    this.entries.delete(hex);
  }

  /** Names from the root (excluded) down to `hex`; iterative, so deep chains are fine. */
  namesTo(hex: string): string[] {
    const names: string[] = [];
    let e = this.entries.get(hex);
    for (
      let guard = 0;
      e !== undefined && e.parent !== null && guard <= this.entries.size;
      guard++
    ) {
      names.push(e.name);
      e = this.entries.get(e.parent);
    }
    return names.reverse();
  }

  /**
   * The deepest known directory on the way to `names` (relative to the
   * root): where a rescan of that path has to start listing. `exact` when
   * it is the directory `names` itself.
   */
  nearestDirectory(names: readonly string[]): { entry: ModelEntry; exact: boolean } | undefined {
    const root = this.root;
    if (root === undefined) return undefined;
    let at: ModelEntry = root;
    let depth = 0;
    for (const name of names) {
      const next: string | undefined = this.childrenOf(at.hex).get(name);
      const e: ModelEntry | undefined = next === undefined ? undefined : this.entries.get(next);
      if (e === undefined || e.kind !== "directory") break;
      at = e;
      depth++;
    }
    return { entry: at, exact: depth === names.length };
  }

  /**
   * `hex` and its descendants, children before parents, skipping (with
   * their subtrees) entries for which `keep` is true. Iterative.
   */
  subtreeChildrenFirst(hex: string, keep: (hex: string) => boolean): string[] {
    const out: string[] = [];
    const stack: [string, boolean][] = [[hex, false]];
    while (stack.length > 0) {
      const top = stack.pop() as [string, boolean];
      const [h, expanded] = top;
      if (expanded) {
        out.push(h);
        continue;
      }
      if (keep(h)) continue;
      stack.push([h, true]);
      for (const child of this.childrenOf(h).values()) stack.push([child, false]);
    }
    return out;
  }

  /** Every entry, children before parents (for removing a whole location). */
  allChildrenFirst(): string[] {
    const root = this.rootHex;
    const reached = root === undefined ? [] : this.subtreeChildrenFirst(root, () => false);
    // Entries not under the root (a half-committed earlier run) go too.
    const seen = new Set(reached);
    const rest = [...this.entries.keys()].filter((h) => !seen.has(h));
    return [...rest, ...reached];
  }

  private unlink(e: ModelEntry): void {
    if (e.parent !== null) {
      const m = this.kids.get(e.parent);
      if (m?.get(e.name) === e.hex) m.delete(e.name);
      if (m?.size === 0) this.kids.delete(e.parent);
    } else if (this.rootHex === e.hex) this.rootHex = undefined;
    if (e.identity !== undefined && this.byIdentity.get(e.identity) === e.hex) {
      this.byIdentity.delete(e.identity);
    }
  }
}

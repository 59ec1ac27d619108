// What a rescan must write: the disk (listed now) against the location's
// model (what was committed). Matching, in order:
//   1. same parent and name, same kind -> the same entry (updated if its
//      size or mtime changed; unchanged entries write nothing);
//   2. else the same file identity (dev:ino; for files also the same size
//      and mtime, so a recycled inode is not taken for a rename), whose old
//      path no longer holds it -> a move (new parent and/or name);
//   3. else a new entry.
// Old entries left unmatched under a listed directory are deleted with
// their subtrees (children first), except parts that moved elsewhere.
// Planned writes come parents-first in breadth-first order of the new
// tree, so a move never lands under a row that still sits below it.
// Every step is O(1) per node: no path strings are compared, so deep
// chains cost what wide trees cost.
import { basename, join } from "node:path";
import { toHex, uuidv7 } from "../ids.js";
import { type DiskNode, type Listing, listDirectory, type Skip, statNode } from "./listing.js";
import type { LocationModel, ModelEntry } from "./location-model.js";

export type PlannedWrite = {
  readonly op: "create" | "update" | "move";
  readonly entry: ModelEntry;
};

export type RescanPlan = {
  readonly writes: readonly PlannedWrite[];
  /** Entries to tombstone, children before parents. */
  readonly deletes: readonly string[];
  /** Unchanged entries whose identity the host had not recorded (or that changed). */
  readonly identities: readonly ModelEntry[];
  readonly skipped: readonly Skip[];
  /** Nodes seen on disk (the root included). */
  readonly seen: number;
  /** Old entries found again (by name or identity). */
  readonly matched: number;
};

/**
 * Which directories are listed again: all of them, or only `shallow` ones
 * (their children) and `deep` ones (their whole subtree). New directories
 * are always listed whole: nothing of them is known yet.
 */
export type RescanScope =
  | { readonly kind: "full" }
  | {
      readonly kind: "dirs";
      readonly shallow: ReadonlySet<string>;
      readonly deep: ReadonlySet<string>;
    };

export type PlanInput = {
  readonly model: LocationModel;
  /** Absolute path of the location's root directory. */
  readonly root: string;
  readonly scope: RescanScope;
  /** Absolute paths never indexed (our own data dir). */
  readonly exclude?: ReadonlySet<string>;
  /** Called every few thousand nodes while listing. */
  readonly onScan?: (seen: number, skipped: number) => void;
  readonly list?: (dir: string, display: string, exclude: ReadonlySet<string>) => Listing;
};

type Dir = {
  readonly abs: string;
  readonly display: string;
  readonly hex: string;
  /** New, or under a deep-scoped directory: list it and everything below. */
  readonly whole: boolean;
  readonly isNew: boolean;
};

function sameAttributes(e: ModelEntry, n: DiskNode): boolean {
  return e.kind === n.kind && e.size === n.size && e.mtimeMs === n.mtimeMs;
}

function entryFor(node: DiskNode, hex: string, id: Uint8Array, parent: string | null): ModelEntry {
  return {
    id,
    hex,
    parent,
    name: node.name,
    kind: node.kind,
    size: node.size,
    mtimeMs: node.mtimeMs,
    identity: node.identity,
  };
}

function newEntry(node: DiskNode, parent: string | null): ModelEntry {
  const id = uuidv7();
  return entryFor(node, toHex(id), id, parent);
}

class Planner {
  readonly writes: PlannedWrite[] = [];
  readonly identities: ModelEntry[] = [];
  readonly skipped: Skip[] = [];
  readonly matched = new Set<string>();
  readonly listed: string[] = [];
  seen = 0;

  constructor(private readonly input: PlanInput) {}

  /** Pairs a disk node with an old entry (or none) and plans its write. */
  place(node: DiskNode, old: ModelEntry | undefined, parent: string | null): ModelEntry {
    if (old === undefined) {
      const e = newEntry(node, parent);
      this.writes.push({ op: "create", entry: e });
      return e;
    }
    this.matched.add(old.hex);
    const e = entryFor(node, old.hex, old.id, parent);
    if (old.parent !== parent || old.name !== node.name) this.writes.push({ op: "move", entry: e });
    else if (!sameAttributes(old, node)) this.writes.push({ op: "update", entry: e });
    else if (old.identity !== node.identity) this.identities.push(e);
    return e;
  }

  /** Rule 2: the same file elsewhere in the old tree, whose old path no longer holds it. */
  movedHere(node: DiskNode): ModelEntry | undefined {
    const { model, root } = this.input;
    const old = model.byFileIdentity(node.identity);
    if (old === undefined || this.matched.has(old.hex) || old.kind !== node.kind) return undefined;
    if (node.kind === "file" && (old.size !== node.size || old.mtimeMs !== node.mtimeMs))
      return undefined;
    if (old.parent === null) return undefined; // the root never moves within its location
    // A hard link still in place at the old path is another name, not a move.
    try {
      const there = statNode(join(root, ...model.namesTo(old.hex)), old.name);
      if (typeof there !== "string" && there.identity === node.identity) return undefined;
    } catch {
      // Gone from the old path: a move.
    }
    return old;
  }

  listChildren(dir: Dir, queue: Dir[]): void {
    const { model, exclude, onScan } = this.input;
    const list = this.input.list ?? listDirectory;
    const listing = list(dir.abs, dir.display, exclude ?? new Set());
    if (!listing.ok) {
      // Unreadable: keep what we knew of its contents rather than delete it.
      this.skipped.push(listing.skip);
      return;
    }
    this.skipped.push(...listing.skipped);
    if (!dir.isNew) this.listed.push(dir.hex);
    const oldKids = dir.isNew ? undefined : model.childrenOf(dir.hex);
    for (const node of listing.children) {
      this.seen++;
      if (onScan !== undefined && this.seen % 5_000 === 0) onScan(this.seen, this.skipped.length);
      const byName = oldKids?.get(node.name);
      let old = byName === undefined ? undefined : model.get(byName);
      if (old !== undefined && (old.kind !== node.kind || this.matched.has(old.hex)))
        old = undefined;
      old ??= this.movedHere(node);
      const e = this.place(node, old, dir.hex);
      // Children of a listed directory are listed too when new (nothing of
      // them is known) or when the whole subtree is in scope.
      if (node.kind === "directory" && (old === undefined || dir.whole)) {
        const display = dir.display === "" ? node.name : `${dir.display}/${node.name}`;
        const isNew = old === undefined;
        queue.push({
          abs: join(dir.abs, node.name),
          display,
          hex: e.hex,
          isNew,
          whole: isNew || dir.whole,
        });
      }
    }
  }

  deletes(): string[] {
    const { model } = this.input;
    const out: string[] = [];
    const keep = (hex: string) => this.matched.has(hex);
    for (const dir of this.listed) {
      for (const child of model.childrenOf(dir).values()) {
        if (!keep(child)) out.push(...model.subtreeChildrenFirst(child, keep));
      }
    }
    return out;
  }
}

/**
 * Where listing starts: the root (full), or the scoped directories,
 * shallowest first, without those a deep-scoped ancestor already covers.
 */
function startingDirs(input: PlanInput, rootHex: string, rootIsNew: boolean): Dir[] {
  const { model, root, scope } = input;
  if (scope.kind === "full" || rootIsNew) {
    return [{ abs: root, display: "", hex: rootHex, isNew: rootIsNew, whole: true }];
  }
  const covered = (hex: string) => {
    for (let e = model.get(hex); e?.parent != null; e = model.get(e.parent)) {
      if (scope.deep.has(e.parent)) return true;
    }
    return false;
  };
  return [...new Set([...scope.shallow, ...scope.deep])]
    .filter((hex) => model.get(hex)?.kind === "directory" && !covered(hex))
    .map((hex) => ({ hex, names: model.namesTo(hex) }))
    .sort((a, b) => a.names.length - b.names.length)
    .map(({ hex, names }) => ({
      abs: join(root, ...names),
      display: names.join("/"),
      hex,
      isNew: false,
      whole: scope.deep.has(hex),
    }));
}

/** Lists the disk under `root` (as far as the scope says) and plans the writes. */
export function planRescan(input: PlanInput): RescanPlan {
  const { model, root } = input;
  const rootNode = statNode(root, basename(root));
  if (typeof rootNode === "string" || rootNode.kind !== "directory") {
    throw new Error(`${root} is not a directory`);
  }
  const p = new Planner(input);
  p.seen = 1;
  const rootEntry = p.place(rootNode, model.root, null);
  const queue = startingDirs(input, rootEntry.hex, model.root === undefined);
  const listed = new Set<string>();
  for (let i = 0; i < queue.length; i++) {
    const dir = queue[i] as Dir;
    queue[i] = undefined as unknown as Dir; // let listed paths go: O(width) memory, not O(tree)
    if (listed.has(dir.hex)) continue;
    listed.add(dir.hex);
    // A scoped directory whose parent is not listed: its own size/mtime
    // are compared here (its parent's listing would have done it).
    const old = model.get(dir.hex);
    if (!p.matched.has(dir.hex) && old !== undefined) {
      let node: DiskNode | string;
      try {
        node = statNode(dir.abs, old.name);
      } catch {
        continue; // gone: its parent's listing (dirty too) deletes it
      }
      if (typeof node === "string" || node.kind !== "directory") continue;
      p.place(node, old, old.parent);
    }
    p.listChildren(dir, queue);
  }
  return {
    writes: p.writes,
    deletes: p.deletes(),
    identities: p.identities,
    skipped: p.skipped,
    seen: p.seen,
    matched: p.matched.size,
  };
}

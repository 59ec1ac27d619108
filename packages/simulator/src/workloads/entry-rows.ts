// Reads of the device's entries for the edit workloads, through its probe:
// random picks (in id order, so a seed picks the same row everywhere) and
// subtree walks over the parent links the rows carry.
import { EntryKind, Resource } from "@tidemark/protocol";
import type { Prng } from "../prng.js";
import type { ReplicaProbe } from "../probe/probe.js";
import type { IdHex, RowVersion } from "../probe/types.js";

const DIRECTORY = String(EntryKind.DIRECTORY);

/** The live entries a device sees, with a parent -> children index. */
export class EntryTree {
  readonly byId = new Map<IdHex, RowVersion>();
  private readonly children = new Map<IdHex, IdHex[]>();

  constructor(readonly rows: readonly RowVersion[]) {
    for (const r of rows) {
      this.byId.set(r.id, r);
      const p = r.fields.parentId;
      if (p === undefined) continue;
      const list = this.children.get(p);
      if (list === undefined) this.children.set(p, [r.id]);
      else list.push(r.id);
    }
  }

  static async read(probe: ReplicaProbe): Promise<EntryTree> {
    return new EntryTree(await probe.rows(Resource.ENTRY));
  }

  /** A random live non-root entry of `origin` (optionally directories only). */
  randomOwn(origin: IdHex, rng: Prng, dirsOnly = false): RowVersion | undefined {
    const pool = this.rows.filter(
      (r) =>
        r.origin === origin &&
        r.fields.parentId !== undefined &&
        (!dirsOnly || r.fields.kind === DIRECTORY),
    );
    return pool.length === 0 ? undefined : pool[rng.int(pool.length)];
  }

  /** A random live directory of `origin` in one location. */
  randomDirIn(origin: IdHex, locationId: string | undefined, rng: Prng): RowVersion | undefined {
    const pool = this.rows.filter(
      (r) =>
        r.origin === origin && r.fields.kind === DIRECTORY && r.fields.locationId === locationId,
    );
    return pool.length === 0 ? undefined : pool[rng.int(pool.length)];
  }

  /** A random live entry of any origin (targets of tag assignments). */
  randomAny(rng: Prng): RowVersion | undefined {
    return this.rows.length === 0 ? undefined : this.rows[rng.int(this.rows.length)];
  }

  /** True when `maybeDescendant` is `ancestor` or below it (walking parent links). */
  isInSubtree(ancestor: IdHex, maybeDescendant: IdHex): boolean {
    let cur: IdHex | undefined = maybeDescendant;
    for (let k = 0; cur !== undefined && k <= this.rows.length; k++) {
      if (cur === ancestor) return true;
      cur = this.byId.get(cur)?.fields.parentId;
    }
    return false;
  }

  /** Depth of an entry below its location's root (root = 0). */
  depthOf(id: IdHex): number {
    let d = 0;
    let cur = this.byId.get(id)?.fields.parentId;
    while (cur !== undefined && d <= this.rows.length) {
      d++;
      cur = this.byId.get(cur)?.fields.parentId;
    }
    return d;
  }

  /** The live subtree of `root` (root included), deepest first, then by id. */
  subtreeDeepestFirst(root: IdHex): IdHex[] {
    const out: [IdHex, number][] = [];
    const stack: [IdHex, number][] = [[root, 0]];
    while (stack.length > 0) {
      const [id, depth] = stack.pop() as [IdHex, number];
      out.push([id, depth]);
      for (const c of this.children.get(id) ?? []) stack.push([c, depth + 1]);
    }
    out.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return out.map(([id]) => id);
  }
}

/** A random row id of one resource's live rows, if any. */
export async function randomLiveId(
  probe: ReplicaProbe,
  resource: Resource,
  rng: Prng,
): Promise<IdHex | undefined> {
  const rows = await probe.rows(resource);
  return rows.length === 0 ? undefined : rows[rng.int(rows.length)]?.id;
}

// entry_closure(ancestor, descendant, depth) over LIVE visible rows: a row
// reaches an ancestor through parent links whose every hop is live. A
// tombstone detaches its subtree; a revived row re-attaches its children.
// Columns hold the rows' local integer keys (`lid`), never synced.
//
// One B-tree only, keyed (ancestor, descendant): "subtree of X" is a key
// prefix. "Ancestors of X" are read by walking live parent links (a few
// primary-key lookups), cached per transaction, so bulk inserts of files
// under the same directories cost one multi-row INSERT each.
import type { Database, Statement } from "better-sqlite3";
import { EngineError, EngineErrorCode } from "../errors.js";
import type { ResourceDef } from "./registry.js";

/** A row's local integer key in its tree table. */
export type Lid = number;
/** (ancestor, distance) pairs, the row itself first at distance 0. */
type Ancestors = readonly (readonly [Lid, number])[];

const MAX_DEPTH = 100_000;
const ROWS_PER_INSERT = 100;
const CACHE_MAX = 50_000;

export class Closure {
  private readonly inserts = new Map<number, Statement>();
  private readonly byLid: Statement;
  private readonly byId: Statement;
  private readonly detachFrom: Statement;
  private readonly removeSubtreeRoot: Statement;
  private readonly attachUnder: Statement;
  private readonly inSubtree: Statement;
  private readonly liveChildren: Statement;
  /**
   * Ancestors of live rows. Inserting a row never changes another row's
   * ancestors, so entries stay valid across transactions until a move,
   * delete or revive (cleared then) or a rollback (reset). Bounded.
   */
  private readonly cache = new Map<Lid, Ancestors>();
  /**
   * New rows' links as flat (ancestor, descendant, depth) triples, written
   * sorted in multi-row INSERTs at flush(): sorted keys touch each B-tree
   * page once instead of once per row. Flushed before any closure read.
   */
  private pending: Lid[] = [];

  constructor(
    private readonly db: Database,
    private readonly def: ResourceDef & { tree: NonNullable<ResourceDef["tree"]> },
  ) {
    const { table } = def;
    const c = def.tree.closureTable;
    const pf = def.tree.parentField;
    this.byLid = db
      .prepare(`SELECT deleted, ${pf} FROM ${table} WHERE lid = ?`)
      .raw(true)
      .safeIntegers(true);
    this.byId = db
      .prepare(`SELECT lid, deleted, ${pf} FROM ${table} WHERE id = ?`)
      .raw(true)
      .safeIntegers(true);
    this.detachFrom = db.prepare(
      `DELETE FROM ${c} WHERE ancestor = @a AND descendant IN (SELECT descendant FROM ${c} WHERE ancestor = @x)`,
    );
    this.removeSubtreeRoot = db.prepare(`DELETE FROM ${c} WHERE ancestor = ?`);
    this.attachUnder = db.prepare(
      `INSERT INTO ${c} (ancestor, descendant, depth) SELECT @a, descendant, depth + @d FROM ${c} WHERE ancestor = @x`,
    );
    this.inSubtree = db.prepare(`SELECT 1 FROM ${c} WHERE ancestor = ? AND descendant = ?`).pluck();
    this.liveChildren = db
      .prepare(`SELECT lid FROM ${table} WHERE ${pf} = ? AND deleted = 0`)
      .pluck()
      .safeIntegers(true);
  }

  /** Forget cached ancestors and unwritten links (after a rollback). */
  reset(): void {
    this.cache.clear();
    this.pending = [];
  }

  /** Writes pending links; call before anything reads the closure table. */
  flush(): void {
    const p = this.pending;
    if (p.length === 0) return;
    this.pending = [];
    const order = Array.from({ length: p.length / 3 }, (_, i) => i * 3);
    order.sort(
      (x, y) => (p[x] as number) - (p[y] as number) || (p[x + 1] as number) - (p[y + 1] as number),
    );
    for (let i = 0; i < order.length; i += ROWS_PER_INSERT) {
      const chunk = order.slice(i, i + ROWS_PER_INSERT);
      const args: Lid[] = new Array(chunk.length * 3);
      for (let j = 0; j < chunk.length; j++) {
        const at = chunk[j] as number;
        args[j * 3] = p[at] as number;
        args[j * 3 + 1] = p[at + 1] as number;
        args[j * 3 + 2] = p[at + 2] as number;
      }
      this.insertStatement(chunk.length).run(...args);
    }
  }

  /**
   * A row that was not live becomes live under `parent` (its lid, or null
   * for a root). `id` finds children that waited under it as a tombstone.
   */
  becameLive(lid: Lid, id: Uint8Array, parent: Lid | null, revived: boolean): void {
    const above = parent === null ? [] : this.ancestors(parent);
    const mine: [Lid, number][] = [[lid, 0]];
    for (const [a, d] of above) mine.push([a, d + 1]);
    for (const [a, d] of mine) this.pending.push(a, lid, d);
    this.remember(lid, mine);
    // Live children exist only if the row existed before (as a tombstone):
    // children of a never-seen row wait in the dependency buffer instead.
    if (revived) {
      this.flush();
      const children = this.liveChildren.all(id) as bigint[];
      if (children.length > 0) this.cache.clear();
      for (const child of children) this.attach(Number(child), mine);
    }
  }

  /**
   * A live row moved: `oldParent`/`newParent` are lids (null: root). Its
   * subtree leaves the old ancestors and joins the new ones.
   */
  moved(lid: Lid, oldParent: Lid | null, newParent: Lid | null): void {
    this.flush();
    if (newParent !== null && this.inSubtree.get(lid, newParent) !== undefined) {
      throw new EngineError(EngineErrorCode.Invalid, "move would make a row its own ancestor", {});
    }
    const before = oldParent === null ? [] : this.ancestors(oldParent);
    const after = newParent === null ? [] : this.ancestors(newParent);
    this.cache.clear();
    for (const [a] of before) this.detachFrom.run({ a, x: lid });
    this.attach(lid, after);
  }

  /** A live row was deleted: its subtree detaches and keeps its inner links. */
  deleted(lid: Lid, parent: Lid | null): void {
    this.flush();
    const before = parent === null ? [] : this.ancestors(parent);
    this.cache.clear();
    for (const [a] of before) this.detachFrom.run({ a, x: lid });
    this.removeSubtreeRoot.run(lid);
  }

  // Links every (ancestor, distance) in `above` to every row of x's subtree.
  private attach(x: Lid, above: Ancestors): void {
    for (const [a, d] of above) this.attachUnder.run({ a, d: d + 1, x });
  }

  /** Ancestors of a row by live parent links, itself first; [] if not live. */
  private ancestors(lid: Lid): Ancestors {
    const hit = this.cache.get(lid);
    if (hit) return hit;
    const out: [Lid, number][] = [];
    const start = this.byLid.get(lid) as [bigint, Uint8Array | null] | undefined;
    if (start?.[0] !== 0n) return out;
    out.push([lid, 0]);
    let parentId = start[1];
    const seen = new Set<number>([lid]);
    for (let d = 1; parentId !== null; d++) {
      const p = this.byId.get(parentId) as [bigint, bigint, Uint8Array | null] | undefined;
      if (p?.[1] !== 0n) break;
      const plid = Number(p[0]);
      if (seen.has(plid) || d > MAX_DEPTH) {
        throw new EngineError(EngineErrorCode.Invalid, "parent links form a cycle", {
          table: this.def.table,
        });
      }
      seen.add(plid);
      out.push([plid, d]);
      parentId = p[2];
    }
    this.remember(lid, out);
    return out;
  }

  private remember(lid: Lid, ancestors: Ancestors): void {
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(lid, ancestors);
  }

  private insertStatement(n: number): Statement {
    let s = this.inserts.get(n);
    if (!s) {
      const values = Array.from({ length: n }, () => "(?, ?, ?)").join(", ");
      s = this.db.prepare(
        `INSERT INTO ${this.def.tree.closureTable} (ancestor, descendant, depth) VALUES ${values}`,
      );
      this.inserts.set(n, s);
    }
    return s;
  }
}

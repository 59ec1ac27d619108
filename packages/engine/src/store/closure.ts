// entry_closure(ancestor, descendant, depth) over LIVE visible rows: a row
// reaches an ancestor through parent links whose every hop is live. A
// tombstone detaches its subtree; a revived row re-attaches its children.
// Local derived state, never synced; maintained on every apply and commit.
import type { Database, Statement } from "better-sqlite3";
import { EngineError, EngineErrorCode } from "../errors.js";
import type { ResourceDef } from "./registry.js";

export class Closure {
  private readonly insertUnder: Statement;
  private readonly detach: Statement;
  private readonly removeRow: Statement;
  private readonly attachSubtree: Statement;
  private readonly isDescendant: Statement;
  private readonly liveChildren: Statement;

  constructor(db: Database, def: ResourceDef) {
    if (!def.tree) throw new Error(`${def.name} is not a tree resource`);
    const c = def.tree.closureTable;
    // Self link plus one link per ancestor of the parent.
    this.insertUnder = db.prepare(
      `INSERT INTO ${c} (ancestor, descendant, depth)
       SELECT ancestor, @id, depth + 1 FROM ${c} WHERE descendant = @parent
       UNION ALL SELECT @id, @id, 0`,
    );
    // Cut every link from outside X's subtree into it.
    this.detach = db.prepare(
      `DELETE FROM ${c} WHERE descendant IN (SELECT descendant FROM ${c} WHERE ancestor = @id)
         AND ancestor NOT IN (SELECT descendant FROM ${c} WHERE ancestor = @id)`,
    );
    this.removeRow = db.prepare(`DELETE FROM ${c} WHERE ancestor = @id OR descendant = @id`);
    // Link every ancestor of P (P included) to every descendant of X.
    this.attachSubtree = db.prepare(
      `INSERT INTO ${c} (ancestor, descendant, depth)
       SELECT a.ancestor, d.descendant, a.depth + d.depth + 1 FROM ${c} a, ${c} d
       WHERE a.descendant = @parent AND d.ancestor = @id`,
    );
    this.isDescendant = db
      .prepare(`SELECT 1 FROM ${c} WHERE ancestor = ? AND descendant = ?`)
      .pluck();
    this.liveChildren = db
      .prepare(`SELECT id FROM ${def.table} WHERE ${def.tree.parentField} = ? AND deleted = 0`)
      .pluck();
  }

  /** A row that was not live becomes live under `parent` (or as a root). */
  becameLive(id: Uint8Array, parent: Uint8Array | null, revived: boolean): void {
    this.insertUnder.run({ id, parent });
    // Live children can only exist if the row existed before (a tombstone):
    // children of a never-seen row wait in the dependency buffer instead.
    if (revived) {
      for (const child of this.liveChildren.all(id) as Uint8Array[]) {
        this.attachSubtree.run({ parent: id, id: child });
      }
    }
  }

  /** A live row moved from one parent to another: re-parent its subtree. */
  moved(id: Uint8Array, newParent: Uint8Array | null): void {
    if (newParent && this.isDescendant.get(id, newParent) !== undefined) {
      throw new EngineError(EngineErrorCode.Invalid, "move would make a row its own ancestor", {});
    }
    this.detach.run({ id });
    if (newParent) this.attachSubtree.run({ parent: newParent, id });
  }

  /** A live row was deleted: its subtree detaches and keeps its inner links. */
  deleted(id: Uint8Array): void {
    this.detach.run({ id });
    this.removeRow.run({ id });
  }
}

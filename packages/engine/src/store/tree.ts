// Entries form a tree through `parent_id` (indexed). Nothing about it is
// materialised: a closure table costs D(D+1)/2 rows for a chain of depth D
// and subtree × depth work per move (3.9 s for one move at depth 2,000),
// and nothing on the write path needs it. A write only has to keep the
// links a tree: a row never goes under itself or its own descendant.
// Subtrees and ancestors are read with recursive queries over the index
// (the `entry_closure` view, inspect.ts).
import type { Database, Statement } from "better-sqlite3";
import { EngineError, EngineErrorCode } from "../errors.js";
import { bytesEqual, idToHex } from "./ids.js";
import type { ResourceDef } from "./registry.js";

/** Deeper than any real directory tree; a walk past it means a cycle. */
const MAX_DEPTH = 100_000;

export class TreeLinks {
  private readonly parentOf: Statement;

  constructor(db: Database, def: ResourceDef & { tree: NonNullable<ResourceDef["tree"]> }) {
    this.parentOf = db
      .prepare(`SELECT ${def.tree.parentField} FROM ${def.table} WHERE id = ?`)
      .pluck();
  }

  /**
   * Throws Invalid when putting `row` under `parent` would make it its own
   * ancestor: walks up from `parent` (one index lookup per level).
   */
  assertNotUnder(row: Uint8Array, parent: Uint8Array): void {
    let cur: Uint8Array | null = parent;
    for (let depth = 0; cur !== null; depth++) {
      if (bytesEqual(cur, row)) {
        throw new EngineError(EngineErrorCode.Invalid, "move would make a row its own ancestor", {
          row: idToHex(row),
        });
      }
      if (depth > MAX_DEPTH) {
        throw new EngineError(EngineErrorCode.Invalid, "parent links form a cycle", {
          row: idToHex(row),
        });
      }
      cur = (this.parentOf.get(cur) as Uint8Array | null | undefined) ?? null;
    }
  }
}

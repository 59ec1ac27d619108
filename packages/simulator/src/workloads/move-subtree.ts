// Renames and moves of subtrees: a random entry of the device gets a new
// name, and half the time a new parent directory (never inside itself).
import { create } from "@bufbuild/protobuf";
import type { LocalWrite } from "@tidemark/engine";
import { EntrySchema, Resource } from "@tidemark/protocol";
import { commitWrites, type WorkContext } from "./context.js";
import { isInSubtree, randomDirIn, randomOwnEntry } from "./entry-rows.js";

export function moveSubtrees(ctx: WorkContext, params: { readonly count: number }): void {
  const db = ctx.node.db;
  if (!ctx.node.alive || db === undefined) return;
  const writes: LocalWrite[] = [];
  const touched = new Set<string>();
  for (let i = 0; i < params.count; i++) {
    const row = randomOwnEntry(db, ctx.node.deviceId, ctx.rng);
    if (row === undefined) break;
    const key = Buffer.from(row.id).toString("hex");
    if (touched.has(key)) continue; // one version per row per commit
    touched.add(key);
    let parentId = row.parentId;
    if (ctx.rng.chance(0.5)) {
      const dir = randomDirIn(db, ctx.node.deviceId, row.locationId, ctx.rng);
      if (dir !== undefined && !isInSubtree(db, row.id, dir.id)) parentId = dir.id;
    }
    writes.push({
      resource: Resource.ENTRY,
      rowId: row.id,
      body: {
        case: "entry",
        value: create(EntrySchema, {
          locationId: row.locationId,
          ...(parentId === undefined ? {} : { parentId }),
          name: `${row.name.split("~")[0]}~${ctx.rng.nextU32().toString(36)}`,
          kind: row.kind,
          size: row.size,
          modifiedAtMs: BigInt(ctx.node.clock.now()),
        }),
      },
    });
    // Apply one move at a time so the next pick sees the new tree.
    if (writes.length > 0 && parentId !== row.parentId) {
      commitWrites(ctx, "move", writes.splice(0));
    }
  }
  commitWrites(ctx, "rename", writes);
}

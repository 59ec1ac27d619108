// Renames and moves of subtrees: a random entry of the device gets a new
// name, and half the time a new parent directory (never inside itself).
import { Resource } from "@tidemark/protocol";
import type { WriteOp } from "../probe/types.js";
import { commitWrites, probeOf, type WorkContext } from "./context.js";
import { EntryTree } from "./entry-rows.js";

export async function moveSubtrees(
  ctx: WorkContext,
  params: { readonly count: number },
): Promise<void> {
  const writes: WriteOp[] = [];
  const touched = new Set<string>();
  let probe = probeOf(ctx);
  if (probe === undefined) return;
  let tree = await EntryTree.read(probe);
  for (let i = 0; i < params.count; i++) {
    const row = tree.randomOwn(ctx.node.deviceId, ctx.rng);
    if (row === undefined) break;
    if (touched.has(row.id)) continue; // one version per row per commit
    touched.add(row.id);
    let parentId = row.fields.parentId;
    if (ctx.rng.chance(0.5)) {
      const dir = tree.randomDirIn(ctx.node.deviceId, row.fields.locationId, ctx.rng);
      if (dir !== undefined && !tree.isInSubtree(row.id, dir.id)) parentId = dir.id;
    }
    const { parentId: _old, ...rest } = row.fields;
    writes.push({
      resource: Resource.ENTRY,
      id: row.id,
      fields: {
        ...rest,
        ...(parentId === undefined ? {} : { parentId }),
        name: `${(row.fields.name ?? "").split("~")[0]}~${ctx.rng.nextU32().toString(36)}`,
        modifiedAtMs: String(ctx.node.clock.now()),
      },
    });
    // Apply one move at a time so the next pick sees the new tree.
    if (parentId !== row.fields.parentId) {
      await commitWrites(ctx, "move", writes.splice(0));
      probe = probeOf(ctx);
      if (probe === undefined) return;
      tree = await EntryTree.read(probe);
    }
  }
  await commitWrites(ctx, "rename", writes);
}

// Deletes: a random entry and its whole live subtree become tombstones in
// one commit, deepest first (as a file manager deletes a folder).
import { Resource } from "@tidemark/protocol";
import { commitWrites, probeOf, type WorkContext } from "./context.js";
import { EntryTree } from "./entry-rows.js";

export async function deleteSubtrees(
  ctx: WorkContext,
  params: { readonly count: number },
): Promise<void> {
  for (let i = 0; i < params.count; i++) {
    const probe = probeOf(ctx);
    if (probe === undefined) return;
    const tree = await EntryTree.read(probe);
    const row = tree.randomOwn(ctx.node.deviceId, ctx.rng);
    if (row === undefined) return;
    await commitWrites(
      ctx,
      "delete",
      tree
        .subtreeDeepestFirst(row.id)
        .map((id) => ({ resource: Resource.ENTRY, id, deleted: true })),
    );
  }
}

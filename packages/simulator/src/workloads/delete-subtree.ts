// Deletes: a random entry and its whole live subtree become tombstones in
// one commit, deepest first (as a file manager deletes a folder).
import { create } from "@bufbuild/protobuf";
import { Resource, TombstoneSchema } from "@tidemark/protocol";
import { commitWrites, type WorkContext } from "./context.js";
import { randomOwnEntry, subtreeDeepestFirst } from "./entry-rows.js";

export function deleteSubtrees(ctx: WorkContext, params: { readonly count: number }): void {
  for (let i = 0; i < params.count; i++) {
    const db = ctx.node.db;
    if (!ctx.node.alive || db === undefined) return;
    const row = randomOwnEntry(db, ctx.node.deviceId, ctx.rng);
    if (row === undefined) return;
    const ids = subtreeDeepestFirst(db, row.id);
    commitWrites(
      ctx,
      "delete",
      ids.map((rowId) => ({
        resource: Resource.ENTRY,
        rowId,
        body: { case: "tombstone", value: create(TombstoneSchema) },
      })),
    );
  }
}

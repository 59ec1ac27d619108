// Writes naming a parent directory the device does not hold: an app acting
// on a stale or foreign view (an id from a listing of another device, or
// of a directory since forgotten). A new file under it, or one of the
// device's own entries moved under it, one commit each. The store must
// refuse each commit whole: a local write never leaves a dangling parent
// (its change would wait for good in every replica's dependency buffer).
// A commit it takes is recorded like any other, so the end-state checks
// (nothing left held, convergence) judge what it did.
import { EntryKind, Resource } from "@tidemark/protocol";
import type { WriteOp } from "../probe/types.js";
import { commitWrites, probeOf, type WorkContext } from "./context.js";
import { EntryTree } from "./entry-rows.js";
import { newRowId } from "./index-tree.js";

export async function staleParentWrites(
  ctx: WorkContext,
  params: { readonly count: number },
): Promise<void> {
  for (let i = 0; i < params.count; i++) {
    const probe = probeOf(ctx);
    if (probe === undefined) return;
    const own = (await EntryTree.read(probe)).randomOwn(ctx.node.deviceId, ctx.rng);
    if (own === undefined) return;
    // Never written anywhere: no replica holds it.
    const missing = newRowId(ctx);
    const write: WriteOp =
      i % 2 === 0
        ? {
            resource: Resource.ENTRY,
            id: newRowId(ctx),
            fields: {
              locationId: own.fields.locationId ?? missing,
              parentId: missing,
              name: `stale-${i}`,
              kind: String(EntryKind.FILE),
              size: "1",
              modifiedAtMs: String(ctx.node.clock.now()),
            },
          }
        : { resource: Resource.ENTRY, id: own.id, fields: { ...own.fields, parentId: missing } };
    await commitWrites(ctx, "stale-parent", [write], true);
  }
}

// Tag and collection edits on several devices at once: every device edits
// the same small pool of shared rows, so concurrent writes conflict and
// last-writer-wins by (hlc, origin) decides.
import { Resource } from "@tidemark/protocol";
import type { ReplicaProbe } from "../probe/probe.js";
import type { WriteOp } from "../probe/types.js";
import { commitWrites, probeOf, type WorkContext } from "./context.js";
import { EntryTree, randomLiveId } from "./entry-rows.js";
import { newRowId } from "./index-tree.js";

const COLORS = ["red", "green", "blue", "amber", "violet"];

/** One random tag edit: upsert, delete, assign or unassign. */
async function tagEdit(ctx: WorkContext, probe: ReplicaProbe): Promise<WriteOp | undefined> {
  const r = ctx.rng.next();
  const tag = ctx.rng.pick(ctx.sharedTags);
  if (r < 0.45) {
    return {
      resource: Resource.TAG,
      id: tag,
      fields: { name: `tag-${ctx.rng.int(100)}`, color: ctx.rng.pick(COLORS) },
    };
  }
  if (r < 0.6) return { resource: Resource.TAG, id: tag, deleted: true };
  if (r < 0.9) {
    const entry = (await EntryTree.read(probe)).randomAny(ctx.rng);
    if (entry === undefined) return undefined;
    return {
      resource: Resource.TAG_ASSIGNMENT,
      id: newRowId(ctx),
      fields: { tagId: tag, entryId: entry.id },
    };
  }
  const assignment = await randomLiveId(probe, Resource.TAG_ASSIGNMENT, ctx.rng);
  return assignment === undefined
    ? undefined
    : { resource: Resource.TAG_ASSIGNMENT, id: assignment, deleted: true };
}

async function collectionEdit(ctx: WorkContext, probe: ReplicaProbe): Promise<WriteOp | undefined> {
  const r = ctx.rng.next();
  const col = ctx.rng.pick(ctx.sharedCollections);
  if (r < 0.4) {
    return {
      resource: Resource.COLLECTION,
      id: col,
      fields: { name: `col-${ctx.rng.int(50)}`, description: `v${ctx.rng.int(1000)}` },
    };
  }
  if (r < 0.5) return { resource: Resource.COLLECTION, id: col, deleted: true };
  if (r < 0.85) {
    const entry = (await EntryTree.read(probe)).randomAny(ctx.rng);
    if (entry === undefined) return undefined;
    return {
      resource: Resource.COLLECTION_ITEM,
      id: newRowId(ctx),
      fields: { collectionId: col, entryId: entry.id, position: String(ctx.rng.int(1000)) },
    };
  }
  const item = await randomLiveId(probe, Resource.COLLECTION_ITEM, ctx.rng);
  return item === undefined
    ? undefined
    : { resource: Resource.COLLECTION_ITEM, id: item, deleted: true };
}

async function run(
  ctx: WorkContext,
  op: string,
  count: number,
  edit: (c: WorkContext, p: ReplicaProbe) => Promise<WriteOp | undefined>,
): Promise<void> {
  // One commit per edit: each is a separate user action.
  for (let i = 0; i < count; i++) {
    const probe = probeOf(ctx);
    if (probe === undefined) return;
    const w = await edit(ctx, probe);
    if (w !== undefined) await commitWrites(ctx, op, [w]);
  }
}

export function tagEdits(ctx: WorkContext, params: { readonly count: number }): Promise<void> {
  return run(ctx, "tags", params.count, tagEdit);
}

export function collectionEdits(
  ctx: WorkContext,
  params: { readonly count: number },
): Promise<void> {
  return run(ctx, "collections", params.count, collectionEdit);
}

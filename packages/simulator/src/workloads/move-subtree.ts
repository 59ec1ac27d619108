// Renames and moves of subtrees: a random entry of the device gets a new
// name, and half the time a new parent directory (never inside itself).
import { EntryKind, Resource } from "@tidemark/protocol";
import type { WriteOp } from "../probe/types.js";
import { commitWrites, probeOf, type WorkContext } from "./context.js";
import { EntryTree } from "./entry-rows.js";
import { newRowId } from "./index-tree.js";

const DIRECTORY = String(EntryKind.DIRECTORY);
const FILE = String(EntryKind.FILE);

/**
 * Targeted moves of deep subtrees: one of the deepest own directories goes
 * under another deep directory outside its subtree, so every replica
 * rewrites the closure of a subtree times its depth.
 */
async function moveDeepSubtrees(ctx: WorkContext, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const probe = probeOf(ctx);
    if (probe === undefined) return;
    const tree = await EntryTree.read(probe);
    const dirs = tree.rows
      .filter(
        (r) =>
          r.origin === ctx.node.deviceId &&
          r.fields.kind === DIRECTORY &&
          r.fields.parentId !== undefined,
      )
      .map((r) => ({ r, d: tree.depthOf(r.id) }))
      .sort((a, b) => b.d - a.d || (a.r.id < b.r.id ? -1 : 1));
    const moved = dirs[Math.min(dirs.length - 1, ctx.rng.int(Math.min(dirs.length, 3)))]?.r;
    if (moved === undefined) return;
    const target = dirs.find(
      (x) =>
        x.r.fields.locationId === moved.fields.locationId && !tree.isInSubtree(moved.id, x.r.id),
    )?.r;
    if (target === undefined || target.id === moved.fields.parentId) return;
    await commitWrites(ctx, "move-deep", [
      {
        resource: Resource.ENTRY,
        id: moved.id,
        fields: {
          ...moved.fields,
          parentId: target.id,
          modifiedAtMs: String(ctx.node.clock.now()),
        },
      },
    ]);
  }
}

/**
 * A location's top directory put into a new one (a file manager's "new
 * folder with selection" at the top): one commit creates the directory,
 * without a parent, and moves the old top under it — a row that had no
 * parent gets one.
 */
async function wrapTops(ctx: WorkContext, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const probe = probeOf(ctx);
    if (probe === undefined) return;
    const tops = (await EntryTree.read(probe)).rows.filter(
      (r) =>
        r.origin === ctx.node.deviceId &&
        r.fields.kind === DIRECTORY &&
        r.fields.parentId === undefined,
    );
    const top = tops[ctx.rng.int(Math.max(1, tops.length))];
    if (top === undefined) return;
    const wrapper = newRowId(ctx);
    const now = String(ctx.node.clock.now());
    await commitWrites(ctx, "wrap", [
      {
        resource: Resource.ENTRY,
        id: wrapper,
        fields: { ...top.fields, name: `wrap-${i}`, modifiedAtMs: now },
      },
      {
        resource: Resource.ENTRY,
        id: top.id,
        fields: { ...top.fields, parentId: wrapper, modifiedAtMs: now },
      },
    ]);
  }
}

export async function moveSubtrees(
  ctx: WorkContext,
  params: { readonly count: number; readonly targeted?: boolean; readonly wrap?: boolean },
): Promise<void> {
  if (params.targeted === true) return moveDeepSubtrees(ctx, params.count);
  if (params.wrap === true) return wrapTops(ctx, params.count);
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
    let locationId = row.fields.locationId;
    const pick = ctx.rng.next();
    if (pick < 0.4) {
      const dir = tree.randomDirIn(ctx.node.deviceId, row.fields.locationId, ctx.rng);
      if (dir !== undefined && !tree.isInSubtree(row.id, dir.id)) parentId = dir.id;
    } else if (pick < 0.6 && row.fields.kind === FILE) {
      // A file moves to another of the device's locations (a relay may then
      // hold it behind that location's late batch: bug 10's shape).
      const dir = tree.randomOwn(ctx.node.deviceId, ctx.rng, true);
      if (dir !== undefined && dir.fields.locationId !== locationId) {
        parentId = dir.id;
        locationId = dir.fields.locationId;
      }
    }
    const { parentId: _old, ...rest } = row.fields;
    writes.push({
      resource: Resource.ENTRY,
      id: row.id,
      fields: {
        ...rest,
        ...(parentId === undefined ? {} : { parentId }),
        ...(locationId === undefined ? {} : { locationId }),
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

// Writes of rows the device does not own: an app acting on another
// device's behalf (registering a device row under a new id, renaming
// another origin's entry, creating a directory inside another origin's).
// Only a row's origin writes it, and a hard reference never crosses
// origins (PROTOCOL.md §3.3, RD-1): the store must refuse each commit
// whole. A commit it takes is recorded like any other, so the end-state
// checks judge it (its peers refuse it on the wire: it never converges).
import { EntryKind, Resource } from "@tidemark/protocol";
import type { RowVersion, WriteOp } from "../probe/types.js";
import { commitWrites, probeOf, type WorkContext } from "./context.js";
import { EntryTree } from "./entry-rows.js";
import { newRowId } from "./index-tree.js";

const DIRECTORY = String(EntryKind.DIRECTORY);

export async function foreignWrites(
  ctx: WorkContext,
  params: { readonly count: number },
): Promise<void> {
  for (let i = 0; i < params.count; i++) {
    const probe = probeOf(ctx);
    if (probe === undefined) return;
    const self = ctx.node.deviceId;
    const foreign = (await EntryTree.read(probe)).rows.filter(
      (r) => r.origin !== self && !r.deleted && r.fields.kind === DIRECTORY,
    );
    const dir = foreign.length === 0 ? undefined : foreign[ctx.rng.int(foreign.length)];
    const write = foreignWrite(ctx, i % 3, dir);
    if (write !== undefined) await commitWrites(ctx, "foreign-writes", [write], true);
  }
}

function foreignWrite(
  ctx: WorkContext,
  kind: number,
  dir: RowVersion | undefined,
): WriteOp | undefined {
  if (kind === 0) {
    const fields = { name: "other", os: "simos", hostname: "elsewhere" };
    return { resource: Resource.DEVICE, id: newRowId(ctx), fields };
  }
  if (dir === undefined) return undefined;
  if (kind === 1) {
    return { resource: Resource.ENTRY, id: dir.id, fields: { ...dir.fields, name: "renamed" } };
  }
  const fields = {
    locationId: dir.fields.locationId ?? dir.id,
    parentId: dir.id,
    name: "inside",
    kind: DIRECTORY,
    size: "0",
    modifiedAtMs: String(ctx.node.clock.now()),
  };
  return { resource: Resource.ENTRY, id: newRowId(ctx), fields };
}

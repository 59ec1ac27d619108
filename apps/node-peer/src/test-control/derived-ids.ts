// TestControl Commit: a Tag or TagAssignment write with an empty id asks the
// peer to create that row as its own user interface would, which picks the
// id itself (PROTOCOL.md §3.2 derived ids, RD-3/RD-4; docs/TESTCONTROL.md §4).
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { Resource, tagAssignmentIdOf, tagIdOf } from "@tidemark/protocol";
import { type WriteOp, WriteOpSchema } from "@tidemark/protocol/test-control";
import { fromHex } from "../ids.js";

function field(w: WriteOp, name: string): string {
  const v = w.fields[name];
  if (v === undefined)
    throw new ConnectError(`a write without id needs the field "${name}"`, Code.InvalidArgument);
  return v;
}

function derivedId(w: WriteOp, library: Uint8Array): Uint8Array {
  if (w.resource === Resource.TAG) return tagIdOf(library, field(w, "name"));
  if (w.resource === Resource.TAG_ASSIGNMENT)
    return tagAssignmentIdOf(fromHex(field(w, "tagId")), fromHex(field(w, "entryId")));
  throw new ConnectError(
    `only tags and tag assignments may be written without an id (resource ${w.resource})`,
    Code.InvalidArgument,
  );
}

/** The writes with every empty id filled in as the peer's UI derives it. */
export function withDerivedIds(writes: readonly WriteOp[], library: Uint8Array): WriteOp[] {
  return writes.map((w) =>
    w.id.length > 0 || w.deleted ? w : create(WriteOpSchema, { ...w, id: derivedId(w, library) }),
  );
}

// Shared-resource edits as local writes: a tag and its assignments to
// entries, or tombstones of those assignments.
import { create } from "@bufbuild/protobuf";
import type { LocalWrite } from "@tidemark/engine";
import { Resource, TagAssignmentSchema, TagSchema, TombstoneSchema } from "@tidemark/protocol";
import { CliError, CliErrorCode } from "./errors.js";
import { fromHex } from "./ids.js";
import { tagAssignmentIdOf, tagIdOf } from "./shared-ids.js";

export type TagOptions = { readonly color?: string; readonly remove?: boolean };

/**
 * Writes for `tag NAME ENTRY…` (upserts the tag, assigns it) or, with
 * `remove`, `untag NAME ENTRY…` (tombstones the assignments, keeps the tag).
 * Entry ids are 32 hex digits; references are soft, so an entry of any
 * device (or one not synced here yet) may be tagged.
 */
export function tagWrites(
  libraryId: Uint8Array,
  name: string,
  entryIds: readonly string[],
  opts: TagOptions,
): { tagId: Uint8Array; writes: LocalWrite[] } {
  if (name.trim() === "") throw new CliError(CliErrorCode.InvalidArgument, "tag name is empty");
  const tagId = tagIdOf(libraryId, name);
  const writes: LocalWrite[] = [];
  if (opts.remove !== true) {
    writes.push({
      resource: Resource.TAG,
      rowId: tagId,
      body: { case: "tag", value: create(TagSchema, { name, color: opts.color ?? "" }) },
    });
  }
  for (const entry of entryIds) {
    const entryId = fromHex(entry, "entry id");
    writes.push({
      resource: Resource.TAG_ASSIGNMENT,
      rowId: tagAssignmentIdOf(tagId, entryId),
      body:
        opts.remove === true
          ? { case: "tombstone", value: create(TombstoneSchema, {}) }
          : { case: "tagAssignment", value: create(TagAssignmentSchema, { tagId, entryId }) },
    });
  }
  return { tagId, writes };
}

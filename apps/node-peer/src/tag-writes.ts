// Shared-resource edits as local writes: a tag and its assignments to
// entries, or tombstones of those assignments; and what a tag colour may be.
import { create } from "@bufbuild/protobuf";
import type { LocalWrite } from "@tidemark/engine";
import {
  Resource,
  TagAssignmentSchema,
  TagSchema,
  TombstoneSchema,
  tagAssignmentIdOf,
  tagIdOf,
} from "@tidemark/protocol";
import { CliError, CliErrorCode } from "./errors.js";
import { normaliseColor } from "./tag-color.js";

export type TagOptions = { readonly color?: string; readonly remove?: boolean };

/**
 * Writes for `tag NAME ENTRY…` (upserts the tag, assigns it) or, with
 * `remove`, `untag NAME ENTRY…` (tombstones the assignments, keeps the tag).
 * The caller resolves and checks the entries; ids are derived from (library,
 * name) and (tag, entry), so the same tag made on two devices is one row.
 */
export function tagWrites(
  libraryId: Uint8Array,
  name: string,
  entryIds: readonly Uint8Array[],
  opts: TagOptions,
): { tagId: Uint8Array; writes: LocalWrite[] } {
  if (name.trim() === "") throw new CliError(CliErrorCode.InvalidArgument, "tag name is empty");
  const tagId = tagIdOf(libraryId, name);
  const writes: LocalWrite[] = [];
  if (opts.remove !== true) {
    const color = opts.color === undefined ? "" : normaliseColor(opts.color);
    writes.push({
      resource: Resource.TAG,
      rowId: tagId,
      body: { case: "tag", value: create(TagSchema, { name, color }) },
    });
  }
  for (const entryId of entryIds) {
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

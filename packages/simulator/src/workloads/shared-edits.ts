// Tag and collection edits on several devices at once: every device edits
// the same small pool of shared rows, so concurrent writes conflict and
// last-writer-wins by (hlc, origin) decides.
import { create } from "@bufbuild/protobuf";
import type { LocalWrite } from "@tidemark/engine";
import {
  CollectionItemSchema,
  CollectionSchema,
  Resource,
  TagAssignmentSchema,
  TagSchema,
  TombstoneSchema,
} from "@tidemark/protocol";
import { uuidv7 } from "../ids.js";
import { bytes, commitWrites, type WorkContext } from "./context.js";
import { randomAnyEntry } from "./entry-rows.js";

const COLORS = ["red", "green", "blue", "amber", "violet"];
const tomb = { case: "tombstone", value: create(TombstoneSchema) } as const;

function randomLiveId(ctx: WorkContext, table: string): Uint8Array | undefined {
  const db = ctx.node.db;
  if (db === undefined) return undefined;
  const n = db.prepare(`SELECT count(*) FROM ${table} WHERE deleted = 0`).pluck().get() as number;
  if (n === 0) return undefined;
  const id = db
    .prepare(`SELECT id FROM ${table} WHERE deleted = 0 ORDER BY id LIMIT 1 OFFSET ?`)
    .pluck()
    .get(ctx.rng.int(n));
  return id === undefined ? undefined : bytes(id);
}

/** One random tag edit: upsert, delete, assign or unassign. */
function tagEdit(ctx: WorkContext): LocalWrite | undefined {
  const r = ctx.rng.next();
  const tag = ctx.rng.pick(ctx.sharedTags);
  if (r < 0.45) {
    return {
      resource: Resource.TAG,
      rowId: tag,
      body: {
        case: "tag",
        value: create(TagSchema, { name: `tag-${ctx.rng.int(100)}`, color: ctx.rng.pick(COLORS) }),
      },
    };
  }
  if (r < 0.6) return { resource: Resource.TAG, rowId: tag, body: tomb };
  if (r < 0.9) {
    const db = ctx.node.db;
    const entry = db === undefined ? undefined : randomAnyEntry(db, ctx.rng);
    if (entry === undefined) return undefined;
    return {
      resource: Resource.TAG_ASSIGNMENT,
      rowId: uuidv7(ctx.node.clock.now(), ctx.rng),
      body: {
        case: "tagAssignment",
        value: create(TagAssignmentSchema, { tagId: tag, entryId: entry }),
      },
    };
  }
  const assignment = randomLiveId(ctx, "tag_assignment");
  return assignment === undefined
    ? undefined
    : { resource: Resource.TAG_ASSIGNMENT, rowId: assignment, body: tomb };
}

function collectionEdit(ctx: WorkContext): LocalWrite | undefined {
  const r = ctx.rng.next();
  const col = ctx.rng.pick(ctx.sharedCollections);
  if (r < 0.4) {
    return {
      resource: Resource.COLLECTION,
      rowId: col,
      body: {
        case: "collection",
        value: create(CollectionSchema, {
          name: `col-${ctx.rng.int(50)}`,
          description: `v${ctx.rng.int(1000)}`,
        }),
      },
    };
  }
  if (r < 0.5) return { resource: Resource.COLLECTION, rowId: col, body: tomb };
  if (r < 0.85) {
    const db = ctx.node.db;
    const entry = db === undefined ? undefined : randomAnyEntry(db, ctx.rng);
    if (entry === undefined) return undefined;
    return {
      resource: Resource.COLLECTION_ITEM,
      rowId: uuidv7(ctx.node.clock.now(), ctx.rng),
      body: {
        case: "collectionItem",
        value: create(CollectionItemSchema, {
          collectionId: col,
          entryId: entry,
          position: ctx.rng.int(1000),
        }),
      },
    };
  }
  const item = randomLiveId(ctx, "collection_item");
  return item === undefined
    ? undefined
    : { resource: Resource.COLLECTION_ITEM, rowId: item, body: tomb };
}

function run(
  ctx: WorkContext,
  op: string,
  count: number,
  edit: (c: WorkContext) => LocalWrite | undefined,
): void {
  // One commit per edit: each is a separate user action.
  for (let i = 0; i < count; i++) {
    if (!ctx.node.alive) return;
    const w = edit(ctx);
    if (w !== undefined) commitWrites(ctx, op, [w]);
  }
}

export function tagEdits(ctx: WorkContext, params: { readonly count: number }): void {
  run(ctx, "tags", params.count, tagEdit);
}

export function collectionEdits(ctx: WorkContext, params: { readonly count: number }): void {
  run(ctx, "collections", params.count, collectionEdit);
}

// Resource number -> tables, as the engine's registry lays them out.
import { Resource } from "@tidemark/protocol";

export const TABLE_OF: Readonly<Record<number, string>> = {
  [Resource.DEVICE]: "device",
  [Resource.VOLUME]: "volume",
  [Resource.LOCATION]: "location",
  [Resource.ENTRY]: "entry",
  [Resource.TAG]: "tag",
  [Resource.COLLECTION]: "collection",
  [Resource.TAG_ASSIGNMENT]: "tag_assignment",
  [Resource.COLLECTION_ITEM]: "collection_item",
};

export function isSharedResource(resource: number): boolean {
  return resource >= Resource.TAG;
}

/** Where a stream's entries live: the table itself or the per-origin change table. */
export function entriesTableOf(resource: number): string {
  const t = TABLE_OF[resource];
  if (t === undefined) throw new RangeError(`unknown resource ${resource}`);
  return isSharedResource(resource) ? `${t}_change` : t;
}

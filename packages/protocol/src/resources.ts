// Facts about each Resource that validators and engines share: which are
// shared (HLC, last-writer-wins) and which Change body each one carries.
import { Resource } from "./gen/tidemark/sync/v1/records_pb.js";

/** The Change.body case that carries each resource's rows. */
export const BODY_CASE = {
  [Resource.DEVICE]: "device",
  [Resource.VOLUME]: "volume",
  [Resource.LOCATION]: "location",
  [Resource.ENTRY]: "entry",
  [Resource.TAG]: "tag",
  [Resource.COLLECTION]: "collection",
  [Resource.TAG_ASSIGNMENT]: "tagAssignment",
  [Resource.COLLECTION_ITEM]: "collectionItem",
} as const;

export type RecordBodyCase = (typeof BODY_CASE)[keyof typeof BODY_CASE];

/** Every known resource, in foreign-key order (parents first). */
export const RESOURCES_IN_FK_ORDER: readonly Resource[] = [
  Resource.DEVICE,
  Resource.VOLUME,
  Resource.LOCATION,
  Resource.ENTRY,
  Resource.TAG,
  Resource.COLLECTION,
  Resource.TAG_ASSIGNMENT,
  Resource.COLLECTION_ITEM,
];

/** True for a resource this protocol version defines (not UNSPECIFIED, not from the future). */
export function isKnownResource(resource: Resource): boolean {
  return resource >= Resource.DEVICE && resource <= Resource.COLLECTION_ITEM;
}

/** Shared resources are written by any device and carry an HLC; device-owned ones by their origin only. */
export function isSharedResource(resource: Resource): boolean {
  return resource >= Resource.TAG && resource <= Resource.COLLECTION_ITEM;
}

/** The body case for a known resource, or undefined for an unknown one. */
export function bodyCaseOf(resource: Resource): RecordBodyCase | undefined {
  return isKnownResource(resource) ? BODY_CASE[resource as keyof typeof BODY_CASE] : undefined;
}

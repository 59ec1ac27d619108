// Resource number -> tables, read from the engine's resource registry so
// the simulator never re-declares the schema (the seed's registry drifted).
import { RESOURCES, resourceDef } from "@tidemark/engine";
import type { Resource } from "@tidemark/protocol";

export const TABLE_OF: Readonly<Record<number, string>> = Object.fromEntries(
  RESOURCES.map((d) => [d.resource, d.table]),
);

export function isSharedResource(resource: number): boolean {
  return resourceDef(resource as Resource)?.ownership === "shared";
}

/** Where a stream's entries live: the table itself or the per-origin change table. */
export function entriesTableOf(resource: number): string {
  const def = resourceDef(resource as Resource);
  if (def === undefined) throw new RangeError(`unknown resource ${resource}`);
  return def.entriesTable;
}

// No resurrected deletes: a row whose delete a replica has covered (its
// cursor for the deleting stream is at or past the tombstone, and for
// shared rows the tombstone wins last-writer-wins over every origin's
// entry it holds) must not be live there.
import { streamKeyString } from "@tidemark/engine";
import { isSharedResource, type Resource } from "@tidemark/protocol";
import type { RowVersion } from "../probe/types.js";
import { originIndex } from "./contiguous.js";
import type { Property, World } from "./property.js";

/** Last-writer-wins by (hlc, origin) (PROTOCOL §3.5). */
export function lwwWins(a: RowVersion, b: RowVersion): boolean {
  const ah = a.hlc ?? 0n;
  const bh = b.hlc ?? 0n;
  return ah > bh || (ah === bh && a.origin > b.origin);
}

export const noResurrectedDeletes: Property = {
  name: "no-resurrected-deletes",
  check(world: World) {
    for (const node of world.nodes) {
      // Per resource: row -> the winning change among what this replica covers.
      const winners = new Map<Resource, Map<string, RowVersion>>();
      for (const w of node.watermarks) {
        const expected = world.oracle.expectedRows(streamKeyString(w.stream), w.cursor);
        let m = winners.get(w.stream.resource);
        if (m === undefined) {
          m = new Map();
          winners.set(w.stream.resource, m);
        }
        const shared = isSharedResource(w.stream.resource);
        for (const [row, c] of expected) {
          const prev = m.get(row);
          if (prev === undefined || (shared && lwwWins(c, prev))) m.set(row, c);
        }
      }
      for (const row of node.rows) {
        const win = winners.get(row.resource)?.get(row.id);
        if (win?.deleted) {
          return {
            property: "no-resurrected-deletes",
            devices: [originIndex(world.nodes, win.origin) ?? node.index, node.index],
            detail: `resource ${row.resource} row ${row.id} is live on d${node.index} although its delete (origin ${win.origin.slice(0, 8)}, seq ${win.seq}) is covered by its cursor`,
          };
        }
      }
    }
    return undefined;
  },
};

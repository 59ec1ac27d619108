// No resurrected deletes: a row whose delete a replica has covered (its
// cursor for the deleting stream is at or past the tombstone, and for
// shared rows the tombstone wins last-writer-wins over every origin's
// entry it holds) must not be live there.
import { idToHex, streamKeyString } from "@tidemark/engine";
import type { OracleChange } from "../oracle.js";
import type { Property, World } from "./property.js";
import { isSharedResource, TABLE_OF } from "./tables.js";

function lwwWins(a: OracleChange, aOrigin: string, b: OracleChange, bOrigin: string): boolean {
  const ah = a.hlc ?? 0n;
  const bh = b.hlc ?? 0n;
  return ah > bh || (ah === bh && aOrigin > bOrigin);
}

export const noResurrectedDeletes: Property = {
  name: "no-resurrected-deletes",
  check(world: World) {
    for (const node of world.nodes) {
      const db = node.db;
      if (db === undefined || node.replica === undefined) continue;
      // Per resource: row -> the winning change among what this replica covers.
      const winners = new Map<number, Map<string, { c: OracleChange; origin: string }>>();
      for (const s of node.replica.status().streams) {
        const expected = world.oracle.expectedRows(streamKeyString(s.stream), s.cursor);
        let w = winners.get(s.stream.resource);
        if (w === undefined) {
          w = new Map();
          winners.set(s.stream.resource, w);
        }
        for (const [row, c] of expected) {
          const prev = w.get(row);
          if (
            prev === undefined ||
            (isSharedResource(s.stream.resource) &&
              lwwWins(c, s.stream.origin, prev.c, prev.origin))
          ) {
            w.set(row, { c, origin: s.stream.origin });
          }
        }
      }
      for (const [resource, w] of [...winners].sort((a, b) => a[0] - b[0])) {
        const table = TABLE_OF[resource];
        if (table === undefined) continue;
        const live = db
          .prepare(`SELECT id FROM ${table} WHERE deleted = 0`)
          .pluck()
          .all() as Uint8Array[];
        for (const idBytes of live) {
          const id = idToHex(idBytes);
          const win = w.get(id);
          if (win?.c.deleted) {
            const origin = world.nodes.find((n) => n.deviceId === win.origin);
            return {
              property: "no-resurrected-deletes",
              devices: [origin?.index ?? node.index, node.index],
              detail: `${table} row ${id} is live on d${node.index} although its delete (origin ${win.origin.slice(0, 8)}, seq ${win.c.seq}) is covered by its cursor`,
            };
          }
        }
      }
    }
    return undefined;
  },
};

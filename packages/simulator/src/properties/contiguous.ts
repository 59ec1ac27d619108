// The cursor invariant (DESIGN §3), checked against what the origins really
// committed: a replica whose cursor for a stream is c holds exactly the
// origin's entries as of seq c — every live row at its latest version with
// seq <= c, nothing newer, nothing missing. This is what "contiguous"
// means; a leapfrogged cursor fails it even when every count looks right.
import type { Property } from "./property.js";
import { liveEntries } from "./state-dump.js";
import { streamKey } from "./streams.js";
import { entriesTableOf } from "./tables.js";

export const cursorsContiguous: Property = {
  name: "cursors-contiguous",
  check(world) {
    for (const node of world.nodes) {
      const db = node.db;
      if (db === undefined || node.replica === undefined) continue;
      for (const s of node.replica.status().streams) {
        if (s.pulling) continue; // reported by cursors-at-head
        const key = streamKey(s);
        const expected = world.oracle.expectedRows(key, s.cursor);
        const held = liveEntries(db, entriesTableOf(s.stream.resource), s.stream.origin);
        const originNode = world.nodes.find((n) => n.deviceId === s.stream.origin);
        const pair: [number, number] = [originNode?.index ?? node.index, node.index];
        for (const [row, c] of expected) {
          if (c.deleted) continue;
          const seq = held.get(row);
          if (seq !== c.seq) {
            return {
              property: "cursors-contiguous",
              devices: pair,
              detail: `stream ${key} cursor ${s.cursor ?? "none"} on d${node.index}: row ${row} should be live at seq ${c.seq}, holds ${seq ?? "nothing"}`,
            };
          }
        }
        for (const [row, seq] of held) {
          const c = expected.get(row);
          if (c === undefined || c.deleted) {
            // A deleted row held live is reported by no-resurrected-deletes.
            if (c?.deleted) continue;
            return {
              property: "cursors-contiguous",
              devices: pair,
              detail: `stream ${key} cursor ${s.cursor ?? "none"} on d${node.index}: holds row ${row} at seq ${seq} beyond its cursor`,
            };
          }
        }
      }
    }
    return undefined;
  },
};

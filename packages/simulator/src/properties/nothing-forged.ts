// Nothing forged is ever stored (PROTOCOL.md §15 AU-6, §16): every row a
// replica holds, visible or as a stream entry, is a version its stream's
// origin committed — same seq, same content. A forging peer or a relay
// that alters, strips or re-signs rows can withhold them, never plant one.
import { streamKeyString } from "@tidemark/engine";
import { isSharedResource } from "@tidemark/protocol";
import { originIndex } from "./contiguous.js";
import type { Property, World } from "./property.js";

export const nothingForgedStored: Property = {
  name: "nothing-forged-stored",
  check(world: World) {
    for (const node of world.nodes) {
      for (const row of node.rows) {
        const key = streamKeyString({ origin: row.origin, resource: row.resource });
        if (!world.oracle.committed(key, row, true)) {
          return {
            property: "nothing-forged-stored",
            devices: [originIndex(world.nodes, row.origin) ?? node.index, node.index],
            detail: `d${node.index} holds resource ${row.resource} row ${row.id} at seq ${row.seq} as written by ${row.origin.slice(0, 8)}, which never committed that version`,
          };
        }
      }
      for (const w of node.watermarks) {
        const key = streamKeyString(w.stream);
        const bodies = isSharedResource(w.stream.resource);
        for (const e of node.entries.get(key) ?? []) {
          if (world.oracle.committed(key, e, bodies)) continue;
          return {
            property: "nothing-forged-stored",
            devices: [originIndex(world.nodes, w.stream.origin) ?? node.index, node.index],
            detail: `d${node.index}'s stream ${key} holds row ${e.id} at seq ${e.seq}${e.deleted ? " (a tombstone)" : ""} that its origin never committed`,
          };
        }
      }
    }
    return undefined;
  },
};

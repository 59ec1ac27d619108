// The cursor invariant (DESIGN §3), checked against what the origins really
// committed: a replica whose cursor for a stream is c holds exactly the
// origin's entries as of seq c — every live row at its latest version with
// seq <= c, nothing newer, nothing missing. This is what "contiguous"
// means; a leapfrogged cursor fails it even when every count looks right.
// It is a safety property: it must hold at every instant (safety.ts checks
// it on every cursor change), not only after healing.
import { streamKeyString } from "@tidemark/engine";
import type { Oracle } from "../oracle.js";
import type { RowVersion, Watermark } from "../probe/types.js";
import type { Property, PropertyFailure } from "./property.js";
import type { WatermarkView } from "./view.js";

/** The index of the device that originates `origin`, if it is one of `nodes`. */
export function originIndex(nodes: readonly WatermarkView[], origin: string): number | undefined {
  return nodes.find((n) => n.deviceId === origin)?.index;
}

/**
 * Checks one stream of one replica from its entries (`held`); undefined
 * when the invariant holds. Streams mid-pull are not judged (their cursor
 * is frozen while pages land).
 */
export function checkStreamInvariant(
  node: WatermarkView,
  w: Watermark,
  held: readonly RowVersion[],
  oracle: Oracle,
  nodes: readonly WatermarkView[],
): PropertyFailure | undefined {
  if (w.pulling) return undefined;
  const key = streamKeyString(w.stream);
  const expected = oracle.expectedRows(key, w.cursor);
  const live = new Map<string, bigint>();
  for (const r of held) if (!r.deleted) live.set(r.id, r.seq);
  const devices: [number, number] = [originIndex(nodes, w.stream.origin) ?? node.index, node.index];
  const where = `stream ${key} cursor ${w.cursor ?? "none"} on d${node.index}`;
  for (const [row, c] of expected) {
    if (c.deleted) continue;
    const seq = live.get(row);
    if (seq !== c.seq) {
      return {
        property: "cursors-contiguous",
        devices,
        detail: `${where}: row ${row} should be live at seq ${c.seq}, holds ${seq ?? "nothing"}`,
      };
    }
  }
  for (const [row, seq] of live) {
    // A deleted row held live is reported by no-resurrected-deletes.
    if (!expected.has(row)) {
      return {
        property: "cursors-contiguous",
        devices,
        detail: `${where}: holds row ${row} at seq ${seq} beyond its cursor`,
      };
    }
  }
  return undefined;
}

export const cursorsContiguous: Property = {
  name: "cursors-contiguous",
  check(world) {
    for (const node of world.nodes) {
      for (const w of node.watermarks) {
        const held = node.entries.get(streamKeyString(w.stream)) ?? [];
        const f = checkStreamInvariant(node, w, held, world.oracle, world.nodes);
        if (f !== undefined) return f;
      }
    }
    return undefined;
  },
};

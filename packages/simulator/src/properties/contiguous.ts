// The cursor invariant (DESIGN §3), checked against what the origins really
// committed: a replica whose cursor for a stream is c holds exactly the
// origin's entries as of seq c — every live row at its latest version with
// seq <= c, nothing newer, nothing missing. This is what "contiguous"
// means; a leapfrogged cursor fails it even when every count looks right.
// It is a safety property: it must hold at every instant (simulation.ts
// samples it during chaos), not only after healing.
import { type StreamState, streamKeyString } from "@tidemark/engine";
import type { SimNode } from "../node.js";
import type { Oracle } from "../oracle.js";
import type { Property, PropertyFailure } from "./property.js";
import { liveEntries } from "./state-dump.js";
import { entriesTableOf } from "./tables.js";

/** Checks one stream of one live replica; undefined when the invariant holds. */
export function checkStreamInvariant(
  node: SimNode,
  s: StreamState,
  oracle: Oracle,
  nodes: readonly SimNode[],
): PropertyFailure | undefined {
  const db = node.db;
  if (db === undefined || s.pulling) return undefined;
  const key = streamKeyString(s.stream);
  const expected = oracle.expectedRows(key, s.cursor);
  const held = liveEntries(
    db,
    entriesTableOf(s.stream.resource),
    s.stream.origin,
    s.stream.resource,
  );
  const originNode = nodes.find((n) => n.deviceId === s.stream.origin);
  const devices: [number, number] = [originNode?.index ?? node.index, node.index];
  for (const [row, c] of expected) {
    if (c.deleted) continue;
    const seq = held.get(row);
    if (seq !== c.seq) {
      return {
        property: "cursors-contiguous",
        devices,
        detail: `stream ${key} cursor ${s.cursor ?? "none"} on d${node.index}: row ${row} should be live at seq ${c.seq}, holds ${seq ?? "nothing"}`,
      };
    }
  }
  for (const [row, seq] of held) {
    const c = expected.get(row);
    // A deleted row held live is reported by no-resurrected-deletes.
    if (c === undefined) {
      return {
        property: "cursors-contiguous",
        devices,
        detail: `stream ${key} cursor ${s.cursor ?? "none"} on d${node.index}: holds row ${row} at seq ${seq} beyond its cursor`,
      };
    }
  }
  return undefined;
}

export const cursorsContiguous: Property = {
  name: "cursors-contiguous",
  check(world) {
    for (const node of world.nodes) {
      for (const s of node.replica?.status().streams ?? []) {
        const f = checkStreamInvariant(node, s, world.oracle, world.nodes);
        if (f !== undefined) return f;
      }
    }
    return undefined;
  },
};

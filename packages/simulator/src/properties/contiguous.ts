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
 * when the invariant holds. A stream mid-pull (cursor frozen while pages
 * land) is held to the weaker form (S9): see checkPullingStream.
 */
export function checkStreamInvariant(
  node: WatermarkView,
  w: Watermark,
  held: readonly RowVersion[],
  oracle: Oracle,
  nodes: readonly WatermarkView[],
): PropertyFailure | undefined {
  if (w.pulling) return checkPullingStream(node, w, held, oracle, nodes);
  const key = streamKeyString(w.stream);
  const expected = oracle.expectedRows(key, w.cursor);
  // An origin's own changes above its cursor are unconfirmed (PROTOCOL §3.7):
  // not claimed yet, and a row they replaced cannot be shown as of the cursor.
  const own = w.stream.origin === node.deviceId;
  const cursor = w.cursor ?? 0n;
  const pending = new Set<string>();
  const live = new Map<string, bigint>();
  for (const r of held) {
    if (own && r.seq > cursor) pending.add(r.id);
    else if (!r.deleted) live.set(r.id, r.seq);
  }
  for (const id of pending) expected.delete(id);
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

/**
 * Mid-pull (S9): pages past the frozen cursor c may already be applied, so
 * a row may be held at a newer version than c says. Still, every entry held
 * is a change the origin really wrote, every row live at c is held at its
 * version as of c or a newer one, and nothing at or below c is stale.
 */
export function checkPullingStream(
  node: WatermarkView,
  w: Watermark,
  held: readonly RowVersion[],
  oracle: Oracle,
  nodes: readonly WatermarkView[],
): PropertyFailure | undefined {
  const key = streamKeyString(w.stream);
  const fail = (detail: string): PropertyFailure => ({
    property: "cursors-contiguous",
    devices: [originIndex(nodes, w.stream.origin) ?? node.index, node.index],
    detail: `stream ${key} mid-pull at cursor ${w.cursor ?? "none"} on d${node.index}: ${detail}`,
  });
  const bySeq = oracle.streams.get(key);
  const heldAt = new Map<string, RowVersion>();
  // The origin's own changes above its cursor are unconfirmed (PROTOCOL
  // §3.7): the oracle learns them, at their final seqs, on confirmation.
  const own = w.stream.origin === node.deviceId;
  for (const e of held) {
    if (own && e.seq > (w.cursor ?? 0n)) {
      heldAt.set(e.id, e);
      continue;
    }
    const real = bySeq?.get(e.seq);
    if (real === undefined || real.id !== e.id || real.deleted !== e.deleted)
      return fail(`holds row ${e.id} at seq ${e.seq}, a change the origin never wrote`);
    heldAt.set(e.id, e);
  }
  const latest = oracle.expectedRows(key, oracle.head(key));
  for (const [row, c] of oracle.expectedRows(key, w.cursor)) {
    const e = heldAt.get(row);
    // A full resync forgets rows whose later delete was pruned.
    if (e === undefined && (c.deleted || latest.get(row)?.deleted === true)) continue;
    if (e === undefined || e.seq < c.seq)
      return fail(
        `row ${row} should be held at seq ${c.seq} or newer, holds ${e?.seq ?? "nothing"}`,
      );
  }
  return undefined;
}

// Per-stream agreement from each replica's own watermarks: equal cursors,
// live counts and fingerprints everywhere, every cursor at the stream's
// head (the origin's own cursor while it is a live member), no pull left
// unfinished. Cheap (watermarks only): the heal loop polls these two.
import { streamKeyString } from "@tidemark/engine";
import type { Watermark } from "../probe/types.js";
import type { Property, PropertyFailure } from "./property.js";
import type { WatermarkView } from "./view.js";

function streamsOf(node: WatermarkView): Map<string, Watermark> {
  const out = new Map<string, Watermark>();
  for (const w of node.watermarks) out.set(streamKeyString(w.stream), w);
  return out;
}

const fmt = (w: Watermark | undefined): string =>
  w === undefined
    ? "absent"
    : `cursor=${w.cursor ?? "none"} count=${w.liveCount} fp=${w.fingerprint.slice(0, 12)}${w.pulling ? " pulling" : ""}`;

/** The head of each stream: the origin's cursor if it is live, else the highest cursor held. */
export function streamHeads(nodes: readonly WatermarkView[]): Map<string, bigint> {
  const heads = new Map<string, bigint>();
  const byId = new Map(nodes.map((n) => [n.deviceId, n]));
  for (const node of nodes) {
    for (const w of node.watermarks) {
      if (w.cursor === undefined) continue;
      const key = streamKeyString(w.stream);
      const origin = byId.get(w.stream.origin);
      if (origin === node) heads.set(key, w.cursor);
      else if (origin === undefined && (heads.get(key) ?? -1n) < w.cursor) heads.set(key, w.cursor);
    }
  }
  return heads;
}

export function streamsAgreeOn(nodes: readonly WatermarkView[]): PropertyFailure | undefined {
  const [first, ...rest] = nodes;
  if (first === undefined) return undefined;
  const base = streamsOf(first);
  for (const other of rest) {
    const mine = streamsOf(other);
    for (const key of [...new Set([...base.keys(), ...mine.keys()])].sort()) {
      const a = base.get(key);
      const b = mine.get(key);
      const same =
        a !== undefined &&
        b !== undefined &&
        a.cursor === b.cursor &&
        a.liveCount === b.liveCount &&
        a.fingerprint === b.fingerprint;
      // A stream with no cursor and no rows on one side is as good as absent.
      const bothEmpty =
        (a?.liveCount ?? 0n) === 0n &&
        (b?.liveCount ?? 0n) === 0n &&
        (a?.cursor ?? b?.cursor) === undefined;
      if (!same && !bothEmpty) {
        return {
          property: "streams-agree",
          devices: [first.index, other.index],
          detail: `stream ${key}: d${first.index} ${fmt(a)} vs d${other.index} ${fmt(b)}`,
        };
      }
    }
  }
  return undefined;
}

export function cursorsAtHeadOn(nodes: readonly WatermarkView[]): PropertyFailure | undefined {
  const heads = streamHeads(nodes);
  for (const node of nodes) {
    const mine = streamsOf(node);
    for (const [key, head] of [...heads].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
      const w = mine.get(key);
      if (w === undefined || w.cursor !== head || w.pulling) {
        const origin = nodes.find((n) => key.startsWith(n.deviceId));
        return {
          property: "cursors-at-head",
          devices: [origin?.index ?? node.index, node.index],
          detail: `stream ${key}: head ${head}, d${node.index} ${fmt(w)}`,
        };
      }
      if (w.maxAppliedSeq !== undefined && w.cursor !== undefined && w.maxAppliedSeq > w.cursor) {
        return {
          property: "cursors-at-head",
          devices: [node.index, node.index],
          detail: `stream ${key}: d${node.index} applied seq ${w.maxAppliedSeq} beyond its cursor ${w.cursor}`,
        };
      }
    }
  }
  return undefined;
}

export const streamsAgree: Property = {
  name: "streams-agree",
  check: (world) => streamsAgreeOn(world.nodes),
};

export const cursorsAtHead: Property = {
  name: "cursors-at-head",
  check: (world) => cursorsAtHeadOn(world.nodes),
};

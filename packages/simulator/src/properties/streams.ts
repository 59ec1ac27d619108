// Per-stream agreement from each replica's own status(): equal cursors,
// live counts and fingerprints everywhere, every cursor at the stream's
// head (the origin's own cursor while it is a live member), no pull left
// unfinished.
import { idToHex, type StreamState, streamKeyString } from "@tidemark/engine";
import type { SimNode } from "../node.js";
import type { Property, PropertyFailure, World } from "./property.js";

function streamsOf(node: SimNode): Map<string, StreamState> {
  const out = new Map<string, StreamState>();
  for (const s of node.replica?.status().streams ?? []) out.set(streamKeyString(s.stream), s);
  return out;
}

const fmt = (s: StreamState | undefined): string =>
  s === undefined
    ? "absent"
    : `cursor=${s.cursor ?? "none"} count=${s.liveCount} fp=${idToHex(s.fingerprint).slice(0, 12)}${s.pulling ? " pulling" : ""}`;

/** The head of each stream: the origin's cursor if it is live, else the highest cursor held. */
export function streamHeads(world: World): Map<string, bigint> {
  const heads = new Map<string, bigint>();
  const byId = new Map(world.nodes.map((n) => [n.deviceId, n]));
  for (const node of world.nodes) {
    for (const s of node.replica?.status().streams ?? []) {
      if (s.cursor === undefined) continue;
      const key = streamKeyString(s.stream);
      const origin = byId.get(s.stream.origin);
      if (origin === node) heads.set(key, s.cursor);
      else if (origin === undefined && (heads.get(key) ?? -1n) < s.cursor) heads.set(key, s.cursor);
    }
  }
  return heads;
}

export const streamsAgree: Property = {
  name: "streams-agree",
  check(world): PropertyFailure | undefined {
    const [first, ...rest] = world.nodes;
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
          idToHex(a.fingerprint) === idToHex(b.fingerprint);
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
  },
};

export const cursorsAtHead: Property = {
  name: "cursors-at-head",
  check(world) {
    const heads = streamHeads(world);
    for (const node of world.nodes) {
      const mine = streamsOf(node);
      for (const [key, head] of [...heads].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
        const s = mine.get(key);
        if (s === undefined || s.cursor !== head || s.pulling) {
          const origin = world.nodes.find((n) => key.startsWith(n.deviceId));
          return {
            property: "cursors-at-head",
            devices: [origin?.index ?? node.index, node.index],
            detail: `stream ${key}: head ${head}, d${node.index} ${fmt(s)}`,
          };
        }
        if (s.maxAppliedSeq !== undefined && s.cursor !== undefined && s.maxAppliedSeq > s.cursor) {
          return {
            property: "cursors-at-head",
            devices: [node.index, node.index],
            detail: `stream ${key}: d${node.index} applied seq ${s.maxAppliedSeq} beyond its cursor ${s.cursor}`,
          };
        }
      }
    }
    return undefined;
  },
};

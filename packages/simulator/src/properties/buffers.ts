// No unbounded buffers: after healing nothing is left pending (no change
// held for a missing parent, no realtime change held for a gap), and no
// buffer ever exceeded the configured bound during the run. The realtime
// bound is per stream (PROTOCOL §8 PC-2, MAX_PENDING_CHANGES_PER_STREAM):
// a device behind several origins may hold more in all. The dependency
// buffer is bounded in rows and bytes, per origin and over all (§11); its
// exported gauges must say what it holds. The realtime buffer is also
// bounded in encoded bytes, per pushing peer and over all (§11); its
// gauges must agree with each other.
import {
  MAX_DEPENDENCY_BYTES,
  MAX_DEPENDENCY_BYTES_PER_ORIGIN,
  MAX_DEPENDENCY_ROWS,
  MAX_DEPENDENCY_ROWS_PER_ORIGIN,
  MAX_HELD_REALTIME_BYTES,
  MAX_HELD_REALTIME_BYTES_PER_PEER,
  MAX_PENDING_CHANGES_PER_STREAM,
} from "@tidemark/protocol";
import type { EngineConfig } from "../probe/probe.js";
import type {
  DependencyBounds,
  Property,
  PropertyFailure,
  RealtimeBounds,
  World,
} from "./property.js";

/** The bounds a scenario's config sets (the engine takes them as ReplicaBounds), else §11's. */
export function dependencyBoundsOf(config: EngineConfig): DependencyBounds {
  return {
    dependencyRowsPerOrigin: n(config.dependencyRowsPerOrigin, MAX_DEPENDENCY_ROWS_PER_ORIGIN),
    dependencyBytesPerOrigin: n(config.dependencyBytesPerOrigin, MAX_DEPENDENCY_BYTES_PER_ORIGIN),
    dependencyBytes: n(config.dependencyBytes, MAX_DEPENDENCY_BYTES),
  };
}

/** The realtime buffer's byte bounds a scenario's config sets (ReplicaBounds), else §11's. */
export function realtimeBoundsOf(config: EngineConfig, devices: number): RealtimeBounds {
  return {
    heldRealtimeBytesPerPeer: n(config.heldRealtimeBytesPerPeer, MAX_HELD_REALTIME_BYTES_PER_PEER),
    heldRealtimeBytes: n(config.heldRealtimeBytes, MAX_HELD_REALTIME_BYTES),
    pushers: Math.max(1, devices - 1),
  };
}

/** Realtime changes held per stream a scenario's config allows (PC-2), else the protocol's. */
export function pendingBufferMaxOf(config: EngineConfig): number {
  return n(config.pendingBufferMax, MAX_PENDING_CHANGES_PER_STREAM);
}

/** A config value the scenario set, else the protocol's default. */
const n = (v: unknown, d: number) => (typeof v === "number" ? v : d);

/**
 * Realtime bytes held past their bound, or exported gauges that disagree.
 * Only the total is sampled, so the per-peer bound is judged through it:
 * every other device may push, each within its own bound (exact with one
 * pusher).
 */
function realtimePeaks(world: World): PropertyFailure | undefined {
  const b = world.realtimeBounds ?? realtimeBoundsOf({}, 2);
  const peak = world.bufferPeaks.get("heldRealtimeBytes") ?? 0;
  const perPeers = b.heldRealtimeBytesPerPeer * b.pushers;
  const [bound, what] =
    perPeers < b.heldRealtimeBytes
      ? [perPeers, `${b.pushers} pusher(s) × ${b.heldRealtimeBytesPerPeer} per peer`]
      : [b.heldRealtimeBytes, "over all peers"];
  if (peak > bound)
    return {
      property: "buffers-bounded",
      detail: `encoded bytes of realtime changes held peaked at ${peak} > bound ${bound} (${what})`,
    };
  // NaN (a gauge that is not a number) sticks in the peaks: anything but 0 fails.
  const drift = world.bufferPeaks.get("realtimeGaugeDrift") ?? 0;
  if (drift !== 0)
    return {
      property: "buffers-bounded",
      detail: `the realtime buffer's exported gauges (tidemark_pending_buffer_changes per stream and in all, tidemark_held_realtime_bytes) disagreed by up to ${drift}`,
    };
  return undefined;
}

/** A dependency-buffer peak past its bound, or exported gauges that drifted from what is held. */
function dependencyPeaks(world: World): PropertyFailure | undefined {
  const b = world.dependencyBounds ?? dependencyBoundsOf({});
  const checks: [string, string, number][] = [
    [
      "heldDependencyOriginRows",
      "changes one origin held for a missing parent",
      b.dependencyRowsPerOrigin,
    ],
    [
      "heldDependencyOriginBytes",
      "encoded bytes one origin held for a missing parent",
      b.dependencyBytesPerOrigin,
    ],
    ["heldDependencyBytes", "encoded bytes held for a missing parent", b.dependencyBytes],
  ];
  for (const [key, what, bound] of checks) {
    const peak = world.bufferPeaks.get(key) ?? 0;
    if (peak > bound)
      return { property: "buffers-bounded", detail: `${what} peaked at ${peak} > bound ${bound}` };
  }
  const drift = world.bufferPeaks.get("dependencyGaugeDrift") ?? 0;
  if (drift > 0)
    return {
      property: "buffers-bounded",
      detail: `the dependency buffer's published figures (tidemark_dependency_buffer_rows/bytes, the store's dependencyStats()) drifted from what it held by up to ${drift}`,
    };
  return undefined;
}

export const buffersBounded: Property = {
  name: "buffers-bounded",
  check(world) {
    const peak = world.bufferPeaks.get("heldRealtimeStreamMax") ?? 0;
    if (peak > world.pendingBufferMax) {
      return {
        property: "buffers-bounded",
        detail: `realtime changes held for one stream peaked at ${peak} > bound ${world.pendingBufferMax} per stream`,
      };
    }
    const realtime = realtimePeaks(world);
    if (realtime !== undefined) return realtime;
    const held = world.bufferPeaks.get("heldDependencies") ?? 0;
    const heldMax = world.dependencyBufferMax ?? MAX_DEPENDENCY_ROWS;
    if (held > heldMax) {
      return {
        property: "buffers-bounded",
        detail: `changes held for a missing parent peaked at ${held} > bound ${heldMax}`,
      };
    }
    const peaks = dependencyPeaks(world);
    if (peaks !== undefined) return peaks;
    for (const node of world.nodes) {
      const fail = (detail: string) => ({
        property: "buffers-bounded",
        devices: [node.index, node.index] as const,
        detail: `d${node.index} ${detail}`,
      });
      const g = node.gauges;
      if (g.heldDependencies > 0)
        return fail(`still holds ${g.heldDependencies} changes for a missing parent after healing`);
      if (world.allOriginsLive && g.heldRealtime > 0)
        return fail(`still holds ${g.heldRealtime} realtime changes after healing (expected 0)`);
    }
    return undefined;
  },
};

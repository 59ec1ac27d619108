// No unbounded buffers: after healing nothing is left pending (no change
// held for a missing parent, no realtime change held for a gap), and no
// buffer ever exceeded the configured bound during the run. The realtime
// bound is per stream (PROTOCOL §8 PC-2, MAX_PENDING_CHANGES_PER_STREAM):
// a device behind several origins may hold more in all.
import { MAX_DEPENDENCY_ROWS } from "@tidemark/protocol";
import type { Property } from "./property.js";

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
    const held = world.bufferPeaks.get("heldDependencies") ?? 0;
    const heldMax = world.dependencyBufferMax ?? MAX_DEPENDENCY_ROWS;
    if (held > heldMax) {
      return {
        property: "buffers-bounded",
        detail: `changes held for a missing parent peaked at ${held} > bound ${heldMax}`,
      };
    }
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

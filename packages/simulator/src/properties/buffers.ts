// No unbounded buffers: after healing nothing is left pending (dependency
// buffer empty, no buffered realtime changes), and no buffer gauge ever
// exceeded the configured bound during the run.
import type { Replica } from "@tidemark/engine";
import type { Property } from "./property.js";

const BUFFER_GAUGE = /buffer|pending/i;

/** Buffer-like gauges of a replica's metrics, by name. */
export function bufferGauges(replica: Replica): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of Object.entries(replica.metrics().values))
    if (BUFFER_GAUGE.test(k)) out.set(k, v);
  return out;
}

export const buffersBounded: Property = {
  name: "buffers-bounded",
  check(world) {
    for (const [name, peak] of world.bufferPeaks) {
      if (peak > world.pendingBufferMax) {
        return {
          property: "buffers-bounded",
          detail: `gauge ${name} peaked at ${peak} > bound ${world.pendingBufferMax}`,
        };
      }
    }
    for (const node of world.nodes) {
      const db = node.db;
      if (db === undefined || node.replica === undefined) continue;
      const held = db.prepare("SELECT count(*) FROM dep_buffer").pluck().get() as number;
      if (held > 0) {
        return {
          property: "buffers-bounded",
          devices: [node.index, node.index],
          detail: `d${node.index} still holds ${held} changes in its dependency buffer after healing`,
        };
      }
      for (const [name, v] of bufferGauges(node.replica)) {
        if (!world.allOriginsLive) continue;
        if (v > 0 && !/total|_max|peak/i.test(name)) {
          return {
            property: "buffers-bounded",
            devices: [node.index, node.index],
            detail: `d${node.index} gauge ${name} = ${v} after healing (expected 0)`,
          };
        }
      }
    }
    return undefined;
  },
};

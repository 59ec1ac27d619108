// A held stream holds back only itself (issue 11 bug 5): while a stream
// waits for a far-ahead change to become acceptable (PROTOCOL §12), every
// other stream must converge within the ordinary bound, as if nothing were
// held — not within the longer bound the held change stretches the run's.
// A stream counts as free when none of its origin's changes is held by
// then (an origin's streams reference each other: entries wait for their
// location, and that is no isolation failure).
import { HLC_COUNTER_BITS } from "@tidemark/protocol";
import type { Oracle } from "../oracle.js";
import { SIM_EPOCH_MS } from "../virtual-clock.js";
import type { PropertyFailure } from "./property.js";
import { cursorsAtHeadOn } from "./streams.js";
import type { WatermarkView } from "./view.js";

/** Origins none of whose changes is still held by rule at virtual time `atMs`. */
export function freeOrigins(oracle: Oracle, maxOffsetMs: number, atMs: number): Set<string> {
  const held = new Set<string>();
  const all = new Set<string>();
  for (const [key, changes] of oracle.streams) {
    const origin = key.split("/")[0] as string;
    all.add(origin);
    for (const c of changes.values()) {
      if (c.hlc === undefined) continue;
      const acceptableAt = Number(c.hlc >> BigInt(HLC_COUNTER_BITS)) - SIM_EPOCH_MS - maxOffsetMs;
      if (acceptableAt > atMs) held.add(origin);
    }
  }
  return new Set([...all].filter((o) => !held.has(o)));
}

/** Every free origin's streams at their head on every live member. */
export function heldStreamsIsolated(
  views: readonly WatermarkView[],
  free: ReadonlySet<string>,
  elapsedMs: number,
): PropertyFailure | undefined {
  const only = views.map((v) => ({
    ...v,
    watermarks: v.watermarks.filter((w) => free.has(w.stream.origin)),
  }));
  const f = cursorsAtHeadOn(only);
  if (f === undefined) return undefined;
  return {
    property: "held-stream-isolated",
    ...(f.devices === undefined ? {} : { devices: f.devices }),
    detail: `${elapsedMs} ms after healing, within the bound for a run with nothing held, a stream with no held change is not at its head while another stream is held: ${f.detail}`,
  };
}

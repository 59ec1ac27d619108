// holds-cleared-at-rest (exported metrics): `tidemark_hlc_ahead_ms`, one
// gauge per stream, tells an operator that a stream is held back because
// a change's HLC is too far ahead of the device's clock (PROTOCOL §12), and
// by how much. Once the healed world has rested, every device holds every
// stream at its head: each far-ahead change was accepted, however it came
// (a pull, a realtime push, a reconcile), so no stream it holds at its head
// may still read as held. A gauge left above 0 is an alarm that never
// clears. Streams below the head (an origin gone) are not judged.
import { streamKeyString } from "@tidemark/engine";
import type { Oracle } from "../oracle.js";
import type { LagNode } from "./lag.js";
import type { PropertyFailure } from "./property.js";

const NAME = "holds-cleared-at-rest";
const FAMILY = "tidemark_hlc_ahead_ms";

/** Stream key -> gauge value of every series of FAMILY that names a stream. */
function heldStreams(metrics: Readonly<Record<string, number>>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of Object.entries(metrics)) {
    if (!k.startsWith(`${FAMILY}{`)) continue;
    const stream = /[{,]stream="([^"]*)"/.exec(k)?.[1];
    if (stream !== undefined) out.set(stream, v);
  }
  return out;
}

/** Judges every live member's hold gauges for the streams it holds at the oracle's head. */
export async function holdsClearedAtRest(
  nodes: readonly LagNode[],
  oracle: Pick<Oracle, "head">,
): Promise<PropertyFailure | undefined> {
  for (const n of nodes) {
    if (n.replica === undefined) continue;
    const held = heldStreams(await n.replica.probe.metrics());
    if (held.size === 0) continue;
    for (const w of await n.replica.probe.watermarks()) {
      const key = streamKeyString(w.stream);
      if (w.cursor === undefined || w.cursor !== oracle.head(key)) continue;
      const ahead = held.get(key) ?? 0;
      if (ahead === 0) continue;
      return {
        property: NAME,
        detail: `d${n.index} holds stream ${key} at its head (${w.cursor}) yet still reports it held, a change ${ahead} ms ahead of its clock (${FAMILY})`,
      };
    }
  }
  return undefined;
}

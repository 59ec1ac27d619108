// Two live devices holding one stream whose cursor and fingerprint a test
// sets: what the cost trackers (repeats, pull-repeats) read through the probe.
import { Resource } from "@tidemark/protocol";
import type { SimNode } from "../node.js";

export const ORIGIN = "61c00d91ea258a046ee366fb50f08950";
/** ORIGIN's entry stream, as it travels on the wire. */
export const STREAM = {
  origin: Uint8Array.from(Buffer.from(ORIGIN, "hex")),
  resource: Resource.ENTRY,
};

/** Devices 0 and 1 at cursor 5 with fingerprints `fps` (hex prefixes); `state` is live. */
export function twoDevices(fps: readonly [string, string]) {
  const state = fps.map((fp) => ({ cursor: 5n, fp }));
  const nodes = state.map((st) => ({
    alive: true,
    generation: 1,
    replica: {
      probe: {
        watermarks: async () => [
          {
            stream: { origin: ORIGIN, resource: Resource.ENTRY },
            cursor: st.cursor,
            fingerprint: st.fp.padEnd(32, "0"),
          },
        ],
      },
    },
  }));
  return { state, nodes: nodes as unknown as SimNode[] };
}

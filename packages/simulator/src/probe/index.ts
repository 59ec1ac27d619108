// @tidemark/simulator/probe: the seam alone — the probe's types, the
// canonical row form, its TestControl wire mapping and the reference
// engine's probe — for hosts that serve or read a probe (node-peer's
// `serve --test-control`, the chaos runner) without the simulator.
export { probeOf as engineProbe } from "../adapters/tidemark-engine.js";
export type { ReplicaProbe } from "./probe.js";
export { bodyOf, canonicalRow, fieldsOf, rowVersionOf } from "./row-version.js";
export type * from "./types.js";
export {
  type ProbeHandlers,
  probeHandlers,
  remoteProbe,
  rowFromWire,
  rowToWire,
  streamFromWire,
  streamToWire,
  watermarkFromWire,
  watermarkToWire,
} from "./wire.js";

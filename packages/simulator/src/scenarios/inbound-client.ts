// An inbound-only client (node-peer's "incoming only" pairing; here a
// host serving cleartext loopback on purpose, which believes a caller's
// claimed id): d2 pairs with d0, which keeps no peer for it, so d2's
// pushes reach d0 from a device it has no peer for; d1 and d2 are paired
// both ways, as are d0 and d1. d2's pushes to d0 are cut for a while: the
// next one reaches d0 after a gap, and d0, with no peer to exchange with
// about it, must re-decide the stream and pull the gap from d1. Every
// device converges on everything (d0 gets d2's other streams via d1).
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function inboundClient(p: ScenarioParams): Scenario {
  const n = scaled(300, p.scale, 60);
  return {
    name: "inbound-client",
    seed: p.seed,
    devices: 3,
    inboundOnly: [[2, 0]],
    chaosMs: 10_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { realtimeMaxBatch: 5 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 50 },
      { at: 200, do: "index", dev: 2, entries: 30, batch: 3 },
      { at: 500, do: "tags", dev: 1, count: 3 },
      { at: 2_000, do: "partition", a: 2, b: 0, oneWay: true },
      { at: 2_100, do: "index", dev: 2, entries: 20, batch: 2 },
      { at: 4_000, do: "heal", a: 2, b: 0 },
      { at: 4_100, do: "index", dev: 2, entries: 10, batch: 2 },
      { at: 4_500, do: "tags", dev: 2, count: 2 },
    ],
  };
}

/**
 * An inbound-only client whose clock runs fast: d2 pairs with d0, which
 * keeps no peer for it, and pushes tags 90 s ahead, which d0 (and d1)
 * must refuse for their HLC (PROTOCOL §12, a 30 s max offset here): d0
 * from a device it has no peer for, each push acked DROPPED, never an
 * error. d0 knows no peer holding d2's tags (d1 holds them back too), so
 * a lag of 0 is its truth while they wait; d0's own streams land within
 * the ordinary bound meanwhile (5 s exchanges keep the run short).
 */
export function inboundFastClient(p: ScenarioParams): Scenario {
  const n = scaled(300, p.scale, 60);
  return {
    name: "inbound-fast-client",
    seed: p.seed,
    devices: 3,
    inboundOnly: [[2, 0]],
    chaosMs: 10_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pageMaxChanges: 50, hlcMaxOffsetMs: 30_000, periodicExchangeMs: 5_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 50 },
      { at: 100, do: "clock", dev: 2, skewMs: 90_000 },
      { at: 200, do: "tags", dev: 2, count: 6 },
      { at: 400, do: "tags", dev: 0, count: 6 },
      { at: 600, do: "collections", dev: 0, count: 3 },
    ],
  };
}

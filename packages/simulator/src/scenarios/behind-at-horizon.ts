// A device cut off right after its peer pruned the tombstones it had
// acknowledged: the peer's horizon is exactly the device's cursor, and
// the peer writes on. At the horizon nothing pruned is missing, so the
// device catches up with an ordinary pull after its cursor (PROTOCOL §4.2
// rows 5-6: a full resync only strictly below the horizon), and every
// delete made before the cut stays deleted.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function behindAtHorizon(p: ScenarioParams): Scenario {
  const n = scaled(6_000, p.scale, 60);
  return {
    name: "behind-at-horizon",
    seed: p.seed,
    devices: 2,
    chaosMs: 120_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pruneTombstones: true, periodicExchangeMs: 10_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 2_000, do: "delete", dev: 0, count: 10 },
      // Periodic exchanges carry d1's acks, so d0 prunes up to d1's cursor.
      { at: 60_000, do: "partition", a: 0, b: 1 },
      { at: 61_000, do: "index", dev: 0, entries: 20, batch: 20 },
      { at: 62_000, do: "delete", dev: 0, count: 5 },
    ],
  };
}

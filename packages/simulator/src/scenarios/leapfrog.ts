// The seed's failure: two devices index concurrently while realtime
// batches are reordered and dropped, and one device restarts mid-way. A
// timestamp watermark leapfrogs the missing batches; a contiguous cursor
// cannot.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function leapfrog(p: ScenarioParams): Scenario {
  const n = scaled(100_000, p.scale, 1_000);
  return {
    name: "leapfrog",
    seed: p.seed,
    devices: Math.max(2, p.devices ?? 2),
    chaosMs: 20_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "lossy",
    steps: [
      { at: 0, do: "weather", weather: "lossy" },
      { at: 100, do: "index", dev: 0, entries: n, batch: 50 },
      { at: 120, do: "index", dev: 1, entries: n, batch: 50 },
      { at: 2_000, do: "crash", dev: 1 },
      { at: 4_000, do: "restart", dev: 1 },
      { at: 6_000, do: "move", dev: 0, count: 20 },
      { at: 6_500, do: "move", dev: 1, count: 20 },
    ],
  };
}

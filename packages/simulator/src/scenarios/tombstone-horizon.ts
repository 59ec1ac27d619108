// Deletes while a device is away: d0 and d1 create, delete and re-create
// in the shared and device-owned streams, tombstones may be pruned, and
// d2 — down the whole time with the rows live — returns. The deleted rows
// must not come back from d2's old state, on d2 or anywhere else.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function tombstoneHorizon(p: ScenarioParams): Scenario {
  const n = scaled(5_000, p.scale, 100);
  return {
    name: "tombstone-horizon",
    seed: p.seed,
    devices: 3,
    chaosMs: 30_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 20, do: "tags", dev: 1, count: 10 },
      { at: 25, do: "collections", dev: 1, count: 10 },
      { at: 3_000, do: "crash", dev: 2 },
      { at: 4_000, do: "delete", dev: 0, count: 10 },
      { at: 4_100, do: "tags", dev: 0, count: 20 },
      { at: 4_200, do: "collections", dev: 1, count: 20 },
      { at: 8_000, do: "delete", dev: 0, count: 10 },
      { at: 9_000, do: "move", dev: 0, count: 10 },
    ],
  };
}

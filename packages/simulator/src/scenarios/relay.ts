// Relay while the origin is offline: d0 indexes and syncs to d1, then goes
// down for good; d2 joins and must catch up on d0's streams from d1 (served
// up to d1's own cursor), with d0 still down when the properties are checked.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function relayWhileOriginOffline(p: ScenarioParams): Scenario {
  const n = scaled(5_000, p.scale, 100);
  return {
    name: "relay-while-origin-offline",
    seed: p.seed,
    devices: 3,
    chaosMs: 20_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    keepDown: [0],
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 20, do: "tags", dev: 0, count: 10 },
      { at: 5_000, do: "crash", dev: 0 },
      { at: 6_000, do: "join", dev: 2 },
      { at: 8_000, do: "tags", dev: 1, count: 5 },
    ],
  };
}

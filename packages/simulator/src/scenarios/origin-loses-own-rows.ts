// An origin whose disk silently lost rows of its own stream (a damaged
// database, or one restored from a copy that missed them) while its peers
// hold them: its cursor and head are unchanged, so only the fingerprints
// differ. Every replica must end with the same rows again (identical-state),
// whichever side repairs.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function originLosesOwnRows(p: ScenarioParams): Scenario {
  const n = scaled(600, p.scale, 100);
  return {
    name: "origin-loses-own-rows",
    seed: p.seed,
    devices: 3,
    chaosMs: 10_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 50 },
      { at: 200, do: "tags", dev: 1, count: 5 },
      { at: 4_000, do: "lose-rows", dev: 0, count: 10, own: true },
      { at: 6_000, do: "tags", dev: 2, count: 5 },
    ],
  };
}

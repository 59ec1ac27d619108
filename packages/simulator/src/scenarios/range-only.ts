// Revision 1.1 peers (faults/range-only.ts): d1 and d2 announce no coded
// symbols, so every reconcile with them runs range rounds — fingerprints
// split `branching` ways, item lists, their diffs — over streams large
// enough for two levels of splitting. d0 and d3 reconcile with each other
// by coded symbols. Damage only a reconcile finds: d1 silently loses rows,
// d2 silently holds older versions, d3 loses rows of a stream with deletes
// and shared rows; each must be repaired from its neighbours.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function rangeOnlyPeers(p: ScenarioParams): Scenario {
  // Over branching x list threshold (8 x 16) items: ranges split twice.
  const n = scaled(5_000, p.scale, 300);
  return {
    name: "range-only-peers",
    seed: p.seed,
    devices: 4,
    chaosMs: 20_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    rangeOnly: [1, 2],
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 20, do: "tags", dev: 1, count: 20 },
      { at: 25, do: "collections", dev: 3, count: 20 },
      { at: 3_000, do: "move", dev: 0, count: 30 },
      { at: 3_500, do: "delete", dev: 0, count: 20 },
      { at: 3_600, do: "tags", dev: 2, count: 20 },
      { at: 8_000, do: "lose-rows", dev: 1, count: 20 },
      { at: 8_000, do: "stale-rows", dev: 2, count: 20 },
      { at: 8_000, do: "lose-rows", dev: 3, count: 20 },
    ],
  };
}

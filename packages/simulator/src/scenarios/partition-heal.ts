// Two halves of the library work apart (indexing, moves, deletes, shared
// tag edits on the same tags), one link is cut one way only, then
// everything heals.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function partitionHeal(p: ScenarioParams): Scenario {
  const devices = Math.min(8, Math.max(4, p.devices ?? 4));
  const n = scaled(10_000, p.scale, 100);
  const steps: Scenario["steps"][number][] = [];
  for (let d = 0; d < devices; d++)
    steps.push({ at: 50 + d * 10, do: "index", dev: d, entries: n, batch: 100 });
  const half = Math.floor(devices / 2);
  for (let a = 0; a < half; a++)
    for (let b = half; b < devices; b++) steps.push({ at: 3_000, do: "partition", a, b });
  steps.push({ at: 3_100, do: "partition", a: 0, b: 1, oneWay: true });
  for (let d = 0; d < devices; d++) {
    steps.push({ at: 4_000 + d * 7, do: "tags", dev: d, count: 8 });
    steps.push({ at: 5_000 + d * 7, do: "move", dev: d, count: 5 });
    steps.push({ at: 6_000 + d * 7, do: "delete", dev: d, count: 2 });
    steps.push({ at: 7_000 + d * 7, do: "collections", dev: d, count: 5 });
  }
  return {
    name: "partition-heal",
    seed: p.seed,
    devices,
    chaosMs: 15_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "jittery",
    steps,
  };
}

// A device joins after the others have indexed, edited and deleted, and
// one device leaves: the newcomer has no cursor at all ("none", never 0 or
// max) and must pull everything — including the leaver's streams.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function lateJoiner(p: ScenarioParams): Scenario {
  const n = scaled(5_000, p.scale, 100);
  return {
    name: "late-joiner",
    seed: p.seed,
    devices: 3,
    chaosMs: 20_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "jittery",
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 20, do: "index", dev: 1, entries: n, batch: 100 },
      { at: 2_000, do: "tags", dev: 0, count: 10 },
      { at: 2_100, do: "collections", dev: 1, count: 10 },
      { at: 3_000, do: "delete", dev: 1, count: 3 },
      { at: 8_000, do: "leave", dev: 1 },
      { at: 10_000, do: "join", dev: 2 },
      { at: 12_000, do: "tags", dev: 2, count: 5 },
    ],
  };
}

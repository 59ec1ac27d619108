// retry-backoff's growth bound and retry-jitter: the lying relay of
// lying-source-retries (the origin is down, every Backfill from d1 comes
// back with its pages reordered and is refused) for four minutes with the
// default 1 s base and 60 s cap, and two joiners failing against it
// together: each one's retries must grow from the base (not start long,
// not grow faster than doubling) and be jittered, so the two never fall
// into step.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function backoffGrowth(p: ScenarioParams): Scenario {
  const n = scaled(1_000, p.scale, 200);
  return {
    name: "backoff-growth",
    seed: p.seed,
    devices: 4,
    chaosMs: 240_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    keepDown: [0],
    config: { pageMaxChanges: 50 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 50 },
      { at: 3_000, do: "crash", dev: 0 },
      { at: 3_500, do: "liar", dev: 1, lie: "reorder-pages" },
      { at: 4_000, do: "join", dev: 2 },
      { at: 4_000, do: "join", dev: 3 },
    ],
  };
}

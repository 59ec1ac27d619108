// retry-backoff, from above: the same lying relay as lying-source-retries
// (the origin is down, every Backfill d2 makes from d1 comes back with its
// pages reordered and is refused) for a minute, with the backoff capped at
// 4 s: the retries must grow to the cap and stay there — never wait past
// it, however many failures were counted.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function cappedBackoff(p: ScenarioParams): Scenario {
  const n = scaled(1_000, p.scale, 200);
  return {
    name: "capped-backoff",
    seed: p.seed,
    devices: 3,
    chaosMs: 60_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    keepDown: [0],
    config: { pageMaxChanges: 50, backoffMaxMs: 4_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 50 },
      { at: 3_000, do: "crash", dev: 0 },
      { at: 3_500, do: "liar", dev: 1, lie: "reorder-pages" },
      { at: 4_000, do: "join", dev: 2 },
    ],
  };
}

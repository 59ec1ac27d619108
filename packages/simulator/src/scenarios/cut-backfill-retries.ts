// retry-backoff after progress: the origin is down and the joiner's only
// source, the relay d1, sits behind a path that resets every Backfill after
// its first two pages ("cut-backfills"). Each pull lands rows and then
// fails: progress starts the failure count over, so the retries stay near
// the base delay and the joiner gets the stream two pages at a time —
// not ever later, as if each of those pulls had failed outright.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function cutBackfillRetries(p: ScenarioParams): Scenario {
  const n = scaled(1_000, p.scale, 300);
  return {
    name: "cut-backfill-retries",
    seed: p.seed,
    devices: 3,
    chaosMs: 90_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    keepDown: [0],
    config: { pageMaxChanges: 10 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 50 },
      { at: 3_000, do: "crash", dev: 0 },
      { at: 3_500, do: "liar", dev: 1, lie: "cut-backfills" },
      { at: 4_000, do: "join", dev: 2 },
    ],
  };
}

// A source that answers Hello and exchanges but refuses every Backfill
// (NOT_PAIRED: another implementation whose user has not confirmed the
// pairing on it yet) while chaos lasts: d1 alone holds its own tags, so d0
// and the joiner d2 keep asking it. Each refused pull may be repeated
// unchanged only on ER-3's doubling floor (refused-not-repeated-early),
// whatever the exchanges in between say. Its user then confirms the
// pairing, which restarts its connections (cut for 1.5 s before the heal):
// the others, reconnected, pull from it and all converge.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams } from "./params.js";

export function refusingSource(p: ScenarioParams): Scenario {
  return {
    name: "refusing-source",
    seed: p.seed,
    devices: 3,
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { periodicExchangeMs: 1_000 },
    steps: [
      { at: 0, do: "liar", dev: 1, lie: "refuse-backfill" },
      { at: 10, do: "tags", dev: 1, count: 4 },
      { at: 100, do: "tags", dev: 0, count: 2 },
      { at: 3_000, do: "join", dev: 2 },
      { at: 6_000, do: "tags", dev: 1, count: 2 },
      { at: 10_500, do: "partition", a: 1, b: 0 },
      { at: 10_500, do: "partition", a: 1, b: 2 },
    ],
  };
}

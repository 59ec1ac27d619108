// A peer whose ExchangeWatermarks answers are malformed (a stream listed
// twice: another implementation's bug) while chaos lasts: d0 exchanges with
// it from the start and again after a partition heals, the joiner d2
// later. Each caller must refuse every such answer, count it where an
// operator looks (tidemark_invalid_responses_total{rpc="exchange"},
// invalid-exchanges-counted), back off rather than give up for good, and
// sync with it once its answers are well formed again.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function lyingExchange(p: ScenarioParams): Scenario {
  const n = scaled(1_000, p.scale, 40);
  return {
    name: "lying-exchange",
    seed: p.seed,
    devices: 3,
    chaosMs: 6_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { periodicExchangeMs: 2_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 20 },
      { at: 0, do: "liar", dev: 1, lie: "bad-exchange" },
      { at: 1_000, do: "partition", a: 0, b: 1 },
      { at: 2_000, do: "heal", a: 0, b: 1 },
      { at: 2_500, do: "join", dev: 2 },
      { at: 3_000, do: "tags", dev: 1, count: 3 },
    ],
  };
}

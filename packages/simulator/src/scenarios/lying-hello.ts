// A peer whose Hello answers are malformed (a device name past the
// protocol's bound) while chaos lasts: d0 meets it from the start and again
// after a partition heals, the joiner d2 later. Each caller must refuse every
// such answer, count it where an operator looks
// (tidemark_invalid_responses_total{rpc="hello"}, invalid-hellos-counted),
// back off rather than give up for good (it is not another library), and
// sync with it once its answers are well formed again.
import type { Lie, Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function lyingHello(p: ScenarioParams): Scenario {
  return malformedAnswers(p, "lying-hello", "bad-hello");
}

/**
 * d1 answers malformed (`lie`) while chaos lasts: d0 meets it from the
 * start and again after a partition heals, the joiner d2 later.
 */
export function malformedAnswers(p: ScenarioParams, name: string, lie: Lie): Scenario {
  const n = scaled(1_000, p.scale, 40);
  return {
    name,
    seed: p.seed,
    devices: 3,
    chaosMs: 6_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { periodicExchangeMs: 2_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 20 },
      { at: 0, do: "liar", dev: 1, lie },
      { at: 1_000, do: "partition", a: 0, b: 1 },
      { at: 2_000, do: "heal", a: 0, b: 1 },
      { at: 2_500, do: "join", dev: 2 },
      { at: 3_000, do: "tags", dev: 1, count: 3 },
    ],
  };
}

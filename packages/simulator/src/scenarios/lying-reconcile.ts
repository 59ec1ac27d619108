// Lying Reconcile responders (faults/bad-reconcile.ts): d1 silently loses
// rows of d0's stream, so it reconciles it; d2 (coded symbols) and d3
// (range rounds only) answer every round dishonestly — needed ids never
// listed, coded symbols out of sequence. Each answer must be refused and
// counted where an operator looks (tidemark_invalid_responses_total
// {rpc="reconcile"}, invalid-reconciles-counted), nothing wrong stored,
// and d1 repaired from d0, the one honest holder.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function lyingReconcile(p: ScenarioParams): Scenario {
  // Over branching x list threshold (8 x 16) items: range rounds split.
  const n = scaled(5_000, p.scale, 300);
  return {
    name: "lying-reconcile",
    seed: p.seed,
    devices: 4,
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    rangeOnly: [3],
    steps: [
      { at: 0, do: "liar", dev: 2, lie: "bad-reconcile" },
      { at: 0, do: "liar", dev: 3, lie: "bad-reconcile" },
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 3_000, do: "move", dev: 0, count: 30 },
      // Cut from d0 until both liars were asked: d1 meets d2, then d3.
      { at: 5_000, do: "partition", a: 0, b: 1 },
      { at: 5_000, do: "partition", a: 3, b: 1 },
      { at: 6_000, do: "lose-rows", dev: 1, count: 20 },
      { at: 8_000, do: "heal", a: 3, b: 1 },
      { at: 11_000, do: "heal", a: 0, b: 1 },
    ],
  };
}

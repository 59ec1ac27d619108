// A lying Reconcile responder (faults/bad-reconcile.ts): d1 silently loses
// rows of d0's stream, so it reconciles it, while cut from d0; d2 answers
// every round dishonestly — needed ids never listed, coded symbols out of
// sequence or replaced by a listing. Each answer must be refused and
// counted where an operator looks (tidemark_invalid_responses_total
// {rpc="reconcile"}, invalid-reconciles-counted), nothing wrong stored,
// and d1 repaired from d0 once healed: d0 runs range rounds only
// (revision 1.1), over enough rows that its replies list whole ranges.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function lyingReconcile(p: ScenarioParams): Scenario {
  // Enough rows that the first message carries fingerprints (not only
  // lists), so d0's replies include full listings.
  const n = scaled(5_000, p.scale, 1_200);
  return {
    name: "lying-reconcile",
    seed: p.seed,
    devices: 3,
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    rangeOnly: [0],
    steps: [
      { at: 0, do: "liar", dev: 2, lie: "bad-reconcile" },
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 3_000, do: "move", dev: 0, count: 30 },
      // Cut from d0 until the liar was asked again and again.
      { at: 5_000, do: "partition", a: 0, b: 1 },
      { at: 6_000, do: "lose-rows", dev: 1, count: 20 },
      // A new loss voids the run: the next one starts afresh, by coded symbols.
      { at: 8_000, do: "lose-rows", dev: 1, count: 5 },
      { at: 11_000, do: "heal", a: 0, b: 1 },
    ],
  };
}

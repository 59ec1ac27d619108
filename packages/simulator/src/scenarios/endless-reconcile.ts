// A Reconcile responder that never lets an initiator finish
// (faults/bad-reconcile.ts endlessReconcile): d1 silently loses rows of
// d0's stream while cut from d0, so it reconciles the stream with d2,
// whose every range-round answer is valid but settles nothing. Each
// attempt must stop at the round bound PROTOCOL.md §7.5 states for it,
// be counted against d2 (tidemark_invalid_responses_total{rpc="reconcile"}),
// and be retried only after a growing backoff (round-bound-kept); once
// healed, d1 is repaired from d0.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function endlessReconcile(p: ScenarioParams): Scenario {
  const n = scaled(2_000, p.scale, 60);
  return {
    name: "endless-reconcile",
    seed: p.seed,
    devices: 3,
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    // Range rounds with the liar: it announces no coded symbols (revision 1.1).
    rangeOnly: [2],
    steps: [
      { at: 0, do: "liar", dev: 2, lie: "endless-reconcile" },
      { at: 10, do: "index", dev: 0, entries: n, batch: 20 },
      { at: 2_000, do: "partition", a: 0, b: 1 },
      { at: 2_500, do: "lose-rows", dev: 1, count: 5 },
      { at: 11_000, do: "heal", a: 0, b: 1 },
    ],
  };
}

// A reconcile cut part-way resumes (reconcile-not-repeated): d1 silently
// loses rows, so only a reconcile with d0 finds them, and d0 sits behind a
// path that fails every second Reconcile call ("cut-reconciles"). Each run
// gets its question answered and is cut at the next call: the retry after
// the backoff must go on from there — a run that starts over asks the same
// question again and is cut at the same place, for as long as the path is.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function cutReconcileResumes(p: ScenarioParams): Scenario {
  const n = scaled(2_000, p.scale, 200);
  return {
    name: "cut-reconcile-resumes",
    seed: p.seed,
    devices: 2,
    chaosMs: 40_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 4_000, do: "liar", dev: 0, lie: "cut-reconciles" },
      { at: 5_000, do: "lose-rows", dev: 1, count: 20 },
    ],
  };
}

// Reconciles that fail part-way and must be retried: d1 and d2 silently
// lose rows (only a reconcile finds them) while every link loses half its
// messages for ten seconds, so reconcile rounds time out. A failed run proves
// nothing: the same states must be reconciled again after the backoff,
// or the lost rows never come back.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function reconcileRetry(p: ScenarioParams): Scenario {
  const n = scaled(5_000, p.scale, 200);
  return {
    name: "reconcile-retry",
    seed: p.seed,
    devices: 3,
    chaosMs: 40_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 5_000, do: "lose-rows", dev: 1, count: 20 },
      { at: 5_000, do: "lose-rows", dev: 2, count: 20 },
      { at: 5_000, do: "link", a: 0, b: 1, loss: 0.5 },
      { at: 5_000, do: "link", a: 0, b: 2, loss: 0.5 },
      { at: 5_000, do: "link", a: 1, b: 2, loss: 0.5 },
      // The loss ends well inside the peer's deferral (half a periodic exchange).
      { at: 15_000, do: "link", a: 0, b: 1, loss: 0 },
      { at: 15_000, do: "link", a: 0, b: 2, loss: 0 },
      { at: 15_000, do: "link", a: 1, b: 2, loss: 0 },
    ],
  };
}

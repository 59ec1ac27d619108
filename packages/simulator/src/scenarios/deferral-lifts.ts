// A deferral the lacking side never answers (PROTOCOL §4.2 row 9): d2 is an
// inbound-only client of d1 (d1 keeps no peer for it, so never calls it),
// and d0, the origin, goes down once all three hold its entries. Then d1
// silently loses three of them and d2 one: at equal cursors d2 holds more
// live rows and defers to d1, which cannot act. The deferral must lift a
// window later (reconcile-deferral-lifts): d2 reconciles with d1 and gets
// its row back while d0 is still down; d1 gets its own back from d0 after
// the heal.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function deferralToClient(p: ScenarioParams): Scenario {
  const n = scaled(300, p.scale, 60);
  return {
    name: "deferral-to-unreachable",
    seed: p.seed,
    devices: 3,
    inboundOnly: [[2, 1]],
    chaosMs: 14_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { periodicExchangeMs: 5_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 50 },
      { at: 2_000, do: "crash", dev: 0 },
      { at: 2_500, do: "lose-rows", dev: 1, count: 3 },
      { at: 2_500, do: "lose-rows", dev: 2, count: 1 },
    ],
  };
}

// A full resync from a relay that cannot prove its cursor (PROTOCOL §3.5
// CU-8): d2, restored from a backup below the horizon of d0's stream, can
// reach only d1 (both cut from d0) before d1 has heard d0's signed head
// past the deletes (realtime kept the periodic exchange away). d2 may not
// adopt d1's cursor, so it keeps the rows it cannot decide (RC-17) — and
// must not reconcile the same states again right after (reconcile-not-repeated).
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function resyncUnprovenRelay(p: ScenarioParams): Scenario {
  const n = scaled(6_000, p.scale, 60);
  return {
    name: "resync-unproven-relay",
    seed: p.seed,
    devices: 3,
    chaosMs: 55_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pruneTombstones: true, periodicExchangeMs: 10_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 1_000, do: "backup", dev: 2 },
      { at: 2_000, do: "delete", dev: 0, count: 10 },
      // Cut before the first periodic exchange past the deletes' realtime window.
      { at: 30_000, do: "partition", a: 0, b: 2 },
      { at: 30_000, do: "partition", a: 0, b: 1 },
      { at: 31_000, do: "restore", dev: 2, which: 0 },
    ],
  };
}

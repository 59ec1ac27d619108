// A full resync from a damaged relay (PROTOCOL §7.8 trust note): d2,
// restored from a backup below the horizon d0's deletes were pruned to,
// can reach only d1, which has just lost rows of d0's stream (corruption;
// both are cut from d0). d2 forgets every row d1 lacks below its horizon
// (RC-13) — the deleted ones and the lost ones alike — and is exempt from
// safety on that stream until a reconcile with d0, the honest holder,
// brings the lost rows back after the heal.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function resyncFromDamagedRelay(p: ScenarioParams): Scenario {
  const n = scaled(6_000, p.scale, 60);
  return {
    name: "resync-from-damaged-relay",
    seed: p.seed,
    devices: 3,
    chaosMs: 70_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pruneTombstones: true, periodicExchangeMs: 10_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 1_000, do: "backup", dev: 2 },
      { at: 2_000, do: "delete", dev: 0, count: 10 },
      // The periodic exchange at 40 s (the first past the deletes' realtime
      // window) carries the acks and d0's signed head: every device prunes
      // the deletes' tombstones, and d1 can prove its cursor of d0's stream.
      { at: 45_000, do: "partition", a: 0, b: 2 },
      { at: 45_000, do: "partition", a: 0, b: 1 },
      { at: 46_000, do: "lose-rows", dev: 1, count: Math.max(5, Math.floor(n / 8)) },
      { at: 46_000, do: "restore", dev: 2, which: 0 },
    ],
  };
}

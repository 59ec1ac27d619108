// Full resyncs through a relay (PROTOCOL §7.8): d0 indexes and deletes,
// every device prunes the deletes' tombstones once acknowledged, and d2,
// restored from a backup taken before the deletes (below the horizon),
// reaches d0's stream only through d1. What d1 is or says varies.
import type { Scenario, Step } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

function restoredBelowHorizon(
  p: ScenarioParams,
  name: string,
  chaosMs: number,
  tail: (n: number) => Step[],
): Scenario {
  const n = scaled(6_000, p.scale, 60);
  return {
    name,
    seed: p.seed,
    devices: 3,
    chaosMs,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pruneTombstones: true, periodicExchangeMs: 10_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 1_000, do: "backup", dev: 2 },
      { at: 2_000, do: "delete", dev: 0, count: 10 },
      ...tail(n),
    ],
  };
}

/**
 * d1 over-claims every other origin's stream (PROTOCOL §4): the resync
 * refutes the claim once, not a pull per exchange that serves nothing
 * (repair-not-repeated).
 */
export function overClaimResync(p: ScenarioParams): Scenario {
  return restoredBelowHorizon(p, "over-claim-resync", 55_000, () => [
    // d1 reconnects: the exchange hands it d0's signed head, which it relays.
    { at: 20_000, do: "crash", dev: 1 },
    { at: 20_500, do: "restart", dev: 1 },
    { at: 30_000, do: "partition", a: 0, b: 2 },
    { at: 31_000, do: "liar", dev: 1, lie: "over-claim" },
    { at: 32_000, do: "restore", dev: 2, which: 0 },
  ]);
}

/**
 * d1 has just lost rows of d0's stream (corruption; both cut from d0): d2
 * forgets every row d1 lacks below its horizon (RC-13), the lost ones too,
 * and is exempt from safety on that stream until a reconcile with d0 (the
 * honest holder) brings them back after the heal (the §7.8 trust note).
 */
export function resyncFromDamagedRelay(p: ScenarioParams): Scenario {
  return restoredBelowHorizon(p, "resync-from-damaged-relay", 70_000, (n) => [
    // The periodic exchange at 40 s (the first past the deletes' realtime
    // window) carries d0's signed head: d1 can prove its cursor of d0's stream.
    { at: 45_000, do: "partition", a: 0, b: 2 },
    { at: 45_000, do: "partition", a: 0, b: 1 },
    { at: 46_000, do: "lose-rows", dev: 1, count: Math.max(5, Math.floor(n / 8)) },
    { at: 46_000, do: "restore", dev: 2, which: 0 },
  ]);
}

/**
 * Both cut from d0 before d1 heard d0's signed head past the deletes
 * (realtime kept the periodic exchange away): d2 may not adopt d1's cursor
 * (CU-8), keeps the rows it cannot decide (RC-17), and must not reconcile
 * the same states again right after (reconcile-not-repeated).
 */
export function resyncUnprovenRelay(p: ScenarioParams): Scenario {
  return restoredBelowHorizon(p, "resync-unproven-relay", 55_000, () => [
    { at: 30_000, do: "partition", a: 0, b: 2 },
    { at: 30_000, do: "partition", a: 0, b: 1 },
    { at: 31_000, do: "restore", dev: 2, which: 0 },
  ]);
}

// A full resync from an over-claiming relay (PROTOCOL §4): d2, restored
// from a backup below the horizon d1 pruned d0's stream to, can reach only
// d1 (cut from d0), which advertises d0's stream far past what it holds.
// The resync refutes the claim: one repair, not a pull per exchange that
// serves nothing (repair-not-repeated).
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function overClaimResync(p: ScenarioParams): Scenario {
  const n = scaled(6_000, p.scale, 60);
  return {
    name: "over-claim-resync",
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
      // Periodic exchanges carry the acks: d0 and d1 prune the deletes' tombstones.
      // d1 reconnects: the exchange hands it d0's signed head, which it relays.
      { at: 20_000, do: "crash", dev: 1 },
      { at: 20_500, do: "restart", dev: 1 },
      { at: 30_000, do: "partition", a: 0, b: 2 },
      { at: 31_000, do: "liar", dev: 1, lie: "over-claim" },
      { at: 32_000, do: "restore", dev: 2, which: 0 },
    ],
  };
}

// A device restored from a backup older than the tombstones its peer has
// since pruned: its cursor on the peer's entries is below the peer's
// tombstone horizon, so pulling after it cannot carry the deletes
// (PROTOCOL §5.2). It must resync the stream in full and drop the rows
// deleted meanwhile, without one coming back live on either side.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function restoreBelowHorizon(p: ScenarioParams): Scenario {
  const n = scaled(6_000, p.scale, 60);
  return {
    name: "restore-below-horizon",
    seed: p.seed,
    devices: 2,
    chaosMs: 120_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pruneTombstones: true, periodicExchangeMs: 10_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 1_000, do: "backup", dev: 1 },
      { at: 2_000, do: "delete", dev: 0, count: 10 },
      { at: 2_100, do: "tags", dev: 0, count: 5 },
      // Periodic exchanges carry d1's acks, so d0 prunes the deletes' tombstones.
      { at: 100_000, do: "restore", dev: 1, which: 0 },
    ],
  };
}

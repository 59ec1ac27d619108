// A full resync whose responder's stream moves under it (PROTOCOL §7.8
// RC-15): d1 is restored from a backup older than the tombstones d0 has
// since pruned, and d0 indexes one entry a millisecond while d1 resyncs its
// entries. A run that sees the cursor move is void and starts again from a
// fresh question — never resumed — and, once d0 is done, completes.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function resyncWhileOriginWrites(p: ScenarioParams): Scenario {
  const n = scaled(6_000, p.scale, 60);
  return {
    name: "resync-while-origin-writes",
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
      // Periodic exchanges carry d1's acks, so d0 prunes the deletes' tombstones.
      { at: 100_000, do: "restore", dev: 1, which: 0 },
      { at: 100_005, do: "index", dev: 0, entries: 300, batch: 1 },
    ],
  };
}

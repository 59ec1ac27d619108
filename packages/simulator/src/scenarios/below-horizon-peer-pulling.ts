// A device restored below its peers' tombstone horizon meets a peer that
// is mid-pull of that stream (PROTOCOL §4.2 row 5: "nothing while R is
// pulling"): d2 restarts behind d0 and pulls over a slow link while d1 —
// cut off from d0 and restored to before d0's deletes were pruned — can
// only talk to d2. d1 must not resync in full against d2's frozen cursor
// and moving fingerprint; it resyncs once d2's pull is done, or from d0
// after healing, with no pruned delete coming back.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function belowHorizonPeerPulling(p: ScenarioParams): Scenario {
  const n = scaled(30_000, p.scale, 300);
  return {
    name: "below-horizon-peer-pulling",
    seed: p.seed,
    devices: 3,
    chaosMs: 130_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pruneTombstones: true, periodicExchangeMs: 3_000, pageMaxChanges: 50 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: 60, batch: 60 },
      { at: 1_000, do: "backup", dev: 1 },
      { at: 2_000, do: "delete", dev: 0, count: 10 },
      // Periodic exchanges carry every ack: all three prune the deletes.
      { at: 100_000, do: "crash", dev: 2 },
      { at: 100_000, do: "partition", a: 0, b: 1 },
      { at: 100_500, do: "index", dev: 0, entries: n, batch: 300 },
      { at: 100_800, do: "clog", a: 0, b: 2, bytesPerMs: 10 },
      { at: 100_800, do: "restart", dev: 2 },
      { at: 102_000, do: "restore", dev: 1, which: 0 },
    ],
  };
}

// Peers that require a Hello and forget it (faults/hello-required.ts): d1
// and d2 end each caller's session 1.5 s after its Hello, so calls in the
// middle of exchanges, pulls, pushes and reconciles are answered
// UNKNOWN_PEER. Every device writes in small commits (pushes race the
// exchanges), one loses rows (a reconcile), a receiver restarts. By ER-5
// each caller must say Hello before it repeats a refused call
// (hello-after-unknown-peer), and the sync must still converge.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function helloRequiredPeers(p: ScenarioParams): Scenario {
  const n = scaled(400, p.scale, 60);
  return {
    name: "hello-required-peers",
    seed: p.seed,
    devices: 4,
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "jittery",
    helloRequired: { devices: [1, 2], sessionMs: 1_500 },
    config: { realtimeMaxBatch: 5, pageMaxChanges: 20 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 5 },
      { at: 300, do: "tags", dev: 1, count: 4 },
      { at: 1_400, do: "index", dev: 3, entries: n, batch: 5 },
      { at: 2_200, do: "collections", dev: 2, count: 3 },
      { at: 3_000, do: "move", dev: 0, count: 5 },
      { at: 4_000, do: "crash", dev: 1 },
      { at: 4_500, do: "restart", dev: 1 },
      { at: 5_100, do: "index", dev: 0, entries: n, batch: 5 },
      { at: 6_000, do: "lose-rows", dev: 2, count: 10 },
      { at: 6_600, do: "delete", dev: 3, count: 5 },
      { at: 7_100, do: "index", dev: 1, entries: n, batch: 5 },
      { at: 9_000, do: "tags", dev: 2, count: 4 },
    ],
  };
}

// Realtime delivery under churn (PROTOCOL §8.2): every device writes in
// small commits while pushes are reordered, lost and duplicated, a joiner
// pulls while pushes reach it, a receiver crashes and a one-way cut opens
// gaps. Receivers must hold what arrives after a gap (acked GAP) and what
// arrives mid-pull (HELD) within a 100-change pending bound, apply the
// held batches once the gap closes, and ack each batch by the table
// (honest-answers judges every ack; seeds 1-4 send APPLIED, GAP and HELD
// acks, no DROPPED). The profile's other scenarios push little: most of
// their data moves by Backfill.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function realtimeChurn(p: ScenarioParams): Scenario {
  const n = scaled(400, p.scale, 60);
  return {
    name: "realtime-churn",
    seed: p.seed,
    devices: 3,
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "jittery",
    config: { realtimeMaxBatch: 5, pendingBufferMax: 100, pageMaxChanges: 20 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 5 },
      { at: 300, do: "tags", dev: 1, count: 4 },
      { at: 1_500, do: "weather", weather: "lossy" },
      { at: 2_000, do: "join", dev: 2 },
      { at: 2_100, do: "index", dev: 0, entries: n, batch: 5 },
      { at: 2_200, do: "collections", dev: 1, count: 3 },
      { at: 3_000, do: "crash", dev: 1 },
      { at: 3_200, do: "move", dev: 0, count: 5 },
      { at: 4_000, do: "restart", dev: 1 },
      { at: 5_000, do: "partition", a: 0, b: 2, oneWay: true },
      { at: 5_100, do: "index", dev: 0, entries: n, batch: 5 },
      { at: 6_500, do: "heal", a: 0, b: 2 },
      { at: 6_600, do: "delete", dev: 0, count: 5 },
      { at: 7_000, do: "weather", weather: "calm" },
      { at: 7_100, do: "index", dev: 1, entries: n, batch: 5 },
    ],
  };
}

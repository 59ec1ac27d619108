// A device joins a library that already holds many entries and crashes in
// the middle of its backfill (on a slow link), twice; on restart it must
// resume from its last applied page, not start over or lose pages.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function crashMidBackfill(p: ScenarioParams): Scenario {
  const n = scaled(30_000, p.scale, 1_000);
  return {
    name: "crash-mid-backfill",
    seed: p.seed,
    devices: Math.max(2, p.devices ?? 2),
    chaosMs: 30_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pageMaxChanges: 100 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 500 },
      { at: 3_000, do: "clog", a: 0, b: 1, bytesPerMs: 20 },
      { at: 3_000, do: "join", dev: 1 },
      { at: 5_000, do: "crash", dev: 1 },
      { at: 6_000, do: "restart", dev: 1 },
      { at: 9_000, do: "crash", dev: 1 },
      { at: 10_000, do: "restart", dev: 1 },
      { at: 12_000, do: "tags", dev: 0, count: 5 },
    ],
  };
}

// Clocks lie: one device runs minutes ahead, one drifts and jumps back,
// one starts at the Unix epoch. Shared edits on the same tags must still
// converge by (hlc, origin) and no HLC may go backwards or wrap.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function clockSkew(p: ScenarioParams): Scenario {
  const n = scaled(5_000, p.scale, 50);
  return {
    name: "clock-skew",
    seed: p.seed,
    devices: 3,
    chaosMs: 20_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "jittery",
    steps: [
      { at: 0, do: "clock", dev: 1, skewMs: 240_000 },
      { at: 0, do: "clock", dev: 2, epochZero: true },
      { at: 0, do: "clock", dev: 0, drift: 0.01 },
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 20, do: "index", dev: 1, entries: n, batch: 100 },
      { at: 30, do: "index", dev: 2, entries: n, batch: 100 },
      { at: 2_000, do: "tags", dev: 0, count: 10 },
      { at: 2_001, do: "tags", dev: 1, count: 10 },
      { at: 2_002, do: "tags", dev: 2, count: 10 },
      { at: 5_000, do: "clock", dev: 0, jumpMs: -120_000 },
      { at: 6_000, do: "tags", dev: 0, count: 10 },
      { at: 6_001, do: "tags", dev: 1, count: 10 },
      { at: 8_000, do: "clock", dev: 1, jumpMs: 30_000 },
      { at: 9_000, do: "collections", dev: 2, count: 10 },
      { at: 9_001, do: "collections", dev: 0, count: 10 },
    ],
  };
}

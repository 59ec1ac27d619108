// An origin restores a stale backup while a joiner is mid-pull of its
// stream (bug 1 meets §3.7 rule 2c): d1's pull from d0 has applied pages
// above the backup's head when d0 goes back to it and writes at once,
// before any exchange. d1's frozen cursor hides what it already holds, so
// d0's new changes must wait until d1's pull is over (or renumber above
// it): confirmed at the first exchange, they would reuse seqs d1 holds.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function restoreMidPull(p: ScenarioParams): Scenario {
  const n = scaled(100_000, p.scale, 600);
  return {
    name: "restore-mid-pull",
    seed: p.seed,
    devices: 2,
    chaosMs: 10_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pageMaxChanges: 50 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: 40, batch: 40 },
      { at: 500, do: "backup", dev: 0 },
      { at: 600, do: "index", dev: 0, entries: n, batch: 200 },
      { at: 2_000, do: "clog", a: 0, b: 1, bytesPerMs: 20 },
      { at: 2_000, do: "join", dev: 1 },
      { at: 4_000, do: "restore", dev: 0 },
      { at: 4_002, do: "index", dev: 0, entries: 20, batch: 20 },
    ],
  };
}

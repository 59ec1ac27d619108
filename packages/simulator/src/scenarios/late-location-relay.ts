// A relay serving pages while it holds changes below its cursor (issue 11
// bug 10): the origin d0 adds a location, indexes into it and moves files
// there, while the push that carries the new location reaches the relay d1
// 8 s late (late-parents; one change a push, in order on a slow link).
// d1 applies the entries (their stream is contiguous), holds them for the
// location and its cursor passes them — new rows and newer versions of rows
// its table holds. The joiner d2, linked to d1 only, pulls d0's entries
// from d1 then, in pages cut by count and by bytes, so each page must merge
// held changes with table rows without skipping either.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function lateLocationRelay(p: ScenarioParams): Scenario {
  const n = scaled(6_000, p.scale, 60);
  const fresh = scaled(3_000, p.scale, 30);
  return {
    name: "late-location-relay",
    seed: p.seed,
    devices: 3,
    topology: "line",
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    // Pages of at most 4 changes or 450 bytes (two or three entries).
    config: { pageMaxChanges: 4, pageMaxBytes: 450, realtimeMaxBatch: 1 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 20 },
      { at: 1_000, do: "late-parents", a: 0, b: 1, delayMs: 8_000 },
      { at: 1_000, do: "link", a: 0, b: 1, oneWay: true, bytesPerMs: 20 },
      { at: 1_600, do: "index", dev: 0, entries: fresh, batch: 5 },
      { at: 1_700, do: "move", dev: 0, count: 10 },
      { at: 3_000, do: "join", dev: 2 },
      { at: 3_600, do: "index", dev: 0, entries: fresh, batch: 5 },
      { at: 3_700, do: "move", dev: 0, count: 10 },
      { at: 6_000, do: "move", dev: 0, count: 10 },
    ],
  };
}

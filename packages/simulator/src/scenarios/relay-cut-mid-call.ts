// A relay's pull replaces versions while a call it serves is under way
// (line d0 – d1 – d2, PROTOCOL §5.2 BF-18 on a call's later pages): d0
// moves files while d1 pulls them over a slow one-way link, and d2 pulls
// the same stream from d1 over a slow link of its own, in pages of one
// change each (its byte budget is below one change: the first change of a
// page always goes, BF-6). Pages already sent stay good, so the call
// fails as a cut one once a replacement lands; d2 keeps its pages and
// finishes later, holding every row (cursors-contiguous, identical-state).
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams } from "./params.js";

export function relayCutMidCall(p: ScenarioParams): Scenario {
  return {
    name: "relay-cut-mid-call",
    seed: p.seed,
    devices: 3,
    topology: "line",
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pageMaxChanges: 4, pageMaxBytes: 100, realtimeMaxBatch: 1 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: 60, batch: 20 },
      { at: 1_000, do: "link", a: 0, b: 1, oneWay: true, bytesPerMs: 20 },
      { at: 1_000, do: "link", a: 1, b: 2, oneWay: true, bytesPerMs: 4 },
      { at: 1_500, do: "join", dev: 2 },
      { at: 1_600, do: "index", dev: 0, entries: 60, batch: 5 },
      { at: 1_700, do: "move", dev: 0, count: 40 },
      { at: 2_100, do: "move", dev: 0, count: 40 },
      { at: 2_500, do: "move", dev: 0, count: 40 },
      { at: 3_600, do: "index", dev: 0, entries: 60, batch: 5 },
      { at: 3_700, do: "move", dev: 0, count: 40 },
      { at: 4_500, do: "move", dev: 0, count: 40 },
      { at: 6_000, do: "move", dev: 0, count: 10 },
    ],
  };
}

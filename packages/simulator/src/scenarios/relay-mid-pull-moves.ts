// A relay serves a stream it is itself still pulling (line d0 – d1 – d2):
// d0 indexes a new location and moves 40 files at a time while d1 pulls
// the gap over a slow one-way link, so d1's pages land above its frozen
// cursor and replace versions at or below it; the joiner d2 pulls the same
// stream from d1 meanwhile. Served through d1's cursor, d2 finished there
// without the replaced versions (cursors-contiguous on d2, seeds 1–4):
// a relay mid-pull promises nothing its pull replaced (PROTOCOL §5.2 BF-18).
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams } from "./params.js";

export function relayMidPullMoves(p: ScenarioParams): Scenario {
  return {
    name: "relay-mid-pull-moves",
    seed: p.seed,
    devices: 3,
    topology: "line",
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pageMaxChanges: 4, pageMaxBytes: 450, realtimeMaxBatch: 1 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: 20, batch: 20 },
      { at: 1_000, do: "link", a: 0, b: 1, oneWay: true, bytesPerMs: 20 },
      { at: 1_600, do: "index", dev: 0, entries: 60, batch: 5 },
      { at: 1_700, do: "move", dev: 0, count: 40 },
      { at: 2_100, do: "move", dev: 0, count: 40 },
      { at: 2_500, do: "move", dev: 0, count: 40 },
      { at: 3_000, do: "join", dev: 2 },
      { at: 3_600, do: "index", dev: 0, entries: 60, batch: 5 },
      { at: 3_700, do: "move", dev: 0, count: 40 },
      { at: 6_000, do: "move", dev: 0, count: 10 },
    ],
  };
}

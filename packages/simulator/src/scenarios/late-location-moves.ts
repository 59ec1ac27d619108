// Issue 11 bug 10's shape (a relay's page skipped table rows): line
// d0 – d1 – d2. d0 adds a location (a chain of directories) whose push
// reaches the relay d1 8 s late (late-parents, one change a push, in order
// on a 30 B/ms link), then moves files a few at a time for 4 s, some of
// them from its first location into the late one. d1 applies every change
// (the stream is contiguous) and holds the moved versions for the location,
// so its table keeps their superseded versions: several inside one window
// of a page. The joiner d2, linked to d1 only, pulls d0's entries from d1
// in 5-change pages meanwhile. Serving a page from one table window merged
// with every held change skipped table rows: cursors-contiguous on d2.
// Sizes are fixed (a push faster, or moves denser, make d1 pull the gap
// and the location with it, and nothing stays held).
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams } from "./params.js";

const MOVE_STEPS = 40;

export function lateLocationMoves(p: ScenarioParams): Scenario {
  const steps: Scenario["steps"][number][] = [
    { at: 10, do: "index", dev: 0, entries: 60, batch: 20 },
    { at: 1_000, do: "late-parents", a: 0, b: 1, delayMs: 8_000 },
    { at: 1_000, do: "link", a: 0, b: 1, oneWay: true, bytesPerMs: 30 },
    // Mostly directories: most moves across locations land in the late one.
    { at: 1_600, do: "index", dev: 0, entries: 20, batch: 5, depth: 15 },
  ];
  for (let k = 0; k < MOVE_STEPS; k++)
    steps.push({ at: 1_700 + k * 100, do: "move", dev: 0, count: 4 });
  steps.push({ at: 1_750 + MOVE_STEPS * 100, do: "join", dev: 2 });
  return {
    name: "late-location-moves",
    seed: p.seed,
    devices: 3,
    topology: "line",
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pageMaxChanges: 5, realtimeMaxBatch: 1 },
    steps,
  };
}

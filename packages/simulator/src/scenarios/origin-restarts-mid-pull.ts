// The origin restarts while a joiner pulls its own entries (issue 11
// follow-up to simulator property scenario 13): d0 renamed many entries,
// so the stream it serves has holes and d1's pull, cut when d0 crashes,
// cannot end gap-free (§3.5 CU-5). d0 restarts and writes entries before
// any exchange: its new incarnation lists the stream with no cursor and
// waits on d1's pull, which it never saw asked (§3.7 rule 2c), while d1
// resumes only from a source listing a cursor. d1 probes d0 (OR-5).
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function originRestartsMidPull(p: ScenarioParams): Scenario {
  const n = scaled(100_000, p.scale, 1_000);
  return {
    name: "origin-restarts-mid-pull",
    seed: p.seed,
    devices: 2,
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pageMaxChanges: 50 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 500 },
      { at: 1_500, do: "move", dev: 0, count: Math.round(n / 5) },
      { at: 3_000, do: "clog", a: 0, b: 1, bytesPerMs: 20 },
      { at: 3_000, do: "join", dev: 1 },
      { at: 5_000, do: "crash", dev: 0 },
      { at: 7_000, do: "restart", dev: 0 },
      { at: 7_002, do: "index", dev: 0, entries: 20, batch: 20 },
    ],
  };
}

// A cut pull resumed from a second source (issue 11, bug 14): d1 pulls
// d0's 400 entries and is cut off from d0, which then moves 100 of them
// (new versions at seqs above 400; their old seqs are gone from d0). The
// joiner d2 pulls d0's entries from d0 alone over a slow link, and d0
// crashes for good part-way: d2's pages through its resume point R skipped
// the moved rows (d0 held them above R). d2 then meets d1 (cursor 400,
// holding those rows at their old seqs, some at or below R). Resumed after
// R, d1 never served them and d2 finished at 400 without them
// (cursors-contiguous on d2). A resume point holds only with the source
// that served it; with another, the pull resumes from its gap-free point
// (PROTOCOL §5.2 BF-19).
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams } from "./params.js";

export function resumeFromSecondSource(p: ScenarioParams): Scenario {
  return {
    name: "resume-from-second-source",
    seed: p.seed,
    devices: 3,
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    keepDown: [0],
    config: { pageMaxChanges: 4 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: 400, batch: 50 },
      { at: 1_500, do: "partition", a: 0, b: 1 },
      { at: 1_600, do: "move", dev: 0, count: 100 },
      // d2 pulls from d0 alone: the origin is its first source.
      { at: 1_900, do: "partition", a: 1, b: 2 },
      { at: 2_000, do: "clog", a: 0, b: 2, bytesPerMs: 10 },
      { at: 2_000, do: "join", dev: 2 },
      { at: 3_000, do: "crash", dev: 0 },
      { at: 3_100, do: "heal", a: 1, b: 2 },
    ],
  };
}

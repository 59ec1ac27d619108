// Issue 11 bug 14: a cut pull resumed from a second source. Unfixed:
// cursors-contiguous on d2 at every seed 1-4 ("cursor 400 on d2: row …
// should be live at seq 14, holds nothing"): d2 resumed d0's entries from
// d1 after the resume point its pages from d0 had reached, and d1 held
// rows d0 had moved above it at their old seqs, at or below that point.
import { Resource } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { deviceIdOf } from "../ids.js";
import { namedReplay } from "../replay.js";
import type { Scenario } from "../scenario.js";
import { runScenario } from "../simulation.js";
import { summaryLines } from "../summary.js";
import { engine } from "../test-support.js";
import { SCENARIOS } from "./index.js";

type LogEvent = {
  device?: string;
  event?: string;
  peer?: string;
  stream?: string;
  reason?: string;
  afterSeq?: number | null;
  completeThrough?: number | null;
};

/** What d2's logs show of its pull of `stream`: from d0 (cut), then from d1. */
function pullsOfJoiner(logText: string, stream: string) {
  const [d0, d1, d2] = [deviceIdOf(0), deviceIdOf(1), deviceIdOf(2)];
  let resumePoint = 0;
  let finishedFromOrigin = false;
  const fromRelay: (number | null)[] = [];
  for (const line of logText.split("\n")) {
    if (!line.includes(stream)) continue;
    const e = JSON.parse(line) as LogEvent;
    if (e.device !== d2 || e.stream !== stream) continue;
    if (e.event === "pull-page" && e.peer === d0)
      resumePoint = Math.max(resumePoint, e.completeThrough ?? 0);
    if (e.event === "pull-finished" && e.peer === d0) finishedFromOrigin = true;
    if (e.event === "pull-started" && e.peer === d1) fromRelay.push(e.afterSeq ?? null);
  }
  return { resumePoint, finishedFromOrigin, fromRelay };
}

describe("resume-from-second-source (issue 11 bug 14)", () => {
  test("a-pull-resumed-from-a-second-source-restarts-at-the-cursor (seeds 1-4)", async () => {
    const stream = `${deviceIdOf(0)}/${Resource.ENTRY}`;
    for (const seed of [1, 2, 3, 4]) {
      const spec = SCENARIOS["resume-from-second-source"]?.({ seed }) as Scenario;
      const r = await runScenario(spec, { adapter: await engine(), keepLogs: true });
      const replay = namedReplay({ kind: "named", name: "resume-from-second-source", seed });
      if (!r.ok) throw new Error(summaryLines(r, replay).join("\n"));
      // The state: d2's pull from d0 was cut part-way (d0 crashed for good),
      // and d2 finished it from d1 — not after that resume point.
      const pulls = pullsOfJoiner(r.logText, stream);
      expect(pulls.finishedFromOrigin).toBe(false);
      expect(pulls.resumePoint).toBeGreaterThan(0);
      expect(pulls.fromRelay.length).toBeGreaterThan(0);
      for (const after of pulls.fromRelay) expect(after ?? 0).toBeLessThan(pulls.resumePoint);
    }
  }, 300_000);
});

// The indexer is a process of its device: a crash, restore or corruption
// restart ends it. It once kept walking after a restore from an older
// backup and committed children of directories the restored disk never
// had; the engine rightly refused them ("a written row references a missing
// parent", a no-engine-errors failure of `pnpm sim:soak`, issue 11).
import { describe, expect, test } from "vitest";
import { specReplay } from "../replay.js";
import type { Scenario } from "../scenario.js";
import { runScenario } from "../simulation.js";
import { summaryLines } from "../summary.js";
import { engine } from "../test-support.js";

const base = {
  name: "indexer-restore",
  seed: 3,
  devices: 2,
  chaosMs: 30_000,
  healMs: 400_000,
  weather: "calm",
} as const;

describe("index-tree workload", () => {
  test("an indexer dies with its device: a restore mid-index commits nothing under lost parents", async () => {
    // 2,301 entries in bursts of 10 a millisecond apart; the device is
    // restored from a backup taken before the indexing began, mid-walk.
    const s: Scenario = {
      ...base,
      steps: [
        { at: 1, do: "backup", dev: 0 },
        { at: 9, do: "index", dev: 0, entries: 2301, batch: 10 },
        { at: 100, do: "restore", dev: 0, which: 0 },
      ],
    };
    const r = await runScenario(s, { adapter: await engine(), keepTrace: true });
    expect(r.ok, summaryLines(r, specReplay(s)).join("\n")).toBe(true);
    const records = r.world.trace.records();
    const restoredAt = records.find((x) => x.k === "fault" && x.op === "restore-stale-backup")?.t;
    expect(restoredAt).toBe(100);
    const indexed = records.filter((x) => x.k === "work" && x.op === "index");
    expect(indexed.length).toBeGreaterThan(10);
    expect(indexed.filter((x) => Number(x.t) > 100)).toEqual([]);
  }, 180_000);
});

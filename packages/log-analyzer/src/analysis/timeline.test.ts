import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LogParser } from "../mining/log-parser.js";
import { scanFiles } from "./scan.js";
import { TimelineCollector, type TimelineOptions, type TimelineReport } from "./timeline.js";

const dir = mkdtempSync(join(tmpdir(), "la-timeline-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function timeline(times: number[], opts: TimelineOptions = {}): Promise<TimelineReport> {
  const f = join(dir, `t-${times.length}-${times[times.length - 1]}.jsonl`);
  const lines = times.map((time, i) =>
    JSON.stringify({ level: 30, time, device: "d", msg: `e ${i}` }),
  );
  writeFileSync(f, `${lines.join("\n")}\n`);
  const tl = new TimelineCollector(opts);
  await scanFiles([f], new LogParser(), [tl]);
  return tl.report();
}

describe("timeline gaps", () => {
  it("gap detection reported 4 ms gaps as silence (threshold 5e-324): only unusual silences count", async () => {
    // Bursts of events in one millisecond, 4 ms apart, and one 3 s silence.
    const times: number[] = [];
    for (let burst = 0; burst < 60; burst++) {
      const at = 1_000 + burst * 4 + (burst >= 30 ? 3_000 : 0);
      for (let k = 0; k < 5; k++) times.push(at);
    }
    const r = await timeline(times);
    const lane = r.lanes[0];
    expect(lane?.gaps).toEqual([{ start: 1_116, end: 4_120, duration: 3_004 }]);
    expect(lane?.gapThreshold).toBeGreaterThanOrEqual(100);
    expect(r.gapThreshold).toBeGreaterThanOrEqual(100);
  });

  it("a lane whose events all share one millisecond has no gaps and a finite threshold", async () => {
    const r = await timeline(Array.from({ length: 100 }, () => 5_000));
    expect(r.lanes[0]?.gaps).toEqual([]);
    expect(r.gapThreshold).toBe(100);
  });

  it("scales with the lane: 10× the typical spacing, and --gap overrides it", async () => {
    const steady = Array.from({ length: 200 }, (_, i) => i * 1_000 + (i >= 100 ? 29_000 : 0));
    const r = await timeline(steady);
    expect(r.lanes[0]?.gaps.map((g) => g.duration)).toEqual([30_000]);
    const forced = await timeline(steady, { gap: 500 });
    expect(forced.gapThreshold).toBe(500);
    expect(forced.lanes[0]?.gaps.length).toBe(50);
  });
});

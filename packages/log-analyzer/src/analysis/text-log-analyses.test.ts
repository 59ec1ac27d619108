import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { javaLog, syslogLines } from "../../test/fixtures/text-logs.js";
import { detectLogFormat } from "../mining/header-detect.js";
import { detectLineTime } from "../mining/line-time.js";
import { LogParser, type ParserOptions } from "../mining/log-parser.js";
import { AnomalyCollector } from "./anomalies.js";
import { scanFiles } from "./scan.js";
import { ErrorCounter, templatesReport } from "./templates-report.js";
import { TimelineCollector } from "./timeline.js";

const dir = mkdtempSync(join(tmpdir(), "la-text-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Writes the lines (CRLF) and scans them as the CLI does: header and stamp detected.
async function analyse(name: string, lines: readonly string[], opts: ParserOptions = {}) {
  const f = join(dir, name);
  writeFileSync(f, `${lines.join("\r\n")}\r\n`);
  const sample = lines.slice(0, 400);
  const format = detectLogFormat(sample);
  const parser = new LogParser({
    ...(format === null ? {} : { format }),
    lineTime: detectLineTime(sample),
    ...opts,
  });
  const tl = new TimelineCollector();
  const an = new AnomalyCollector();
  const errors = new ErrorCounter();
  await scanFiles([f], parser, [tl, an, errors]);
  return {
    timeline: tl.report(parser.clock()),
    anomalies: an.report(parser.templates(), false),
    templates: templatesReport(parser.templates(), errors, an.lines),
  };
}

describe("text logs analysed on their own clock", { timeout: 60_000 }, () => {
  it("steady-error-rate-is-no-burst: a Java log with a steady 1% error rate has none", async () => {
    const r = await analyse("steady.log", javaLog({ seed: 5, records: 2000, errorRate: 0.01 }));
    const errorRecords = r.templates.templates.reduce((n, t) => n + t.errors, 0);
    expect(errorRecords).toBeGreaterThanOrEqual(10);
    expect(r.anomalies.bursts).toEqual([]);
  });

  it("error-cluster-is-a-burst: named by its start, end and count, in time", async () => {
    const lines = javaLog({ seed: 5, records: 2000, errorRate: 0.01, cluster: [1400, 1430] });
    const r = await analyse("cluster.log", lines);
    expect(r.anomalies.bursts).toHaveLength(1);
    const b = r.anomalies.bursts[0];
    expect(b?.unit).toBe("ms");
    // The burst lies within the cluster's records, and its count is of records, not frames.
    const clusterLines = lines
      .map((l, i) => [l, i + 1] as const)
      .filter(([l]) => / ERROR /.test(l))
      .map(([, n]) => n);
    const inBurst = clusterLines.filter((n) => n >= (b?.firstLine ?? 0) && n <= (b?.lastLine ?? 0));
    expect(b?.errors).toBe(inBurst.length);
    expect(b?.errors).toBeGreaterThanOrEqual(8);
    expect(b?.end).toBeGreaterThan(b?.start ?? Number.POSITIVE_INFINITY);
    expect((b?.end ?? 0) - (b?.start ?? 0)).toBeLessThan(30 * 50);
  });

  it("timeline-clock-from-line-stamps: the timeline of a stamped text log is in ms", async () => {
    const r = await analyse("clock.log", javaLog({ seed: 6, records: 300 }));
    expect(r.timeline.unit).toBe("ms");
    expect(r.timeline.clock).toContain('line stamps "iso"');
    expect(new Date(r.timeline.start).toISOString()).toMatch(/^2024-03-10T08:00/);
    expect(r.timeline.untimed).toBe(0);
  });

  it("a text log without stamps keeps the line clock", async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `worker ${i % 3} did step ${i}`);
    const r = await analyse("plain.log", lines);
    expect(r.timeline.unit).toBe("line");
    expect(r.timeline.clock).toMatch(/^line numbers/);
    expect(r.timeline.end).toBe(50);
  });

  it("lines before a file's first stamp are counted but not placed", async () => {
    const lines = ["banner: starting", "banner: config ok", ...javaLog({ seed: 7, records: 100 })];
    const r = await analyse("banner.log", lines);
    expect(r.timeline.unit).toBe("ms");
    expect(r.timeline.untimed).toBe(2);
    expect(r.timeline.lanes[0]?.events).toBe(lines.length);
  });

  it("each-file-its-own-stamp: two files of different stamps are each read on their own", async () => {
    const java = join(dir, "a-java.log");
    const sys = join(dir, "b-syslog.log");
    writeFileSync(java, `${javaLog({ seed: 8, records: 200 }).join("\n")}\n`);
    writeFileSync(sys, `${syslogLines(300, 5).join("\n")}\n`);
    const parser = new LogParser({ assumedYear: 2023 });
    const tl = new TimelineCollector();
    const seen: string[] = [];
    await scanFiles([java, sys], parser, [tl], undefined, {
      lineTimes: true,
      onInput: () => seen.push(parser.inputClock()),
    });
    expect(seen[0]).toContain('"iso"');
    expect(seen[1]).toContain('"syslog"');
    const r = tl.report(parser.clock());
    expect(r.clock).toContain('"iso"');
    expect(r.clock).toContain('"syslog"');
    expect(r.untimed).toBe(0);
    expect(new Date(r.start).toISOString()).toMatch(/^2023-12-31T23:/);
    expect(new Date(r.end).toISOString()).toMatch(/^2024-03-10T08:/);
  });
});

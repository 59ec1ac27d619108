import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeEngineLog } from "../../test/fixtures/engine-log.js";
import { LogParser } from "../mining/log-parser.js";
import { AnomalyCollector } from "./anomalies.js";
import { CondenseCollector, type CondensedEntry } from "./condense.js";
import { DiffCollector } from "./diff.js";
import { scanFiles } from "./scan.js";
import { ErrorCounter, templatesReport } from "./templates-report.js";
import { TimelineCollector } from "./timeline.js";

const dir = mkdtempSync(join(tmpdir(), "la-analyses-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const good = join(dir, "good.jsonl");
const bad = join(dir, "bad.jsonl");
writeEngineLog(good, { seed: 1, knownBad: false, rounds: 12 });
writeEngineLog(bad, { seed: 2, knownBad: true, rounds: 12 });

function pino(time: number, fields: Record<string, unknown>, msg: string, level = 30): string {
  return JSON.stringify({ level, time, ...fields, msg });
}

describe("analyses", { timeout: 60_000 }, () => {
  it("diff lists the recovery templates as only in the run with the bad switch", async () => {
    const diff = new DiffCollector();
    const parser = new LogParser();
    await scanFiles([good, bad], parser, [diff]);
    const r = diff.report(parser.templates());
    const onlyB = r.rows.filter((x) => x.status === "only-b").map((x) => x.template);
    expect(onlyB).toEqual(
      expect.arrayContaining([
        "[count-mismatch] count mismatch on stream <hex>/<num>: expected <num> entries, have <num>",
        "[watermark-reset] watermark for stream <hex>/<num> cleared",
        "[backfill] backfilled <num> missing entries",
      ]),
    );
    expect(r.onlyA).toBe(0);
  });

  it("anomalies find the error burst, the retry loop and the failed-only templates", async () => {
    const an = new AnomalyCollector();
    const parser = new LogParser();
    await scanFiles([bad, good], parser, [an]);
    const r = an.report(parser.templates(), true);
    expect(r.bursts.length).toBe(1);
    expect(r.bursts[0]?.errors).toBe(5);
    const loop = r.loops.find((l) => l.templates.some((t) => t.startsWith("[backfill-retry]")));
    expect(loop?.repeats).toBe(5);
    expect(loop?.templates.length).toBe(2);
    expect(r.onlyInFailed?.map((t) => t.template)).toContain(
      "[rpc-error] backfill rpc failed: deadline_exceeded",
    );
    expect(r.rare.some((t) => t.template.startsWith("[count-mismatch]"))).toBe(true);
  });

  it("timeline has one lane per device with phases from state transitions and silent gaps", async () => {
    const f = join(dir, "tl.jsonl");
    const lines = [
      pino(1000, { event: "peer-state", device: "d1", state: "connecting" }, "connecting"),
      pino(1010, { event: "peer-state", device: "d1", state: "ready" }, "ready"),
      pino(1020, { event: "pull", device: "d1" }, "pulled 3"),
      pino(1030, { event: "pull", device: "d1" }, "pulled 4"),
      pino(9000, { event: "pull", device: "d1" }, "pulled 5", 50),
      pino(1005, { event: "peer-state", device: "d2", state: "ready" }, "ready"),
    ];
    writeFileSync(f, `${lines.join("\n")}\n`);
    const tl = new TimelineCollector();
    await scanFiles([f], new LogParser(), [tl]);
    const r = tl.report();
    expect(r.unit).toBe("ms");
    expect(r.lanes.map((l) => l.lane)).toEqual(["d1", "d2"]);
    const d1 = r.lanes[0];
    expect(d1?.phases.map((p) => [p.state, p.start, p.end])).toEqual([
      ["connecting", 1000, 1010],
      ["ready", 1010, 9000],
    ]);
    expect(d1?.gaps).toEqual([{ start: 1030, end: 9000, duration: 7970 }]);
    expect(d1?.errors).toBe(1);
  });

  it("condense collapses runs of one template with a count and distinct parameters", async () => {
    const f = join(dir, "c.log");
    writeFileSync(f, "start\nretry 1\nretry 2\nretry 3\nretry 3\ndone\n");
    const out: CondensedEntry[] = [];
    const c = new CondenseCollector((e) => out.push(e));
    await scanFiles([f], new LogParser(), [c]);
    c.flush();
    expect(out.map((e) => [e.text, e.count, e.firstLine, e.lastLine])).toEqual([
      ["start", 1, 1, 1],
      ["retry 1", 4, 2, 5],
      ["done", 1, 6, 6],
    ]);
    expect(out[1]?.distinctParams).toEqual([3]);
  });

  it("analyze reports counts, first/last lines and error counts per template", async () => {
    const errors = new ErrorCounter();
    const parser = new LogParser();
    const [n] = await scanFiles([bad], parser, [errors]);
    const r = templatesReport(parser.templates(), errors, n ?? 0);
    const rpc = r.templates.find((t) => t.template.startsWith("[rpc-error]"));
    expect(rpc?.count).toBe(5);
    expect(rpc?.errors).toBe(5);
    expect(r.templates.reduce((a, t) => a + t.count, 0)).toBe(n);
  });
});

// The CLI on text logs with and without --format: unmatched lines are
// reported once with a count, and a syslog log without --format is split by
// its detected header.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./fixtures/run-cli.js";
import { javaLog, syslogLines } from "./fixtures/text-logs.js";

const dir = mkdtempSync(join(tmpdir(), "la-format-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (...args: string[]) => runCli(dir, ...args);

describe("tidemark-logs formats", { timeout: 120_000 }, () => {
  it("format-lines-silently-unmatched: warns once, with a count and the first place", () => {
    const log = join(dir, "mixed.log");
    writeFileSync(log, "INFO: a 1\nstray line\nINFO: a 2\nanother stray\n");
    const r = cli("analyze", log, "--format", "<Level>: <Content>", "--json");
    expect(r.code).toBe(0);
    const warnings = r.stderr.split("\n").filter((l) => l.includes("did not match the format"));
    expect(warnings).toEqual([
      `tidemark-logs: warning: 2 lines did not match the format and were mined whole (first: ${log}:2)`,
    ]);
  });

  it("syslog-split-by-month: detects the header when no --format is given", () => {
    const log = join(dir, "syslog.log");
    const months = ["Jan", "Feb", "Mar"];
    const lines = Array.from(
      { length: 30 },
      (_, i) =>
        `${months[i % 3]} ${1 + i} 10:0${i % 10}:00 host${i % 4} sshd[${900 + i}]: session closed for user u${i}`,
    );
    writeFileSync(log, `${lines.join("\n")}\n`);
    const r = cli("analyze", log, "--json");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'detected header format "<Month> <Day> <Time> <Host> <Component>: <Content>"',
    );
    const report = JSON.parse(r.stdout) as { templates: { template: string; count: number }[] };
    expect(report.templates.map((t) => [t.template, t.count])).toEqual([
      ["session closed for user <*>", 30],
    ]);
  });

  it("text-log-timeline-on-its-stamps: says its clock, joins stack traces, names the burst", () => {
    const log = join(dir, "java.log");
    writeFileSync(
      log,
      `${javaLog({ seed: 5, records: 1500, errorRate: 0.01, cluster: [900, 930] }).join("\r\n")}\r\n`,
    );
    const tl = cli("timeline", log, "--json");
    expect(tl.code).toBe(0);
    expect(tl.stderr).toContain('times from line stamps "iso"');
    const t = JSON.parse(tl.stdout) as { unit: string; clock: string; start: number };
    expect(t.unit).toBe("ms");
    expect(t.clock).toContain('line stamps "iso"');
    expect(new Date(t.start).toISOString()).toMatch(/^2024-03-10T08:00/);
    const an = cli("analyze", log, "--json");
    const report = JSON.parse(an.stdout) as { templates: { template: string; errors: number }[] };
    expect(report.templates.map((x) => x.template)).toContain("<continuation>");
    expect(report.templates.some((x) => /^at |Caused by|\.java|more$/.test(x.template))).toBe(
      false,
    );
    const anomalies = cli("anomalies", log);
    expect(anomalies.code).toBe(0);
    expect(anomalies.stdout).toMatch(/Error bursts: 1\n/);
    expect(anomalies.stdout).toMatch(/2024-03-10 \d{2}:\d{2}:\d{2}\.\d{3} +2024-03-10 /);
  });

  it("syslog-without-year: --year sets the assumed year, --no-times keeps line numbers", () => {
    const log = join(dir, "newyear.log");
    writeFileSync(log, `${syslogLines(1500, 2).join("\n")}\n`);
    const dated = JSON.parse(cli("timeline", log, "--year", "2019", "--json").stdout) as {
      start: number;
      end: number;
      clock: string;
    };
    expect(new Date(dated.start).toISOString()).toMatch(/^2019-12-31T23:/);
    expect(new Date(dated.end).toISOString()).toMatch(/^2020-01-01T/);
    expect(dated.clock).toContain("2019 assumed");
    const lines = JSON.parse(cli("timeline", log, "--no-times", "--json").stdout) as {
      unit: string;
      end: number;
    };
    expect(lines).toMatchObject({ unit: "line", end: 1500 });
  });

  it("multi-file-header-per-file: each input is split by its own detected header", () => {
    const a = join(dir, "run-a.log");
    const b = join(dir, "run-b.log");
    const users = Array.from({ length: 30 }, (_, i) => i);
    writeFileSync(
      a,
      `${users.map((i) => `Dec  6 02:14:${String(10 + i)} host${i % 3} sshd[${900 + i}]: session closed for user u${i}`).join("\n")}\n`,
    );
    writeFileSync(
      b,
      `${users.map((i) => `2026-12-06 02:15:${String(10 + i)},123 INFO [main] org.example.Sshd: session closed for user u${i}`).join("\n")}\n`,
    );
    const r = cli("diff", a, b, "--json", "--all");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `${a}: detected header format "<Month> <Day> <Time> <Host> <Component>: <Content>"`,
    );
    expect(r.stderr).toMatch(
      new RegExp(`${b}: detected header format "[^"]*<Level>[^"]*<Content>"`),
    );
    expect(r.stderr).not.toContain("did not match the format");
    const diff = JSON.parse(r.stdout) as {
      rows: { template: string; countA: number; countB: number }[];
    };
    expect(diff.rows.map((x) => [x.template, x.countA, x.countB])).toEqual([
      ["session closed for user <*>", 30, 30],
    ]);
  });

  it("twelve-hour-stamps-after-a-banner: the timeline reads PM times of the majority stamp", () => {
    const log = join(dir, "banner.log");
    const banner = ["==== service v1.2 ====", "config: /etc/app.conf", "mode: production"];
    const body = Array.from(
      { length: 40 },
      (_, i) => `12/06/2026 02:${String(10 + i)}:03 PM worker ${i % 4} finished job ${i}`,
    );
    writeFileSync(log, `${[...banner, ...body].join("\n")}\n`);
    const r = cli("timeline", log, "--json");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('times from line stamps "M/d/yyyy"');
    const t = JSON.parse(r.stdout) as { unit: string; start: number; end: number };
    expect(t.unit).toBe("ms");
    expect(new Date(t.start).toISOString()).toBe("2026-12-06T14:10:03.000Z");
    expect(new Date(t.end).toISOString()).toBe("2026-12-06T14:49:03.000Z");
  });

  it("mixed-stamp-file-round-trip: compress and decompress a file of many stamp shapes", () => {
    const log = join(dir, "stamps.log");
    const stamps = [
      (i: number) => `12/06/2026 ${1 + (i % 12)}:14:0${i % 10} PM`,
      (i: number) => `déc. ${1 + (i % 28)} 02:14:0${i % 10}`,
      (i: number) => `I1206 02:14:0${i % 10}.12345${i % 10}    42 main.go:${i}]`,
      (i: number) => `Sun, 06 Dec 2026 02:14:0${i % 10} +0000`,
    ];
    const lines = Array.from(
      { length: 2000 },
      (_, i) => `${(stamps[i % 4] as (i: number) => string)(i)} job ${i} took ${i * 7} ms`,
    );
    writeFileSync(log, `${lines.join("\n")}\n`);
    const out = join(dir, "stamps.log.tdlz");
    const back = join(dir, "stamps.back.log");
    expect(cli("compress", log, "-o", out).code).toBe(0);
    expect(cli("decompress", out, "-o", back).code).toBe(0);
    expect(readFileSync(back).equals(readFileSync(log))).toBe(true);
  });
});

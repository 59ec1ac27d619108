// The CLI on text logs with and without --format: unmatched lines are
// reported once with a count, and a syslog log without --format is split by
// its detected header.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./fixtures/run-cli.js";

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
});

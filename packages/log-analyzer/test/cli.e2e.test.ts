// End-to-end: the real CLI as a child process on real files.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeEngineLog } from "./fixtures/engine-log.js";

const BIN = join(import.meta.dirname, "..", "bin", "tidemark-logs.mjs");
const DATA = join(import.meta.dirname, "../../../../shared/data/loghub-2k");
const dir = mkdtempSync(join(tmpdir(), "la-cli-"));

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    timeout: 150_000,
    env: { ...process.env, INIT_CWD: dir },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A stand-in for `pnpm sim --scenario leapfrog --trace FILE`: the same run
// shape with and without the known-bad leapfrog switch.
const passing = join(dir, "leapfrog-pass.jsonl");
const failing = join(dir, "leapfrog-bad.jsonl");
writeEngineLog(passing, { seed: 11, knownBad: false });
writeEngineLog(failing, { seed: 12, knownBad: true });

interface DiffJson {
  rows: { status: string; template: string; countA: number; countB: number }[];
  onlyA: number;
}

// Each test starts real processes (tsx-compiled CLI, gzip, zstd): allow for a busy machine.
describe("tidemark-logs CLI", { timeout: 180_000 }, () => {
  it("diff shows the recovery templates that only the run with the bad switch has", () => {
    const r = cli("diff", passing, failing, "--json");
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as DiffJson;
    const onlyB = j.rows.filter((x) => x.status === "only-b").map((x) => x.template);
    expect(onlyB).toEqual([
      "[backfill-retry] backfill request timed out, retrying (attempt <num>)",
      "[rpc-error] backfill rpc failed: deadline_exceeded",
      "[count-mismatch] count mismatch on stream <hex>/<num>: expected <num> entries, have <num>",
      "[peer-state] watermark leapfrog detected, starting recovery",
      "[watermark-reset] watermark for stream <hex>/<num> cleared",
      "[backfill] backfilled <num> missing entries",
      "[count-check] counts match after recovery: <num> entries",
    ]);
    expect(j.onlyA).toBe(0);
    // The shared templates line up across both runs.
    expect(j.rows.find((x) => x.template === "[peer-state] peer ready")?.countA).toBeGreaterThan(0);
  });

  it("diff prints a terminal table by default", () => {
    const r = cli("diff", passing, failing);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/only-b\s+0\s+1\s+\+1\s+\[watermark-reset\]/);
  });

  it("anomalies with a baseline lists the failed-only templates", () => {
    const r = cli("anomalies", failing, "--baseline", passing, "--json");
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      onlyInFailed: { template: string }[];
      loops: unknown[];
      bursts: unknown[];
    };
    expect(j.onlyInFailed.length).toBe(7);
    expect(j.loops.length).toBe(1);
    expect(j.bursts.length).toBe(1);
  });

  it("compress and decompress restore a dataset byte for byte and compare against gzip and zstd", () => {
    const src = join(DATA, "Proxifier", "Proxifier_2k.log");
    const out = join(dir, "p.tdlz");
    const c = cli("compress", src, "-o", out, "--compare", "--json");
    expect(c.code, c.stderr).toBe(0);
    const j = JSON.parse(c.stdout) as {
      ratio: number;
      gzip9: { ratio: number };
      tdlzVsGzip9: number;
    };
    expect(j.tdlzVsGzip9).toBeGreaterThan(1);
    const d = cli("decompress", out, "-o", join(dir, "p.log"));
    expect(d.code, d.stderr).toBe(0);
    expect(Buffer.compare(readFileSync(join(dir, "p.log")), readFileSync(src))).toBe(0);
  });

  it("condense collapses the retry run of a log", () => {
    const r = cli("condense", failing);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("[engine-start]");
    expect(r.stdout.split("\n").length).toBeLessThan(1200);
  });

  it("fails clearly on a missing file and on a bad option", () => {
    const missing = cli("analyze", join(dir, "nope.log"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("[input_unreadable]");
    const bad = cli("compress", passing, "--quality", "12");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--quality");
    const corrupt = cli("decompress", passing, "-o", join(dir, "x"));
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toContain("[corrupt_container]");
  });
});

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
if (CHROMIUM === undefined) {
  console.warn(
    "skipping the headless-Chromium HTML test: no chromium at /usr/bin/chromium (apt-get install -y chromium)",
  );
}

describe.skipIf(CHROMIUM === undefined)("HTML report in headless Chromium", () => {
  it("renders one self-contained page with the timeline chart", () => {
    const html = join(dir, "report.html");
    const r = cli("analyze", failing, "--html", html);
    expect(r.code, r.stderr).toBe(0);
    const page = readFileSync(html, "utf8");
    expect(page).not.toMatch(/<script|<link|\ssrc=|url\(http/i);
    const flags = [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--user-data-dir=${mkdtempSync(join(tmpdir(), "chromium-"))}`,
    ];
    const dom = spawnSync(CHROMIUM as string, [...flags, "--dump-dom", `file://${html}`], {
      encoding: "utf8",
      timeout: 90_000,
    });
    expect(dom.status, dom.stderr).toBe(0);
    expect(dom.stdout).toContain('<svg xmlns="http://www.w3.org/2000/svg" id="timeline"');
    expect((dom.stdout.match(/class="lane"/g) ?? []).length).toBe(3);
    expect(dom.stdout).toContain('class="phase"');
    const png = join(dir, "report.png");
    const shot = spawnSync(
      CHROMIUM as string,
      [...flags, `--screenshot=${png}`, "--window-size=1200,900", `file://${html}`],
      {
        encoding: "utf8",
        timeout: 90_000,
      },
    );
    expect(shot.status, shot.stderr).toBe(0);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(bytes.length).toBeGreaterThan(10_000);
  }, 180_000);
});

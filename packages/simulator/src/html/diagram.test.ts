// The space-time diagram of a shrunk failure is a self-contained page that
// opens in headless Chromium without errors (its script runs and marks the
// body). Needs /usr/bin/chromium (CI: `apt-get install -y chromium`).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { huntMutant } from "../mutants.js";
import { specReplay } from "../replay.js";
import { runScenario } from "../simulation.js";
import { summaryLines } from "../summary.js";
import { engine } from "../test-support.js";
import { esc, renderDiagram } from "./diagram.js";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

describe("space-time diagram", () => {
  test("escapes markup in trace text", () => {
    expect(esc(`<script>"x"&'y'</script>`)).not.toMatch(/[<>"']/);
  });

  test("a trace cut at maxRecords still shows its verdict", () => {
    const html = renderDiagram({
      title: "cut",
      devices: 1,
      maxRecords: 1,
      records: [
        { t: 0, k: "phase", name: "chaos" },
        { t: 1, k: "phase", name: "check" },
        { t: 2, k: "property", ok: false, property: "p", detail: "d" },
      ],
      summary: [],
    });
    expect(html).toContain("FAILED p: d");
    expect(html).not.toContain("phase check");
  });

  test("the diagram of a shrunk failure opens in headless Chromium without errors", async () => {
    const adapter = await engine();
    const hunt = await huntMutant("missingWatermarkAsMax", {
      adapter,
      maxRuns: 10,
      seed: 42,
      timeLimitMs: 10_000,
      fallback: ["late-joiner"],
    });
    expect(hunt.caught).toBe(true);
    const scenario = hunt.shrunk;
    if (scenario === undefined) throw new Error("expected a shrunk random scenario");
    const r = await runScenario(scenario, { adapter, keepTrace: true });
    expect(r.ok).toBe(false);
    const html = renderDiagram({
      title: "shrunk failure",
      devices: scenario.devices,
      records: r.world.trace.records(),
      summary: summaryLines(r, specReplay(scenario)),
    });
    expect(html).toContain("<svg");
    expect(html).toContain("FAILED");
    expect(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install -y chromium`).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), "sim-html-"));
    try {
      const file = join(dir, "diagram.html");
      writeFileSync(file, html);
      const out = spawnSync(
        CHROMIUM,
        [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
          "--enable-logging=stderr",
          "--v=0",
          `--user-data-dir=${join(dir, "profile")}`,
          "--dump-dom",
          `file://${file}`,
        ],
        { encoding: "utf8", timeout: 60_000 },
      );
      expect(out.status).toBe(0);
      // The page's script ran to the end: it stamps the number of SVG groups.
      const ready = /data-ready="(\d+)"/.exec(out.stdout)?.[1];
      expect(Number(ready)).toBeGreaterThan(0);
      expect(out.stderr).not.toMatch(/Uncaught|CONSOLE[^\n]*Error/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

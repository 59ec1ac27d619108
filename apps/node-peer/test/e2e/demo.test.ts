// `pnpm demo` itself, small: three processes, SIGKILL, restart, exit 0 only
// on convergence, the restarted device received exactly what it lacked, a
// line for every phase, and nothing left behind in the temp dir.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";

const demoMain = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "dist",
  "demo",
  "main.js",
);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("pnpm demo", () => {
  test("converges after the SIGKILL, exits 0, C received exactly the changes it lacked, and leaves no temp data", () => {
    // A private TMPDIR: whatever the demo leaves behind is visible.
    const tmp = mkdtempSync(join(tmpdir(), "tidemark-demo-test-"));
    dirs.push(tmp);
    const r = spawnSync(process.execPath, [demoMain, "--", "--files", "1500", "--json"], {
      encoding: "utf8",
      timeout: 150_000,
      env: { ...process.env, NO_COLOR: "1", TMPDIR: tmp },
    });
    if (r.status !== 0) console.error(r.stdout);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    for (const phase of [
      "generating a tree of 1500 files",
      "initialising devices",
      "starting 3 peers",
      "indexing: A indexes alpha",
      "SIGKILL C",
      "while C is down",
      "restarting C",
      "waiting for convergence",
      "verifying every pair",
    ]) {
      expect(r.stdout).toContain(phase);
    }
    expect(r.stdout).toContain("CONVERGED ✓");
    const last = r.stdout.trim().split("\n").at(-1) ?? "{}";
    const result = JSON.parse(last) as {
      converged: boolean;
      kept: boolean;
      gapRecovery: { rowsMissing: number; recordsIn: number };
    };
    expect(result.converged).toBe(true);
    expect(result.gapRecovery.rowsMissing).toBeGreaterThan(0);
    expect(result.gapRecovery.recordsIn).toBe(result.gapRecovery.rowsMissing);
    expect(result.kept).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
  }, 160_000);
});

// `pnpm demo` itself, small: three processes, SIGKILL, restart, exit 0 only
// on convergence, and the restarted device received exactly what it lacked.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import { cliArgv, removeInBackground } from "../../src/demo/processes.js";

const demoMain = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "src",
  "demo",
  "main.ts",
);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeInBackground(d);
});

describe("pnpm demo", () => {
  test("converges after the SIGKILL, exits 0, and C received exactly the changes it lacked", () => {
    const dir = mkdtempSync(join(tmpdir(), "tidemark-demo-test-"));
    dirs.push(dir);
    const [node, pre] = cliArgv();
    const loader = pre.slice(0, 3); // --conditions=source --import <tsx>
    const r = spawnSync(
      node,
      [...loader, demoMain, "--", "--files", "1500", "--dir", dir, "--json"],
      {
        encoding: "utf8",
        timeout: 150_000,
        env: { ...process.env, NO_COLOR: "1" },
      },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("SIGKILL C");
    expect(r.stdout).toContain("CONVERGED ✓");
    const last = r.stdout.trim().split("\n").at(-1) ?? "{}";
    const result = JSON.parse(last) as {
      converged: boolean;
      gapRecovery: { rowsMissing: number; recordsIn: number };
    };
    expect(result.converged).toBe(true);
    expect(result.gapRecovery.rowsMissing).toBeGreaterThan(0);
    expect(result.gapRecovery.recordsIn).toBe(result.gapRecovery.rowsMissing);
  }, 160_000);
});

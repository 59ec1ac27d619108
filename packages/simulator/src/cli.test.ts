// The CLI end to end (a real process): a failing property exits 1 and
// prints the exact one-line command that replays it; --trace, --log and
// --html write their files.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), "..");

function sim(args: string[]) {
  return spawnSync(
    process.execPath,
    ["--import", "tsx/esm", "--conditions=source", "src/cli.ts", ...args],
    {
      cwd: pkgDir,
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, INIT_CWD: pkgDir },
    },
  );
}

describe("pnpm sim", () => {
  test("a failing property exits 1 and prints the replay command; output files are written", () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-cli-"));
    try {
      const trace = join(dir, "t.jsonl");
      const log = join(dir, "e.log");
      const html = join(dir, "d.html");
      const r = sim([
        "--scenario",
        "late-joiner",
        "--seed",
        "2",
        "--variant",
        "missingWatermarkAsMax",
        "--trace",
        trace,
        "--log",
        log,
        "--html",
        html,
      ]);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/properties: property \S+ failed \(devices d\d vs d\d\)/);
      expect(r.stderr).toContain(
        "replay with: pnpm sim --scenario late-joiner --seed 2 --variant missingWatermarkAsMax",
      );
      const lines = readFileSync(trace, "utf8").trim().split("\n");
      expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ k: "phase", name: "chaos" });
      const first = JSON.parse(readFileSync(log, "utf8").split("\n")[0] ?? "{}") as Record<
        string,
        unknown
      >;
      expect(typeof first.level).toBe("number");
      expect(typeof first.time).toBe("number");
      expect(typeof first.msg).toBe("string");
      expect(readFileSync(html, "utf8")).toContain("<svg");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test("bad arguments are refused with a clear message", () => {
    const r = sim(["--scenario", "nope", "--seed", "1"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown scenario nope");
  }, 60_000);
});

// Same seed + scenario + code -> bit-identical trace: twice in this
// process, and once more in a child process running the CLI.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { SCENARIOS } from "./scenarios/index.js";
import { runScenario } from "./simulation.js";
import { engine } from "./test-support.js";

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), "..");

describe("determinism", () => {
  test("the same seed and scenario give a bit-identical trace, in-process and in a second process", async () => {
    const openReplica = await engine();
    const make = SCENARIOS["partition-heal"];
    if (make === undefined) throw new Error("scenario missing");
    const scenario = make({ seed: 7, scale: 0.005 });
    const a = await runScenario(scenario, { openReplica, keepTrace: true });
    const b = await runScenario(scenario, { openReplica, keepTrace: true });
    expect(a.ok).toBe(true);
    expect(b.traceLines).toEqual(a.traceLines);
    expect(b.traceHash).toBe(a.traceHash);
    const other = await runScenario(make({ seed: 8, scale: 0.005 }), { openReplica });
    expect(other.traceHash).not.toBe(a.traceHash);

    const out = execFileSync(
      process.execPath,
      [
        "--import",
        "tsx/esm",
        "--conditions=source",
        "src/cli.ts",
        "--scenario",
        "partition-heal",
        "--seed",
        "7",
        "--scale",
        "0.005",
        "--json",
      ],
      { cwd: pkgDir, encoding: "utf8", timeout: 120_000, env: { ...process.env } },
    );
    const summary = JSON.parse(out.trim().split("\n").pop() ?? "{}") as {
      traceHash: string;
      ok: boolean;
    };
    expect(summary.ok).toBe(true);
    expect(summary.traceHash).toBe(a.traceHash);
  }, 180_000);
});

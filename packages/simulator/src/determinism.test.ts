// Same seed + scenario + code -> bit-identical trace: twice in this
// process, and once more in a child process running the CLI.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { describeFailure } from "./properties/index.js";
import type { Scenario } from "./scenario.js";
import { SCENARIOS } from "./scenarios/index.js";
import { runScenario } from "./simulation.js";
import { engine } from "./test-support.js";

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Every step kind once: workloads, membership, network, crash/restore, clocks, corruption. */
const EVERYTHING: Scenario = {
  name: "everything",
  seed: 99,
  devices: 4,
  chaosMs: 12_000,
  healMs: 240_000,
  weather: "stormy",
  config: { realtimeMaxBatch: 10 },
  steps: [
    { at: 0, do: "clock", dev: 2, epochZero: true },
    { at: 10, do: "index", dev: 0, entries: 300, batch: 25 },
    { at: 20, do: "index", dev: 1, entries: 200, batch: 50 },
    { at: 30, do: "tags", dev: 1, count: 6 },
    { at: 500, do: "backup", dev: 1 },
    { at: 800, do: "collections", dev: 0, count: 5 },
    { at: 1_000, do: "partition", a: 0, b: 1 },
    { at: 1_100, do: "partition", a: 1, b: 2, oneWay: true },
    { at: 1_200, do: "clog", a: 0, b: 2, bytesPerMs: 50 },
    { at: 1_500, do: "join", dev: 3 },
    { at: 2_000, do: "move", dev: 0, count: 5 },
    { at: 2_500, do: "delete", dev: 1, count: 2 },
    { at: 3_000, do: "crash", dev: 0 },
    { at: 3_500, do: "weather", weather: "lossy" },
    { at: 4_000, do: "restart", dev: 0 },
    { at: 4_500, do: "heal", a: 0, b: 1 },
    { at: 5_000, do: "clock", dev: 1, skewMs: 60_000, jumpMs: -30_000 },
    { at: 5_500, do: "restore", dev: 1 },
    { at: 6_000, do: "isolate", dev: 3 },
    { at: 7_000, do: "lose-rows", dev: 2, count: 5 },
    { at: 7_500, do: "stale-rows", dev: 3, count: 5 },
    { at: 8_000, do: "tags", dev: 2, count: 5 },
    { at: 9_000, do: "leave", dev: 2 },
  ],
};

describe("determinism", () => {
  test("a scenario using every workload and fault replays bit-identically", async () => {
    const adapter = await engine();
    const a = await runScenario(EVERYTHING, { adapter, keepTrace: true });
    const b = await runScenario(EVERYTHING, { adapter, keepTrace: true });
    expect(a.traceRecords).toBeGreaterThan(100);
    expect(b.traceLines).toEqual(a.traceLines);
    expect(b.traceHash).toBe(a.traceHash);
    expect(a.ok, a.failure === undefined ? "" : describeFailure(a.failure)).toBe(true);
  }, 120_000);

  test("the same seed and scenario give a bit-identical trace, in-process and in a second process", async () => {
    const adapter = await engine();
    const make = SCENARIOS["partition-heal"];
    if (make === undefined) throw new Error("scenario missing");
    const scenario = make({ seed: 7, scale: 0.005 });
    const a = await runScenario(scenario, { adapter, keepTrace: true });
    const b = await runScenario(scenario, { adapter, keepTrace: true });
    expect(a.ok).toBe(true);
    expect(b.traceLines).toEqual(a.traceLines);
    expect(b.traceHash).toBe(a.traceHash);
    const other = await runScenario(make({ seed: 8, scale: 0.005 }), { adapter });
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

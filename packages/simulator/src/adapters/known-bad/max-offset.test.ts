// A planted slip in the engine's max-offset rule (the too-far-ahead check
// never fires), injected by this test through a module mock, never a
// switch in the engine: hlc-within-max-offset must catch a receiver whose
// clock a 7-minute-fast peer dragged ahead.
import { describe, expect, test, vi } from "vitest";
import { SCENARIOS } from "../../scenarios/index.js";
import { runScenario } from "../../simulation.js";
import { tidemarkEngine } from "../tidemark-engine.js";

// The engine module's own signature (a type import would pull engine sources into this program).
type Hlc = {
  hlcReceive: (prev: bigint, remote: bigint, nowMs: number, maxOffsetMs: number) => bigint;
};

vi.mock("../../../../engine/src/hlc/hlc.ts", async (original) => {
  const real = (await original()) as Hlc;
  return {
    ...real,
    hlcReceive: (prev: bigint, remote: bigint, nowMs: number) =>
      real.hlcReceive(prev, remote, nowMs, Number.MAX_SAFE_INTEGER),
  };
});

describe("a max-offset check that never fires", () => {
  test("fails hlc-within-max-offset during the run", async () => {
    const make = SCENARIOS["far-ahead-clock"];
    if (make === undefined) throw new Error("no far-ahead-clock scenario");
    const r = await runScenario(make({ seed: 1 }), { adapter: tidemarkEngine });
    expect(r.failure?.property).toBe("hlc-within-max-offset");
    expect(r.failure?.detail).toMatch(/took a remote HLC past the max offset \(300000 ms\)/);
  }, 120_000);
});

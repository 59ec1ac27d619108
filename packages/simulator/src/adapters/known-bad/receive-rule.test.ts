// A planted slip in the engine's HLC receive rule (the merged counter not
// past the remote's: `hlcCounter(remote)` for `hlcCounter(remote) + 1`),
// injected by this test through a module mock, never a switch in the
// engine: hlc-causal, checked at every instant, must catch it.
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
    hlcReceive: (prev: bigint, remote: bigint, nowMs: number, maxOffsetMs: number) => {
      const next = real.hlcReceive(prev, remote, nowMs, maxOffsetMs);
      return next === remote + 1n ? remote : next;
    },
  };
});

describe("a receive rule that does not move the clock past the remote's", () => {
  test("fails hlc-causal during the run", async () => {
    const make = SCENARIOS["clock-skew"];
    if (make === undefined) throw new Error("no clock-skew scenario");
    const r = await runScenario(make({ seed: 1 }), { adapter: tidemarkEngine });
    expect(r.failure?.property).toBe("hlc-causal");
    expect(r.failure?.detail).toContain("a receive did not move the clock");
  }, 120_000);
});

// Issue 11's bug 6 planted again (every retry computed at `failures: 1`,
// as when a success reset the count before each retry), injected by this
// test through a module mock, never a switch in the engine: retry-backoff
// must catch the storm against a source whose pages are refused.
import { describe, expect, test, vi } from "vitest";
import { SCENARIOS } from "../../scenarios/index.js";
import { runScenario } from "../../simulation.js";
import { tidemarkEngine } from "../tidemark-engine.js";

// The engine module's own signature (a type import would pull engine sources into this program).
type Backoff = {
  backoffDelayMs: (failures: number, baseMs: number, capMs: number, random: unknown) => number;
};

vi.mock("../../../../engine/src/sync/backoff.ts", async (original) => {
  const real = (await original()) as Backoff;
  return {
    ...real,
    backoffDelayMs: (_failures: number, baseMs: number, capMs: number, random: unknown) =>
      real.backoffDelayMs(1, baseMs, capMs, random),
  };
});

describe("a backoff that never grows (bug 6)", () => {
  test("fails retry-backoff", async () => {
    const make = SCENARIOS["lying-source-retries"];
    if (make === undefined) throw new Error("no lying-source-retries scenario");
    const r = await runScenario(make({ seed: 1 }), { adapter: tidemarkEngine });
    expect(r.failure?.property).toBe("retry-backoff");
    expect(r.failure?.detail).toMatch(/^d2 retried d1 \d+ times/);
  }, 120_000);
});

// The convergence properties over random scenarios (topology, workload,
// fault schedule) with fast-check: bounded here, extensive in `pnpm
// sim:soak`. A failure is shrunk to a short step list; the message carries
// the one-line command that replays it.
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { SMALL_BOUNDS, scenarioArb } from "./arbitraries.js";
import { specReplay } from "./replay.js";
import { HEAL_STEPS, normalizeScenario } from "./scenario.js";
import { runScenario } from "./simulation.js";
import { summaryLines } from "./summary.js";
import { engine } from "./test-support.js";

describe("convergence over random scenarios", () => {
  test.prop([scenarioArb(SMALL_BOUNDS)], { numRuns: 25, seed: 20251116, endOnFailure: false })(
    "after chaos and healing, every property holds",
    async (scenario) => {
      const r = await runScenario(scenario, { adapter: await engine() });
      if (!r.ok) expect.fail(summaryLines(r, specReplay(r.scenario)).join("\n"));
      expect(r.ok).toBe(true);
    },
    // 25 scenarios of up to 14 steps and 600-entry bursts: ~1 min idle, more on a busy box.
    600_000,
  );

  test("a generated scenario normalises to valid steps (devices in range, no self-links, heal steps of heal kinds)", () => {
    fc.assert(
      fc.property(scenarioArb(SMALL_BOUNDS), (raw) => {
        const s = normalizeScenario(raw);
        for (const st of s.steps) {
          expect(st.at).toBeGreaterThanOrEqual(0);
          expect(st.at).toBeLessThan(s.chaosMs + s.healMs);
          if (st.at > s.chaosMs) expect(HEAL_STEPS.has(st.do)).toBe(true);
          if ("dev" in st) expect(st.dev).toBeLessThan(s.devices);
          if ("a" in st) expect(st.a).not.toBe(st.b);
        }
      }),
      { numRuns: 50 },
    );
  });
});

// The dependency buffer's per-origin and byte bounds, each set below what
// a page of a renamed directory's children needs at once: the bound must
// hold at every instant (`buffers-bounded`), the joiners must still finish
// (parents fetched by id, RF-5) and nothing may stay held.
import { describe, expect, test } from "vitest";
import { specReplay } from "../replay.js";
import type { Scenario } from "../scenario.js";
import { runScenario } from "../simulation.js";
import { summaryLines } from "../summary.js";
import { engine } from "../test-support.js";
import { SCENARIOS } from "./index.js";

/** Scenario, peak, bound, and the least peak (one change a page fills it to within a change). */
const CASES: [string, string, number, number][] = [
  ["dependency-rows", "heldDependencies", 6, 3],
  ["dependency-rows-per-origin", "heldDependencyOriginRows", 6, 6],
  ["dependency-bytes-per-origin", "heldDependencyOriginBytes", 900, 600],
  ["dependency-bytes", "heldDependencyBytes", 900, 600],
];

describe("dependency buffer bounds", () => {
  for (const [name, peak, bound, least] of CASES) {
    test(`${name}: the bound holds at every instant and the joiners still finish`, async () => {
      const spec = SCENARIOS[name]?.({ seed: 1 }) as Scenario;
      const r = await runScenario(spec, { adapter: await engine() });
      if (!r.ok) throw new Error(summaryLines(r, specReplay(spec)).join("\n"));
      const held = r.bufferPeaks[peak] ?? 0;
      // Reached: the buffer filled to its bound (the next page was refused).
      expect(held).toBeGreaterThanOrEqual(least);
      expect(held).toBeLessThanOrEqual(bound);
      expect(r.bufferPeaks.dependencyGaugeDrift ?? 0).toBe(0);
    }, 180_000);
  }
});

test("moves-while-held: rows moved while their old versions wait, a restart mid-pull, nothing lost", async () => {
  const spec = SCENARIOS["moves-while-held"]?.({ seed: 1 }) as Scenario;
  const r = await runScenario(spec, { adapter: await engine() });
  if (!r.ok) throw new Error(summaryLines(r, specReplay(spec)).join("\n"));
  expect(r.bufferPeaks.heldDependencyOriginRows ?? 0).toBeGreaterThan(0);
  expect(r.bufferPeaks.heldDependencyOriginRows ?? 0).toBeLessThanOrEqual(8);
  expect(r.bufferPeaks.dependencyGaugeDrift ?? 0).toBe(0);
}, 180_000);

test("parents-withheld: the row bounds bind with two origins held, own dangling writes refused", async () => {
  // The profile's parameters (mutation.profile.test.ts), where it must reach both.
  const spec = SCENARIOS["parents-withheld"]?.({ seed: 3, scale: 0.003 }) as Scenario;
  const r = await runScenario(spec, { adapter: await engine() });
  if (!r.ok) throw new Error(summaryLines(r, specReplay(spec)).join("\n"));
  // More than one origin's bound (4) held at once: both origins waited together.
  expect(r.bufferPeaks.heldDependencies ?? 0).toBeGreaterThan(4);
  expect(r.bufferPeaks.heldDependencies ?? 0).toBeLessThanOrEqual(6);
  expect(r.bufferPeaks.heldDependencyOriginRows ?? 0).toBe(4);
  expect(r.bufferPeaks.dependencyGaugeDrift ?? 0).toBe(0);
}, 180_000);

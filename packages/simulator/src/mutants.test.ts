// The properties bite: every known-bad engine variant (injected by the
// adapter) is caught, by a random scenario or by the named one aimed at its
// bug class. Deterministic (S12): a fixed seed and run count, no time
// limit, no shrinking here (`pnpm sim:mutants` shrinks and reports).
import { describe, expect, test } from "vitest";
import { tidemarkEngine } from "./adapters/tidemark-engine.js";
import { huntMutant } from "./mutants.js";
import { engine } from "./test-support.js";

describe("known-bad engine variants are caught", () => {
  for (const variant of tidemarkEngine.variants) {
    test(`${variant} fails a property`, async () => {
      const r = await huntMutant(variant, {
        adapter: await engine(),
        maxRuns: 25,
        seed: 42,
        shrink: false,
        // Each scenario targets the bug class it is named after.
        fallback: [
          "leapfrog",
          "silent-row-loss",
          "late-joiner",
          "tombstone-horizon",
          "restore-then-write",
          "prune-shared-delete",
          "lying-relay",
          "forging-relay",
        ],
      });
      expect(r.caught, `${variant} escaped every property`).toBe(true);
      expect(r.failure).toMatch(/^property /);
      expect(r.replay).toMatch(/^pnpm sim /);
    }, 120_000);
  }
});

// The properties bite: every known-bad engine variant (injected by the
// adapter) is caught, by a few random scenarios or by the named one aimed
// at its bug class. Deterministic (S12): a fixed seed and run count, no
// time limit, no shrinking here; `pnpm sim:mutants` runs the full sweep
// and reports seeds to failure. Issue 11's variants are hunted in
// mutants.regression.test.ts, in another worker.
import { describe } from "vitest";
import { tidemarkEngine } from "./adapters/tidemark-engine.js";
import { huntTest, REGRESSION } from "./mutants-hunt.js";

describe("known-bad engine variants are caught (the seed's bugs)", () => {
  for (const variant of tidemarkEngine.variants) if (!REGRESSION.has(variant)) huntTest(variant);
});

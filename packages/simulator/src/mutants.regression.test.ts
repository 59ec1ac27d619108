// Issue 11's bugs 1, 2 and 7 and issue 13's unverified changes, re-introduced as known-bad variants, are
// caught (see mutants.test.ts for the seed's bugs and the rules).
import { describe } from "vitest";
import { tidemarkEngine } from "./adapters/tidemark-engine.js";
import { huntTest, REGRESSION } from "./mutants-hunt.js";

describe("known-bad engine variants are caught (issue 11's bugs)", () => {
  for (const variant of tidemarkEngine.variants) if (REGRESSION.has(variant)) huntTest(variant);
});

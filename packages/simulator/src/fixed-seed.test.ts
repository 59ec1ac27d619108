// `pnpm test` is deterministic (issue 11, S12): every property test draws
// from one fixed fast-check seed (scripts/fast-check-seed.mjs) unless
// TIDEMARK_FC_SEED says otherwise, so a catch is never luck.
import fc from "fast-check";
import { describe, expect, test } from "vitest";

describe("fast-check seed", () => {
  test("property-tests-draw-a-fresh-seed (S12): pnpm test uses the fixed seed", () => {
    const env = process.env.TIDEMARK_FC_SEED;
    const seed = fc.readConfigureGlobal().seed;
    if (env === undefined) expect(seed).toBe(20_251_204);
    else if (env !== "random") expect(seed).toBe(Number(env));
    else expect(Number.isSafeInteger(seed)).toBe(true);
    // Two samples without a seed of their own draw the same cases.
    const draw = () => fc.sample(fc.integer(), 5);
    expect(draw()).toEqual(draw());
  });
});

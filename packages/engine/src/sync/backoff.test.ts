import { fc, test as ftest } from "@fast-check/vitest";
import { describe, expect, test } from "vitest";
import { backoffDelayMs } from "./backoff.js";

const fixed = (v: number) => ({ next: () => v });

describe("backoffDelayMs", () => {
  test("no failures, no delay", () => {
    expect(backoffDelayMs(0, 1000, 60_000, fixed(0.5))).toBe(0);
  });

  test("doubles per failure up to the cap (upper end of the jitter)", () => {
    const r = fixed(0.999999);
    expect([1, 2, 3, 4, 10].map((n) => backoffDelayMs(n, 1000, 60_000, r))).toEqual([
      1000, 2000, 4000, 8000, 60_000,
    ]);
  });

  ftest.prop(
    [fc.integer({ min: 1, max: 200 }), fc.double({ min: 0, max: 0.999999, noNaN: true })],
    { numRuns: 200 },
  )("stays within [half, full] of the capped exponential", (failures, u) => {
    const d = backoffDelayMs(failures, 500, 30_000, fixed(u));
    const full = Math.min(30_000, 500 * 2 ** (failures - 1));
    expect(d).toBeGreaterThanOrEqual(Math.floor(full / 2));
    expect(d).toBeLessThanOrEqual(full);
  });
});

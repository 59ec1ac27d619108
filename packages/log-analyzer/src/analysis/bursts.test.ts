import { describe, expect, it } from "vitest";
import { prng } from "../../test/fixtures/prng.js";
import { type ErrorPoint, findBursts, logPoissonTail } from "./bursts.js";

const atLines = (lines: readonly number[]): ErrorPoint[] => lines.map((l) => ({ at: l, line: l }));

describe("error bursts", { timeout: 30_000 }, () => {
  it("steady-error-rate-is-no-burst: 21 errors evenly over 2,020 lines", () => {
    const lines = Array.from({ length: 21 }, (_, i) => 50 + i * 96);
    expect(findBursts(atLines(lines), 2020, 1)).toEqual([]);
  });

  it("a steady random 1% rate over 200,000 lines gives no burst", () => {
    const rnd = prng(11);
    const lines: number[] = [];
    for (let l = 1; l <= 200_000; l++) if (rnd() < 0.01) lines.push(l);
    expect(findBursts(atLines(lines), 200_000, 1)).toEqual([]);
  });

  it("a real cluster is one burst, named by start, end and count", () => {
    const steady = Array.from({ length: 20 }, (_, i) => 40 + i * 100);
    const cluster = [1001, 1003, 1004, 1007, 1008, 1010, 1012];
    const bursts = findBursts(atLines([...steady, ...cluster].sort((a, b) => a - b)), 2020, 1);
    expect(bursts).toHaveLength(1);
    expect(bursts[0]).toMatchObject({
      start: 1001,
      end: 1012,
      errors: 7,
      firstLine: 1001,
      lastLine: 1012,
    });
    expect(bursts[0]?.expected).toBeLessThan(1);
  });

  it("in time: errors close in time are a burst even when far apart in lines", () => {
    // One error a minute for an hour, then 8 within two seconds.
    const pts: ErrorPoint[] = Array.from({ length: 60 }, (_, i) => ({
      at: i * 60_000,
      line: i * 50,
    }));
    for (let k = 0; k < 8; k++) pts.push({ at: 3_600_000 + k * 250, line: 3000 + k * 40 });
    const bursts = findBursts(pts, 3_700_000, 1000);
    expect(bursts).toEqual([
      expect.objectContaining({
        start: 3_600_000,
        end: 3_601_750,
        errors: 8,
        firstLine: 3000,
        lastLine: 3280,
      }),
    ]);
  });

  it("a file that is errors throughout has no burst", () => {
    const lines = Array.from({ length: 1000 }, (_, i) => i + 1).filter((l) => l % 2 === 0);
    expect(findBursts(atLines(lines), 1000, 1)).toEqual([]);
  });

  it("times out of order are sorted, not lost", () => {
    const pts = [5, 3, 4, 1, 2].map((k) => ({ at: 10_000 + k, line: 100 - k }));
    pts.push({ at: 0, line: 1 }, { at: 50_000, line: 200 });
    const bursts = findBursts(pts, 50_001, 1);
    expect(bursts).toEqual([
      expect.objectContaining({
        start: 10_001,
        end: 10_005,
        errors: 5,
        firstLine: 95,
        lastLine: 99,
      }),
    ]);
  });

  it("fewer errors than the minimum are never a burst", () => {
    expect(findBursts(atLines([10, 11, 12, 13]), 10_000, 1)).toEqual([]);
    expect(findBursts(atLines([10, 11, 12, 13]), 10_000, 1, { minErrors: 4 })).toHaveLength(1);
  });

  it("the Poisson tail bound is close to the exact tail", () => {
    // P(X >= 5 | mu = 1) = 0.00366
    expect(Math.exp(logPoissonTail(5, 1))).toBeCloseTo(0.00366, 3);
    expect(Math.exp(logPoissonTail(3, 0.1))).toBeCloseTo(0.000155, 5);
  });
});

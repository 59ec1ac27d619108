import { describe, expect, it } from "vitest";
import { ParamStats } from "./param-stats.js";

describe("ParamStats", { timeout: 60_000 }, () => {
  it("stays bounded and estimates distinct counts on a million distinct values", () => {
    const s = new ParamStats(0);
    for (let i = 0; i < 1_000_000; i++) s.add(`v${i}`);
    const sum = s.summary();
    expect(sum.count).toBe(1_000_000);
    expect(sum.distinctExact).toBe(false);
    expect(sum.distinct).toBeGreaterThan(700_000);
    expect(sum.distinct).toBeLessThan(1_400_000);
    expect(sum.top.length).toBeLessThanOrEqual(12);
    expect(sum.numeric).toBeNull();
  });

  it("finds the heavy hitter", () => {
    const s = new ParamStats(0);
    for (let i = 0; i < 20_000; i++) s.add(i % 2 === 0 ? "hot" : String(i));
    expect(s.summary().top[0]?.value).toBe("hot");
  });
});

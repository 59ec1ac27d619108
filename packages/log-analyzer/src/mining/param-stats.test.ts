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

  it("reads decimal values exactly as Number() does", () => {
    // A fixed pseudo-random stream: integers and decimals of 1 to 15 digits.
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    for (let round = 0; round < 200; round++) {
      const s = new ParamStats(0);
      const values: string[] = [];
      for (let k = 0; k < 20; k++) {
        const digits = 1 + (next() % 15);
        let v = "";
        for (let d = 0; d < digits; d++) v += String(next() % 10);
        const dot = next() % (digits + 2);
        if (dot <= digits) v = `${v.slice(0, dot) || "0"}.${v.slice(dot)}`;
        values.push(v);
        s.add(v);
      }
      const nums = values.map(Number);
      const sum = s.summary().numeric;
      expect(sum?.min).toBe(Math.min(...nums));
      expect(sum?.max).toBe(Math.max(...nums));
      expect(sum?.mean).toBe(nums.reduce((a, b) => a + b, 0) / nums.length);
    }
  });

  it("summarises values read in place in their line as it does their copies", () => {
    // Numbers, words, empty and over-long values, few and many distinct: past
    // the sketch size and the sampling threshold.
    let seed = 11;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    const kinds = [
      () => String(next() % 1000),
      () => `${next() % 100}.${next() % 100}`,
      () => ["open", "close", "reset"][next() % 3] as string,
      () => `id-${next() % 5000}`,
      () => "",
      () => "x".repeat(190 + (next() % 30)),
    ];
    for (const kind of kinds) {
      const copies = new ParamStats(3);
      const inPlace = new ParamStats(3);
      for (let k = 0; k < 6000; k++) {
        const v = kind();
        const line = `head ${v} tail`;
        copies.add(v);
        inPlace.addRange(line, 5, 5 + v.length);
      }
      expect(inPlace.summary()).toEqual(copies.summary());
    }
  });
});

import { describe, expect, test } from "vitest";
import { parseShard, scenarioSeed, shardIndices } from "./seeds.js";

describe("soak seed space", () => {
  test("shards i/n of any n cover [0, runs) exactly once", () => {
    for (const runs of [1, 2, 7, 100, 1001])
      for (const count of [1, 2, 3, 8]) {
        const seen = new Map<number, number>();
        for (let index = 1; index <= count; index++)
          for (const j of shardIndices(runs, { index, count })) seen.set(j, (seen.get(j) ?? 0) + 1);
        expect([...seen.keys()].sort((a, b) => a - b)).toEqual([...Array(runs).keys()]);
        expect([...seen.values()].every((n) => n === 1)).toBe(true);
      }
  });

  test("a seed's scenario seed depends on the base seed and its index only", () => {
    expect(scenarioSeed(5, 17)).toBe(scenarioSeed(5, 17));
    const seeds = new Set(Array.from({ length: 1000 }, (_, j) => scenarioSeed(5, j)));
    expect(seeds.size).toBe(1000);
    expect(scenarioSeed(6, 17)).not.toBe(scenarioSeed(5, 17));
    for (const s of seeds) expect(s >= 0 && s < 2 ** 31).toBe(true);
  });

  test("--shard is parsed as 1-based i/n and bad values are refused", () => {
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    for (const bad of ["0/2", "3/2", "1", "a/b", "1/0"])
      expect(() => parseShard(bad)).toThrow(RangeError);
  });
});

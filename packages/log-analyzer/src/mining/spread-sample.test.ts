import { describe, expect, it } from "vitest";
import { detectLineTime } from "./line-time.js";
import { arraySample } from "./spread-sample.js";

describe("arraySample", { timeout: 30_000 }, () => {
  it("parse() samples a long input spread out too: a banner does not decide it", () => {
    const banner = Array.from(
      { length: 3000 },
      (_, i) => `  -Dprop.${i}=/opt/app/lib/jar-${i}.jar`,
    );
    const body = Array.from(
      { length: 3000 },
      (_, i) =>
        `2026-12-06 02:${String(10 + (i % 50))}:03,123 INFO [main] org.x.Worker: job ${i} done`,
    );
    const sample = arraySample([...banner, ...body], 400);
    expect(sample.length).toBe(400);
    expect(detectLineTime(sample)?.stamp).toBe("iso");
    expect(arraySample(["a", "b"], 400)).toEqual(["a", "b"]);
  });
});

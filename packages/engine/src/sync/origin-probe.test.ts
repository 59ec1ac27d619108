import { describe, expect, test } from "vitest";
import { ProbeTimes } from "./origin-probe.js";

describe("origin probe backoff (PROTOCOL §3.7 OR-5)", () => {
  test("the first probe goes at once; the next ones wait from the base, doubling to the cap", () => {
    const t = new ProbeTimes(1_000, 4_000);
    const sent = [0, 500, 1_000, 2_000, 3_000, 5_000, 8_000, 9_000, 13_000, 17_000].filter((now) =>
      t.take("p s", now),
    );
    // Waits 1 s, 2 s, 4 s, then 4 s (capped).
    expect(sent).toEqual([0, 1_000, 3_000, 8_000, 13_000, 17_000]);
  });

  test("each peer and stream backs off on its own, and a settled one starts over", () => {
    const t = new ProbeTimes(1_000, 60_000);
    expect(t.take("a s", 0)).toBe(true);
    expect(t.take("b s", 0)).toBe(true);
    expect(t.take("a s", 10)).toBe(false);
    t.forget("a s");
    expect(t.take("a s", 20)).toBe(true);
    expect(t.take("b s", 20)).toBe(false);
  });
});

import { describe, expect, test } from "vitest";
import { parseSchedule, planSchedule } from "./schedule.js";

describe("planSchedule", () => {
  test("a seed plans the same schedule every time; another seed another", () => {
    const a = planSchedule({ seed: 1, peers: 3 });
    expect(planSchedule({ seed: 1, peers: 3 })).toEqual(a);
    expect(planSchedule({ seed: 2, peers: 3 })).not.toEqual(a);
  });

  test("it kills a peer mid-Backfill, restarts every killed peer and heals every cut", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const s = planSchedule({ seed, peers: 4 });
      expect(s.steps.filter((x) => x.do === "kill-mid-backfill")).toHaveLength(1);
      const killed = s.steps.filter((x) => x.do === "kill" || x.do === "kill-mid-backfill");
      const restarted = s.steps.filter((x) => x.do === "restart");
      expect(restarted.length).toBe(killed.length);
      expect(s.steps.map((x) => x.at)).toEqual([...s.steps.map((x) => x.at)].sort((p, q) => p - q));
    }
  });

  test("refuses fewer than two peers", () => {
    expect(() => planSchedule({ seed: 1, peers: 1 })).toThrow(RangeError);
  });
});

describe("parseSchedule", () => {
  test("reads back what was recorded", () => {
    const s = planSchedule({ seed: 9, peers: 3 });
    expect(parseSchedule(JSON.stringify(s), "s.json")).toEqual(s);
  });

  test.each([
    ["not json", "{", /not JSON/],
    ["another format", `{"format":"x"}`, /not a chaos schedule/],
    [
      "an unknown step",
      `{"format":"tidemark-chaos-schedule/1","peers":2,"steps":[{"at":0,"do":"explode"}]}`,
      /step #0: unknown step "explode"/,
    ],
    [
      "a peer out of range",
      `{"format":"tidemark-chaos-schedule/1","peers":2,"steps":[{"at":0,"do":"kill","dev":2}]}`,
      /dev must be a peer index 0..1/,
    ],
  ])("names what is wrong: %s", (_what, text, message) => {
    expect(() => parseSchedule(text, "s.json")).toThrow(message);
  });
});

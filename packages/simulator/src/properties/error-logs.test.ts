import { expect, test } from "vitest";
import type { Scenario } from "../scenario.js";
import { errorLogsExplained } from "./error-logs.js";

const base: Scenario = {
  name: "t",
  seed: 1,
  devices: 2,
  chaosMs: 1_000,
  healMs: 1_000,
  weather: "calm",
  steps: [],
};

test("an error record in a benign run fails, a forger's explains its refusals", () => {
  const rejected = [{ device: 1, event: "realtime-rejected", at: 5 }];
  expect(errorLogsExplained(rejected, base)?.property).toBe("error-logs-explained");
  const forged: Scenario = {
    ...base,
    steps: [{ at: 1, do: "forge", dev: 0, target: 1, forgery: "unsigned" }],
  };
  expect(errorLogsExplained(rejected, forged)).toBeUndefined();
});

test("an error event no cause is listed for fails whatever the scenario did", () => {
  const liar: Scenario = { ...base, steps: [{ at: 1, do: "liar", dev: 0, lie: "over-claim" }] };
  expect(errorLogsExplained([{ device: 0, event: "own-stream-conflict", at: 1 }], liar)).toBe(
    undefined,
  );
  expect(errorLogsExplained([{ device: 0, event: "", at: 1 }], liar)?.detail).toContain(
    "no scenario explains it",
  );
});

test("a clock step explains no error record: a batch refused for its clock is a warn-level hold", () => {
  const stepped: Scenario = {
    ...base,
    steps: [{ at: 1, do: "clock", dev: 0, skewMs: 600_000 }],
  };
  const held = [{ device: 1, event: "held-batch-rejected", at: 5 }];
  expect(errorLogsExplained(held, stepped)?.property).toBe("error-logs-explained");
});

// A forger's push is the harness's request, not the forging device's
// engine's: the wire properties that judge an engine's requests
// (hello-first among them) must not read it as the engine's.
import { expect, test } from "vitest";
import { specReplay } from "../replay.js";
import type { Scenario } from "../scenario.js";
import { runScenario } from "../simulation.js";
import { summaryLines } from "../summary.js";
import { engine } from "../test-support.js";

test("a-forged-push-before-any-hello-is-not-the-engine's-first-request", async () => {
  // Soak base seed 1291505570, seed 9, shrunk: the forgery leaves d0 at
  // time 0, before d0's engine said Hello to d1 (hello-first failed).
  const spec: Scenario = {
    name: "forge-first",
    seed: 0,
    devices: 2,
    chaosMs: 30_000,
    healMs: 400_000,
    weather: "calm",
    steps: [
      { at: 0, do: "forge", dev: 0, target: 1, forgery: "other-origin" },
      { at: 0, do: "index", dev: 0, entries: 1, batch: 10 },
      { at: 0, do: "lose-rows", dev: 0, count: 1 },
    ],
  };
  const r = await runScenario(spec, { adapter: await engine() });
  expect(r.ok, summaryLines(r, specReplay(spec)).join("\n")).toBe(true);
}, 60_000);

// hlc-monotone on what an origin writes: d0's clock is 30 s fast, so d1's
// HLC moves ahead of d1's own wall clock when d0's edits arrive. d2 hears
// from nobody (links into d2 are cut one way), so its edits reach d1 with
// older HLCs between d1's own edits: d1's receive rule must keep its
// counter (not reset it within the millisecond it is in), and every edit
// d1 writes must carry an HLC past the last one it wrote.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams } from "./params.js";

export function clockAheadReceiver(p: ScenarioParams): Scenario {
  const edits: Scenario["steps"][number][] = [];
  for (let i = 0; i < 8; i++) {
    const at = 1_500 + i * 1_000;
    edits.push({ at, do: "tags", dev: 1, count: 4 });
    edits.push({ at: at + 400, do: "tags", dev: 2, count: 2 });
  }
  return {
    name: "clock-ahead-receiver",
    seed: p.seed,
    devices: 3,
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    steps: [
      { at: 0, do: "clock", dev: 0, skewMs: 30_000 },
      { at: 0, do: "partition", a: 0, b: 2, oneWay: true },
      { at: 0, do: "partition", a: 1, b: 2, oneWay: true },
      { at: 1_000, do: "tags", dev: 0, count: 3 },
      ...edits,
    ],
  };
}

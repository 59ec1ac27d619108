// State corruption: after syncing, d1 silently loses some of d0's rows and
// d2 silently holds older versions of renamed rows — with counts and
// fingerprints recomputed so nothing looks wrong locally, and equal counts
// on d2. Exchange must find both (fingerprints, not counts) and repair
// only those rows.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function silentRowLoss(p: ScenarioParams): Scenario {
  const n = scaled(5_000, p.scale, 100);
  return {
    name: "silent-row-loss",
    seed: p.seed,
    devices: 3,
    chaosMs: 20_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 3_000, do: "move", dev: 0, count: 30 },
      { at: 8_000, do: "lose-rows", dev: 1, count: 8 },
      { at: 8_000, do: "stale-rows", dev: 2, count: 10 },
    ],
  };
}

/**
 * Coded-symbol repairs of differences from ten items to fifty (PROTOCOL.md
 * §7.9.5): one device loses ten rows (the opening batch does not decode
 * them, the probes size the next) and one loses a third of them.
 * coded-symbols-cost judges each exchange against what decoding needed.
 */
export function silentRowLossWide(p: ScenarioParams): Scenario {
  const n = scaled(8_000, p.scale, 150);
  return {
    name: "silent-row-loss-wide",
    seed: p.seed,
    devices: 3,
    chaosMs: 20_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 8_000, do: "lose-rows", dev: 1, count: 10 },
      { at: 8_000, do: "lose-rows", dev: 2, count: Math.ceil(n / 3) },
    ],
  };
}

// The origin leaves for good while a joiner pulls its entries (soak seed
// 2079928142, issue 11 sweeps): d2 synced d0's first 300 entries and was
// cut off; d1 joins and pulls d0's 1,300 from d0 over a slow link; d0
// leaves part-way. No device left holds what d1 applied, so its pull can
// never finish against a source (PROTOCOL §3.5 CU-5). It received every
// seq it applied with no hole, so it ends its pull there and serves d2.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function originLeavesMidPull(p: ScenarioParams): Scenario {
  const n = scaled(100_000, p.scale, 1_000);
  return {
    name: "origin-leaves-mid-pull",
    seed: p.seed,
    devices: 3,
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pageMaxChanges: 50 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: 300, batch: 100 },
      { at: 2_000, do: "partition", a: 0, b: 2 },
      { at: 2_100, do: "index", dev: 0, entries: n, batch: 500 },
      { at: 4_000, do: "clog", a: 0, b: 1, bytesPerMs: 20 },
      { at: 4_000, do: "join", dev: 1 },
      { at: 9_000, do: "leave", dev: 0 },
    ],
  };
}

// Range rounds at small limits (PROTOCOL.md §7.5 "Peers MAY use other
// values"): d1 and d2 split 4 ways, list at most 4 items, and send at most
// 7 ranges (B + 3, the least the reference accepts) in 4 KiB, and speak
// only revision 1.1 (range rounds). d1 silently loses a third of d0's
// stream, spread over the id space, while cut from d0, so it reconciles the
// stream with d2: d1 describes a few queued ranges a round, and d2's
// answers end in tails that re-cover ranges d1 still has queued (§7.5
// "Responder at its limit"). Once healed, d0 repairs whatever is left.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function smallLimitPeers(p: ScenarioParams): Scenario {
  const n = scaled(2_000, p.scale, 200);
  return {
    name: "small-limit-peers",
    seed: p.seed,
    devices: 3,
    chaosMs: 8_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    rangeOnly: [1, 2],
    smallLimits: [1, 2],
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 40 },
      { at: 2_000, do: "partition", a: 0, b: 1 },
      { at: 2_500, do: "lose-rows", dev: 1, count: Math.round(n / 3) },
      { at: 7_000, do: "heal", a: 0, b: 1 },
    ],
  };
}

// A device restored from a backup taken before it wrote anything: its own
// streams are behind the peer that holds them (one it has no trace of at
// all). Nothing is written after the restore, so only the pull-back of its
// own streams (PROTOCOL §3.7) can bring them back; a restored origin that
// took the peer's cursor for its own head, or treated its own stream like
// any other, would stay behind or fork its seqs.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function restoreBehindPeer(p: ScenarioParams): Scenario {
  const n = scaled(4_000, p.scale, 40);
  return {
    name: "restore-behind-peer",
    seed: p.seed,
    devices: 2,
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    steps: [
      { at: 5, do: "backup", dev: 0 },
      { at: 10, do: "index", dev: 0, entries: n, batch: 20 },
      { at: 500, do: "tags", dev: 0, count: 5 },
      { at: 6_000, do: "restore", dev: 0, which: 0 },
    ],
  };
}

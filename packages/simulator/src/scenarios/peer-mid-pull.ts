// A peer mid-pull announces a frozen cursor with a fingerprint that
// already counts the pages it applied (PROTOCOL §4.2 row 8): d2 restarts
// behind d0 and pulls over a slow link, while d1 — cut off from d0, at the
// same cursor as d2's frozen one — exchanges with d2 every few seconds.
// d1 must wait for d2's pull to finish, not reconcile against a state the
// cursor does not describe, and all three converge once healed.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function peerMidPull(p: ScenarioParams): Scenario {
  const n = scaled(30_000, p.scale, 300);
  return {
    name: "peer-mid-pull",
    seed: p.seed,
    devices: 3,
    chaosMs: 20_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { periodicExchangeMs: 3_000, pageMaxChanges: 50 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: 60, batch: 60 },
      { at: 2_000, do: "partition", a: 0, b: 1 },
      { at: 2_000, do: "crash", dev: 2 },
      { at: 2_500, do: "index", dev: 0, entries: n, batch: 500 },
      { at: 5_000, do: "clog", a: 0, b: 2, bytesPerMs: 10 },
      { at: 5_000, do: "restart", dev: 2 },
    ],
  };
}

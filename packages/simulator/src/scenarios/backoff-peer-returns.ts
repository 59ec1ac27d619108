// A peer comes back while we back off from it (retry-on-contact): d0's
// messages to d1 are lost silently (no disconnect raised; calls time out
// after 1 s, so d0's backoff grows), then d1 restarts within the
// disconnect-detection time. d0's host is slow to hear of the return (its
// dialer waits out a backoff of its own), so d1's Hello reaches d0's engine
// first: d0 must retry d1 at once, not wait out its backoff. The first
// restart comes after d0's host reported d1 gone (which cancelled d0's
// backoff timer): d1's Hello still means it is up.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function backoffPeerReturns(p: ScenarioParams): Scenario {
  const n = scaled(300, p.scale, 60);
  return {
    name: "backoff-peer-returns",
    seed: p.seed,
    devices: 2,
    chaosMs: 30_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    callTimeoutMs: 1_000,
    slowHosts: [0],
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 50 },
      { at: 100, do: "tags", dev: 1, count: 5 },
      { at: 2_000, do: "partition", a: 0, b: 1, oneWay: true },
      { at: 3_000, do: "tags", dev: 0, count: 5 },
      { at: 12_000, do: "crash", dev: 1 },
      { at: 14_000, do: "restart", dev: 1 },
      { at: 16_000, do: "crash", dev: 1 },
      { at: 16_200, do: "restart", dev: 1 },
      { at: 22_000, do: "crash", dev: 1 },
      { at: 22_300, do: "restart", dev: 1 },
      { at: 26_000, do: "heal", a: 0, b: 1 },
    ],
  };
}

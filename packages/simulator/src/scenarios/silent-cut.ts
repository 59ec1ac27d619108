// Silent one-way cuts between devices with nothing to sync: for 12 s d0's
// messages to d1 and d2's to d0 are lost and no disconnect is raised (the
// links look up), so the calls between them time out (1 s) and they back
// off — the periodic exchange (every 2 s) must wait for the backoff
// (retry-backoff). Then d2's cut heals silently (the next retry finds
// nothing to do), while d0-d1's turns two-way (a disconnect is raised
// mid-backoff) and heals: the reconnect retries at once. Every
// peer must show `ready` again with its failures reset
// (peers-ready-at-rest), and each exchange that timed out must be counted
// as one (exchange-failures-counted).
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function silentCut(p: ScenarioParams): Scenario {
  const n = scaled(1_000, p.scale, 100);
  return {
    name: "silent-cut",
    seed: p.seed,
    devices: 3,
    chaosMs: 30_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { periodicExchangeMs: 2_000, requestTimeoutMs: 1_000, backoffMaxMs: 8_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 50 },
      { at: 3_000, do: "partition", a: 0, b: 1, oneWay: true },
      { at: 3_000, do: "partition", a: 2, b: 0, oneWay: true },
      { at: 15_000, do: "heal", a: 2, b: 0 },
      { at: 15_000, do: "partition", a: 1, b: 0, oneWay: true },
      { at: 18_000, do: "heal", a: 0, b: 1 },
    ],
  };
}

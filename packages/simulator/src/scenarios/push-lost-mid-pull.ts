// A push lost while the pusher pulls from the same peer: d1 joins and
// backfills from d0 over a slow path; meanwhile its path to d0 goes
// silent one way (pages still arrive, its calls to d0 do not), so the
// commits it pushes time out and d1 backs off from d0 while the Backfill
// goes on. The Backfill then ends well: the backoff still stands, and its
// retry must come (peer-transitions-documented: no `ready` out of a
// backoff without a retry or a reconnect; retry-backoff on the wire).
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function pushLostMidPull(p: ScenarioParams): Scenario {
  const n = scaled(2_000, p.scale, 300);
  return {
    name: "push-lost-mid-pull",
    seed: p.seed,
    devices: 2,
    chaosMs: 15_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: {
      requestTimeoutMs: 1_000,
      backoffBaseMs: 6_000,
      periodicExchangeMs: 60_000,
      pageMaxChanges: 20,
    },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 50 },
      { at: 1_000, do: "link", a: 0, b: 1, oneWay: true, bytesPerMs: 20 },
      { at: 1_100, do: "join", dev: 1 },
      { at: 1_500, do: "partition", a: 1, b: 0, oneWay: true },
      { at: 1_600, do: "tags", dev: 1, count: 3 },
      { at: 8_000, do: "heal", a: 1, b: 0 },
    ],
  };
}

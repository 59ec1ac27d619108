// A host announces a scan while its own streams are held unconfirmed
// (PROTOCOL §3.7): after a restart, until every paired peer was heard from
// (d2 is down), and after a peer was added and not yet heard from (d3
// joins). OR-1 lists such a stream without a cursor in an exchange and
// leaves it out of a notice; NT-3 requires a cursor in a notice. The
// reference peer once listed it, so every receiver refused the whole
// notice as MISSING_FIELD (found in node-peer's e2e logs after an index
// run): honest-requests judges every notice on the wire. The run still
// converges either way (the periodic exchange brings the data), so no
// state property sees it.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function announceWhileHeld(p: ScenarioParams): Scenario {
  const n = scaled(400, p.scale, 30);
  return {
    name: "announce-while-held",
    seed: p.seed,
    devices: 4,
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    steps: [
      // Everyone heard from everyone: confirmed, the notice names cursors.
      { at: 10, do: "index", dev: 0, entries: n, batch: 50, announce: true },
      { at: 2_000, do: "crash", dev: 2 },
      // d0 restarts: its new commits wait for d2, which is down.
      { at: 2_500, do: "crash", dev: 0 },
      { at: 3_000, do: "restart", dev: 0 },
      { at: 4_000, do: "index", dev: 0, entries: n, batch: 50, announce: true },
      // d3 joins: d1 holds its new commits until it has heard from d3.
      { at: 6_000, do: "join", dev: 3 },
      { at: 6_001, do: "index", dev: 1, entries: n, batch: 50, announce: true },
      { at: 9_000, do: "restart", dev: 2 },
    ],
  };
}

/**
 * Own commits held for long (PROTOCOL §3.7): d0 restarts while d2 is down
 * and indexes at once, so its entries stream stays unconfirmed (listed
 * without a cursor, as pulling) for 10 s of 2 s exchanges with d1, which
 * holds everything d0 confirmed. d0's stream compares as under way
 * meanwhile, never as a mismatch to reconcile: a reconcile of it with d1
 * could only fetch nothing (reconcile-by-the-lacking-side, -when-due).
 */
export function ownHeldWhilePeerDown(p: ScenarioParams): Scenario {
  const n = scaled(400, p.scale, 30);
  return {
    name: "own-held-while-peer-down",
    seed: p.seed,
    devices: 3,
    chaosMs: 14_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { periodicExchangeMs: 2_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 50 },
      { at: 2_000, do: "crash", dev: 2 },
      { at: 2_500, do: "crash", dev: 0 },
      { at: 3_000, do: "restart", dev: 0 },
      { at: 3_200, do: "index", dev: 0, entries: n, batch: 50 },
      { at: 13_000, do: "restart", dev: 2 },
    ],
  };
}

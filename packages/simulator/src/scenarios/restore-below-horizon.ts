// A device restored from a backup older than the tombstones its peer has
// since pruned: its cursor on the peer's entries is below the peer's
// tombstone horizon, so pulling after it cannot carry the deletes
// (PROTOCOL §5.2). It must resync the stream in full and drop the rows
// deleted meanwhile, without one coming back live on either side.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function restoreBelowHorizon(p: ScenarioParams): Scenario {
  const n = scaled(6_000, p.scale, 60);
  return {
    name: "restore-below-horizon",
    seed: p.seed,
    devices: 2,
    chaosMs: 120_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pruneTombstones: true, periodicExchangeMs: 10_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 1_000, do: "backup", dev: 1 },
      { at: 2_000, do: "delete", dev: 0, count: 10 },
      { at: 2_100, do: "tags", dev: 0, count: 5 },
      // Periodic exchanges carry d1's acks, so d0 prunes the deletes' tombstones.
      { at: 100_000, do: "restore", dev: 1, which: 0 },
    ],
  };
}

/**
 * Bug 16 (no-resurrected-deletes, soak seed 1/4): d1 backs up while it
 * holds d0's tags and assignments; d0 then edits and deletes some of them,
 * d1 acknowledges, d0 prunes the tombstones; d1 is restored from the
 * backup. Its full resync must forget d0's versions of the shared rows
 * whose deletes were pruned, not keep them live.
 */
export function restoreBeforeSharedDelete(p: ScenarioParams): Scenario {
  return {
    name: "restore-before-shared-delete",
    seed: p.seed,
    devices: 2,
    chaosMs: 120_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pruneTombstones: true, periodicExchangeMs: 10_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: 60, batch: 100 },
      { at: 500, do: "tags", dev: 0, count: 20 },
      { at: 1_500, do: "backup", dev: 1 },
      { at: 2_000, do: "tags", dev: 0, count: 30 },
      // Periodic exchanges carry d1's acks, so d0 prunes the deletes' tombstones.
      { at: 100_000, do: "restore", dev: 1, which: 0 },
    ],
  };
}

/**
 * The same with revision 1.1 peers (range rounds, no coded symbols): the
 * full resync learns which of its rows the responder lacks from diff
 * replies' needed ids (PROTOCOL §7.4) as well as from full listings, and
 * must forget those whose deletes were pruned all the same (RC-13).
 */
export function rangeOnlyRestoreBeforeSharedDelete(p: ScenarioParams): Scenario {
  return {
    ...restoreBeforeSharedDelete(p),
    name: "range-only-shared-delete",
    rangeOnly: [0, 1],
  };
}

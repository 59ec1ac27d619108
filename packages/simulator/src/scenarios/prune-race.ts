// Tombstone pruning racing with sync: states that need a peer's view of
// another to be stale while the pruning runs (PROTOCOL §5.2 BF-2, §7.8, §13).
import type { Scenario } from "../scenario.js";
import { type ScenarioParams, scaled } from "./params.js";

/**
 * The source prunes between the exchange it sent and the pull that answers
 * it. d2 restores a backup from before d0's deletes; d0 still believes
 * d2's last acknowledged cursor, since d2's uplink to d0 is slow (4 s; 1 s
 * down). d0's horizon waits only for d1, cut off from d0 since before the
 * deletes but fed by d2 meanwhile: d1's reconnect lets d0 prune while
 * d0's exchange, at the old horizon, is already on its way to d2, so d2
 * asks for a plain pull that arrives below the new horizon. d0 must answer
 * BELOW_HORIZON and d2 must resync in full at once (BF-2, TB-4), with no
 * pruned delete coming back.
 */
export function pruneBeforePull(p: ScenarioParams): Scenario {
  return {
    name: "prune-before-pull",
    seed: p.seed,
    devices: 3,
    chaosMs: 50_000,
    healMs: 60_000,
    weather: "calm",
    config: { pruneTombstones: true, periodicExchangeMs: 10_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: scaled(6_000, p.scale, 60), batch: 100 },
      { at: 1_000, do: "backup", dev: 2 },
      { at: 1_500, do: "partition", a: 0, b: 1 },
      { at: 2_000, do: "delete", dev: 0, count: 10 },
      // d1 holds the deletes from d2 by now; from here on it can reach d0 only.
      { at: 29_000, do: "partition", a: 1, b: 2 },
      // After d0's periodic exchange at 30 s is answered: nothing of d2's is in flight.
      { at: 30_050, do: "link", a: 2, b: 0, oneWay: true, latencyMs: 4_000 },
      { at: 30_050, do: "link", a: 0, b: 2, oneWay: true, latencyMs: 1_000 },
      { at: 30_100, do: "restore", dev: 2, which: 0 },
      // d0's exchange to d2 leaves at ~35.1 s (old horizon); d2's answers reach d0 at ~39 s.
      { at: 36_000, do: "heal", a: 0, b: 1 },
    ],
  };
}

/**
 * A full resync forgets an origin's version of a shared row whose delete
 * was pruned, and another origin's older tombstone of that row must then
 * show (the row stays deleted). d1 and then d0 edit the six shared tags, d2
 * backs up, d0 edits (and deletes) more, every device acknowledges, d0 and
 * d1 prune d0's tombstones; d2 is restored: it holds d0's old live versions
 * over d1's older tombstones, and nothing of d1's stream is below a horizon.
 */
export function restoreOverOldTombstone(p: ScenarioParams): Scenario {
  return {
    name: "restore-over-old-tombstone",
    seed: p.seed,
    devices: 3,
    chaosMs: 60_000,
    healMs: 60_000,
    weather: "calm",
    config: { pruneTombstones: true, periodicExchangeMs: 10_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: 60, batch: 100 },
      { at: 500, do: "tags", dev: 1, count: 20 },
      { at: 800, do: "tags", dev: 0, count: 20 },
      { at: 1_500, do: "backup", dev: 2 },
      { at: 2_000, do: "tags", dev: 0, count: 30 },
      // Periodic exchanges carry every ack, so d0's deletes are pruned everywhere.
      { at: 50_000, do: "restore", dev: 2, which: 0 },
    ],
  };
}

/**
 * A device unpaired with offline edits of shared tags that the others
 * then edit and delete, and prune, is paired again: it never held the
 * deleter's version, so only the delete itself can tell it. Retention
 * (TB-5) longer than its time away keeps the delete in d0's stream; with
 * none it shows tags the others show deleted (PROTOCOL §13's limit).
 */
export function leaverSharedReturns(p: ScenarioParams): Scenario {
  return {
    name: "leaver-shared-returns",
    seed: p.seed,
    devices: 3,
    chaosMs: 90_000,
    healMs: 60_000,
    weather: "calm",
    config: {
      pruneTombstones: true,
      periodicExchangeMs: 10_000,
      sharedTombstoneRetentionMs: 120_000,
    },
    steps: [
      { at: 10, do: "index", dev: 0, entries: 60, batch: 100 },
      { at: 100, do: "partition", a: 1, b: 0, oneWay: true },
      { at: 100, do: "partition", a: 1, b: 2, oneWay: true },
      { at: 200, do: "tags", dev: 1, count: 20 },
      { at: 400, do: "tags", dev: 0, count: 20 },
      { at: 1_000, do: "leave", dev: 1, keep: true },
      { at: 2_000, do: "tags", dev: 0, count: 30 },
      { at: 30_000, do: "heal", a: 1, b: 0 },
      { at: 30_000, do: "heal", a: 1, b: 2 },
      { at: 80_000, do: "join", dev: 1 },
    ],
  };
}

/**
 * A device unpaired while it still holds writes nobody has (its uplink was
 * cut), used alone, then paired again: the others prune without waiting
 * for it, so its cursors on their streams are below their horizons (a
 * full resync each) and its offline writes arrive late. Device-owned rows
 * only: a shared row's older offline edit can outlive a pruned delete
 * (README, lane prune-race).
 */
export function leaverReturns(p: ScenarioParams): Scenario {
  return {
    name: "leaver-returns",
    seed: p.seed,
    devices: 3,
    chaosMs: 90_000,
    healMs: 60_000,
    weather: "calm",
    config: { pruneTombstones: true, periodicExchangeMs: 10_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: scaled(6_000, p.scale, 60), batch: 100 },
      { at: 100, do: "partition", a: 1, b: 0, oneWay: true },
      { at: 100, do: "partition", a: 1, b: 2, oneWay: true },
      { at: 200, do: "index", dev: 1, entries: 20, batch: 20 },
      { at: 1_000, do: "leave", dev: 1, keep: true },
      { at: 1_500, do: "move", dev: 1, count: 3 },
      { at: 2_000, do: "delete", dev: 0, count: 10 },
      { at: 2_100, do: "move", dev: 0, count: 5 },
      { at: 30_000, do: "heal", a: 1, b: 0 },
      { at: 30_000, do: "heal", a: 1, b: 2 },
      // Pruned by now (periodic exchanges resume once realtime traffic stops).
      { at: 80_000, do: "join", dev: 1 },
    ],
  };
}

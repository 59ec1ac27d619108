// Named regression scenarios for the holes of issue 11: each is the
// smallest schedule in the simulator's own language that reaches the state
// an engine bug or a simulator defect needs. They pass on a correct engine;
// the property that fails on the broken one is named beside each.
import type { Lie, Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

/**
 * Bug 1 (no-seq-reuse): d0 backs up twice, writes on, then restores its
 * *second* backup and commits at once, before any exchange: seqs after the
 * backup's head were already handed out.
 */
export function restoreThenWrite(p: ScenarioParams): Scenario {
  const n = scaled(5_000, p.scale, 100);
  return {
    name: "restore-then-write",
    seed: p.seed,
    devices: 2,
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 50 },
      { at: 500, do: "tags", dev: 0, count: 5 },
      { at: 2_000, do: "backup", dev: 0 },
      { at: 2_500, do: "tags", dev: 0, count: 5 },
      { at: 3_000, do: "backup", dev: 0 },
      { at: 3_500, do: "tags", dev: 0, count: 10 },
      { at: 4_000, do: "index", dev: 0, entries: n, batch: 50 },
      { at: 8_000, do: "restore", dev: 0, which: 1, thenWrite: 5 },
    ],
  };
}

/**
 * Bug 2 (no-resurrected-deletes, last-writer-wins): with pruning on, d0
 * deletes shared rows d1 also wrote; the acknowledged tombstones are
 * pruned; d2 joins late and must not see them live.
 */
export function pruneSharedDelete(p: ScenarioParams): Scenario {
  return {
    name: "prune-shared-delete",
    seed: p.seed,
    devices: 3,
    chaosMs: 200_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pruneTombstones: true, periodicExchangeMs: 10_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: 50, batch: 50 },
      { at: 100, do: "tags", dev: 1, count: 12 },
      { at: 1_000, do: "tags", dev: 0, count: 12 },
      { at: 2_000, do: "tags", dev: 0, count: 12 },
      { at: 3_000, do: "collections", dev: 1, count: 8 },
      { at: 4_000, do: "collections", dev: 0, count: 8 },
      // Exchanges carry the acks that let both prune; then a newcomer.
      { at: 150_000, do: "join", dev: 2 },
    ],
  };
}

/**
 * Bug 3 (cursors-at-head within converges-in-time): both clocks stick for
 * good right after realtime traffic, then a push is lost silently (no
 * answer, no later batch shows the gap): only a periodic exchange can find
 * it, and a wall-clock activity window calls stale traffic "just now".
 */
export function frozenClockLostPush(p: ScenarioParams): Scenario {
  return {
    name: "frozen-clock-lost-push",
    seed: p.seed,
    devices: 2,
    chaosMs: 10_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    // Long deadlines: a timed-out push would re-exchange on its own.
    callTimeoutMs: 600_000,
    config: { requestTimeoutMs: 600_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: 50, batch: 10 },
      { at: 1_000, do: "tags", dev: 0, count: 2 },
      { at: 1_100, do: "clock", dev: 0, frozen: true, persist: true },
      { at: 1_100, do: "clock", dev: 1, frozen: true, persist: true },
      { at: 1_200, do: "link", a: 0, b: 1, oneWay: true, loss: 1 },
      { at: 1_300, do: "tags", dev: 0, count: 3 },
      { at: 2_000, do: "link", a: 0, b: 1, oneWay: true, loss: 0 },
    ],
  };
}

/**
 * Bug 7 (cursor-within-origin-head, cursors-contiguous): the origin goes
 * down; a joiner can only pull from d1, which answers with reordered pages
 * and then with an inflated complete_through.
 */
export function lyingRelay(p: ScenarioParams): Scenario {
  const n = scaled(3_000, p.scale, 300);
  return {
    name: "lying-relay",
    seed: p.seed,
    devices: 3,
    chaosMs: 20_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    keepDown: [0],
    config: { pageMaxChanges: 50 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 3_000, do: "crash", dev: 0 },
      { at: 3_500, do: "liar", dev: 1, lie: "reorder-pages" },
      { at: 4_000, do: "join", dev: 2 },
      { at: 9_000, do: "liar", dev: 1, lie: "over-claim" },
      { at: 9_500, do: "tags", dev: 1, count: 3 },
    ],
  };
}

/** Bug 8 (cursors-at-head): a joiner behind a lasting 8 B/ms path must still land pages. */
export function slowLinkBackfill(p: ScenarioParams): Scenario {
  // Full pages of 1,000 signed changes (~165 KB) take ~21 s at 8 B/ms, past
  // the 10 s page timeout. (4 B/ms before signatures added ~66 B a change.)
  const n = scaled(2_000, p.scale, 2_000);
  return {
    name: "slow-link-backfill",
    seed: p.seed,
    devices: 2,
    chaosMs: 5_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 500 },
      { at: 2_000, do: "link", a: 0, b: 1, bytesPerMs: 8, persist: true },
      { at: 2_500, do: "join", dev: 1 },
    ],
  };
}

/**
 * S11 (no false alarm): a relay that lost rows (corruption) serves a joiner
 * while the origin is down; the joiner's copy of the damage is exempt until
 * the origin is back and both repair.
 */
export function relayAfterRowLoss(p: ScenarioParams): Scenario {
  const n = scaled(3_000, p.scale, 200);
  return {
    name: "relay-after-row-loss",
    seed: p.seed,
    devices: 3,
    chaosMs: 20_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 3_000, do: "crash", dev: 0 },
      { at: 3_500, do: "lose-rows", dev: 1, count: 20 },
      { at: 5_000, do: "join", dev: 2 },
    ],
  };
}

/**
 * Bug 10 (cursors-contiguous on the puller): line d0 - d1 - d2 over a
 * reordering network with small realtime batches; d0 adds locations and
 * moves files into them, so d1 holds moved entries behind a late location
 * batch while d2 pulls entries from d1 in small pages.
 */
export function crossLocationMoves(p: ScenarioParams): Scenario {
  const n = scaled(1_000, p.scale, 300);
  const steps: Scenario["steps"][number][] = [
    { at: 10, do: "index", dev: 0, entries: n, batch: 50 },
  ];
  for (let k = 0; k < 6; k++) {
    steps.push({ at: 2_000 + k * 1_500, do: "index", dev: 0, entries: 30, batch: 10 });
    steps.push({ at: 2_050 + k * 1_500, do: "move", dev: 0, count: 10 });
  }
  return {
    name: "cross-location-moves",
    seed: p.seed,
    devices: 3,
    topology: "line",
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "stormy",
    config: { pageMaxChanges: 3, realtimeMaxBatch: 5 },
    steps,
  };
}

/**
 * Bug 11 (converges-in-time under CPU cost): a chain hundreds of
 * directories deep and moves of its deepest subtrees; every replica pays
 * subtree x depth closure rows per move in virtual CPU time.
 */
export function deepTreeMoves(p: ScenarioParams): Scenario {
  const depth = scaled(60_000, p.scale, 200);
  return {
    name: "deep-tree-moves",
    seed: p.seed,
    devices: 3,
    chaosMs: 20_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    cpuMsPerRow: 0.002,
    steps: [
      { at: 10, do: "index", dev: 0, entries: depth + 200, batch: 500, depth },
      { at: 5_000, do: "move", dev: 0, count: 3, targeted: true },
      { at: 10_000, do: "move", dev: 0, count: 3, targeted: true },
    ],
  };
}

/**
 * Bugs 4 and 5 (hlc-within-max-offset, converges-in-time): d1's clock runs
 * 7 minutes fast (past the 5-minute max offset) while it edits shared tags
 * and indexes; d2 joins and backfills every stream from d1. The far-ahead
 * tags are held until real time reaches them (PROTOCOL §12); every other
 * stream of the same Backfill must land meanwhile, and no receiver's clock
 * may be dragged past the offset.
 */
export function farAheadClock(p: ScenarioParams): Scenario {
  const n = scaled(2_000, p.scale, 60);
  return {
    name: "far-ahead-clock",
    seed: p.seed,
    devices: 3,
    chaosMs: 10_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pageMaxChanges: 50 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 50 },
      { at: 100, do: "clock", dev: 1, skewMs: 420_000 },
      { at: 200, do: "tags", dev: 1, count: 6 },
      { at: 300, do: "index", dev: 1, entries: n, batch: 50 },
      { at: 400, do: "tags", dev: 0, count: 6 },
      { at: 2_000, do: "collections", dev: 1, count: 3 },
      { at: 4_000, do: "join", dev: 2 },
    ],
  };
}

/**
 * Bug 6 (retry-backoff): the origin d0 is down; d2 joins while its only
 * source, the relay d1, answers every Backfill with its pages reordered for
 * a minute and a half. Each retry's exchange succeeds and its pull is
 * refused: the failures must still back off exponentially, not retry at
 * the first delay forever.
 */
export function lyingSourceRetries(p: ScenarioParams): Scenario {
  return onlySourceLies(p, "lying-source-retries", "reorder-pages", 50, 200);
}

/**
 * The origin d0 indexes (at least `minEntries` at any scale) and goes down
 * for good; d2 joins while its only source, the relay d1, lies (`lie`) for
 * a minute and a half: every retry of the joiner's pull meets the lie.
 */
export function onlySourceLies(
  p: ScenarioParams,
  name: string,
  lie: Lie,
  pageMaxChanges: number,
  minEntries: number,
): Scenario {
  const n = scaled(1_000, p.scale, minEntries);
  return {
    name,
    seed: p.seed,
    devices: 3,
    chaosMs: 90_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    keepDown: [0],
    config: { pageMaxChanges },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 50 },
      { at: 3_000, do: "crash", dev: 0 },
      { at: 3_500, do: "liar", dev: 1, lie },
      { at: 4_000, do: "join", dev: 2 },
    ],
  };
}

/**
 * A pruned stream longer than one page (cursors-at-head): d0 deletes
 * entries and prunes the acknowledged tombstones; d2 joins later and pulls
 * d0's entries from the start in 50-change pages. The responder judged
 * every page's resume point against its horizon, so the second page came
 * back BELOW_HORIZON, which the joiner (rightly, §5.2 BF-17) called
 * malformed: it stayed pulling for good. Found by a random scenario
 * (seed 859927343, replayed in issue11.test.ts).
 */
export function prunedStreamJoiner(p: ScenarioParams): Scenario {
  const n = scaled(300, p.scale, 120);
  return {
    name: "pruned-stream-joiner",
    seed: p.seed,
    devices: 3,
    chaosMs: 200_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pruneTombstones: true, periodicExchangeMs: 10_000, pageMaxChanges: 50 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 100, do: "tags", dev: 1, count: 5 },
      { at: 2_000, do: "delete", dev: 0, count: 10 },
      // Exchanges carry the acks that let d0 prune; then a newcomer.
      { at: 150_000, do: "join", dev: 2 },
    ],
  };
}

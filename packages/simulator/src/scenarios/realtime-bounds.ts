// The realtime pending buffer at each of its bounds (PROTOCOL §8 PC-2,
// §11): a joiner pulls over a slow link while the origins keep committing
// in small batches, so their pushes reach it mid-pull and are held (HELD)
// until the pull ends. Each scenario sets one bound below what arrives
// meanwhile: the batch that would pass it is DROPPED (never held past
// it), the held ones drain when the pull ends, and a later exchange pulls
// what was dropped. `buffers-bounded` judges every sample (held changes
// per stream, held bytes, the exported gauges against each other).
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

/**
 * Pushes lost while the joiner holds: a held batch after a lost one stays
 * held past the drain that applies those before it (a gap pull follows).
 */
const LOSSY_PUSHES: Scenario["steps"] = [
  { at: 2_200, do: "weather", weather: "lossy" },
  { at: 6_000, do: "weather", weather: "calm" },
];

/**
 * The writers (d0, and d1 when `writers` is 2) index entries; the last
 * device joins over a slow link and keeps pulling while they commit 2
 * changes a batch; `lossy`: some pushes are lost meanwhile.
 */
function pushesMidPull(
  p: ScenarioParams,
  name: string,
  writers: 1 | 2,
  config: Scenario["config"],
  lossy = false,
): Scenario {
  // Enough for the pull to outlast the pushes (two writers: twice the pull).
  const n = scaled(300, p.scale, writers === 1 ? 150 : 80);
  const joiner = writers;
  const slow = [0, 1]
    .slice(0, writers)
    .map((a) => ({ at: 1_500, do: "link" as const, a, b: joiner, bytesPerMs: 3, persist: false }));
  const more = [0, 1].slice(0, writers).map((dev) => ({
    at: 2_300,
    do: "index" as const,
    dev,
    entries: writers === 1 ? 40 : 16,
    batch: 2,
  }));
  return {
    name,
    seed: p.seed,
    devices: writers + 1,
    chaosMs: 10_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { realtimeMaxBatch: 2, pageMaxChanges: 20, ...config },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 50 },
      ...(writers === 2 ? [{ at: 10, do: "index" as const, dev: 1, entries: n, batch: 50 }] : []),
      ...slow,
      { at: 2_000, do: "join", dev: joiner },
      ...more,
      ...(lossy ? LOSSY_PUSHES : []),
    ],
  };
}

/** At most 4 realtime changes held per stream (SyncConfig's pendingBufferMax). */
export function realtimePendingBound(p: ScenarioParams): Scenario {
  return pushesMidPull(p, "realtime-pending-bound", 1, { pendingBufferMax: 4 });
}

/** At most ~1 KB of realtime batches held from one pushing peer, some pushes lost. */
export function realtimeBytesPerPeer(p: ScenarioParams): Scenario {
  const bound = { heldRealtimeBytesPerPeer: 1_000 };
  return pushesMidPull(p, "realtime-bytes-per-peer", 1, bound, true);
}

/** At most ~1.5 KB held over all peers: two origins push to one joiner. */
export function realtimeBytesOverall(p: ScenarioParams): Scenario {
  return pushesMidPull(p, "realtime-bytes", 2, { heldRealtimeBytes: 1_500 });
}

/**
 * An origin restored from a backup while a receiver holds its old pushes
 * (PROTOCOL §3.7, bug 1's path): d1 joins over a slow link and holds d0's
 * pushes mid-pull; d0 crashes, comes back from a backup taken before those
 * pushes and writes at once, handing out their seqs again. When d0 reports
 * its head, d1 must drop what it holds past it (an earlier incarnation's)
 * rather than apply it over the new chain; the run converges on d0's rows.
 */
export function restoreWhileHeld(p: ScenarioParams): Scenario {
  return restoredWhileHeld(p, "restore-while-held", 1_000);
}

/**
 * The same with a backup taken before d0 wrote anything: the restored d0
 * lists none of the streams d1 holds pushes of. Before the fix d1 kept
 * them held for good, and drained them over d0's new chain once it reached
 * their prev_seq (PROTOCOL §8's note on held batches).
 */
export function restoreBeforeStreamWhileHeld(p: ScenarioParams): Scenario {
  return restoredWhileHeld(p, "restore-before-stream-while-held", 5);
}

/**
 * The same with a backup taken 2 ms into d0's burst of small commits: the
 * restored head lies inside what d1 comes to hold, so only the batches
 * past it are dropped; those below it stay held, to drain when the pull ends.
 */
export function restoreAmidHeld(p: ScenarioParams): Scenario {
  return restoredWhileHeld(p, "restore-amid-held", 2_302);
}

function restoredWhileHeld(p: ScenarioParams, name: string, backupAt: number): Scenario {
  const base = pushesMidPull(p, name, 1, {});
  return {
    ...base,
    steps: [
      ...base.steps,
      { at: backupAt, do: "backup", dev: 0 },
      { at: 3_000, do: "restore", dev: 0, which: 0, thenWrite: 3 },
    ],
  };
}

/**
 * A realtime push refused for a dependency bound (§11): d0 adds a location
 * and indexes into it while the pushes carrying the location reach d1 late
 * (late-parents), so d1 holds the entries for it; 5 entries a push against
 * a 3-change dependency buffer. The push past the bound is acked DROPPED
 * and reported as the bound it reached (`limit-reached`, never an error);
 * a pull brings what was dropped once the location arrives.
 */
export function realtimeDependencyBound(p: ScenarioParams): Scenario {
  return {
    name: "realtime-dependency-bound",
    seed: p.seed,
    devices: 2,
    chaosMs: 6_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { realtimeMaxBatch: 1, dependencyBufferMax: 3 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: scaled(300, p.scale, 20), batch: 10 },
      { at: 1_000, do: "late-parents", a: 0, b: 1, delayMs: 3_000 },
      { at: 1_200, do: "index", dev: 0, entries: 15, batch: 5 },
    ],
  };
}

// The dependency buffer at its bound (RF-2): the origin d0 goes down and
// the relay d1 answers Backfills with their pages reordered, so joiners get
// children before their parents — a reordered page is more than the
// buffer (30 changes) holds, so a page past the bound is refused, never
// held past it; renames before the crash hold children of a renamed
// directory (served after them: compaction); d3's own entries share the
// buffer. After the heal (the lie ends) every held change must drain.
// The bound (30) is below the children of a renamed directory: a joiner
// must fetch the awaited parents by id (RF-5) to finish the stream.
import type { Lie, Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

/**
 * The origin d0 indexes `n` entries, renames 20 and deletes 5, d1 indexes
 * its own, d0 crashes (kept down), two devices join from what is left and
 * d3 writes while it catches up; `lie` makes the relay d1 lie from 3.5 s.
 */
function renamesThenJoiners(
  p: ScenarioParams,
  name: string,
  n: number,
  dependencyBufferMax: number,
  lie?: Lie,
  more: { readonly config?: Scenario["config"]; readonly steps?: Scenario["steps"] } = {},
): Scenario {
  return {
    name,
    seed: p.seed,
    devices: 4,
    chaosMs: 20_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    keepDown: [0],
    config: { pageMaxChanges: 50, dependencyBufferMax, ...more.config },
    steps: [
      ...(more.steps ?? []),
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 1_500, do: "move", dev: 0, count: 20 },
      { at: 2_000, do: "delete", dev: 0, count: 5 },
      { at: 2_500, do: "index", dev: 1, entries: Math.ceil(n / 2), batch: 50 },
      { at: 3_000, do: "crash", dev: 0 },
      ...(lie === undefined ? [] : [{ at: 3_500, do: "liar" as const, dev: 1, lie }]),
      { at: 4_000, do: "join", dev: 2 },
      { at: 4_500, do: "join", dev: 3 },
      { at: 5_000, do: "index", dev: 3, entries: 50, batch: 10 },
    ],
  };
}

/**
 * Each of the dependency buffer's other bounds (PROTOCOL §11, ReplicaBounds)
 * set below what a page of a renamed directory's children needs at once,
 * the row count left high: the bound that binds must refuse, the joiners
 * fetch the awaited parents by id (RF-5) and finish. The protocol's byte
 * bounds (64 MiB) are far past anything a simulated run holds, so the
 * scenarios set their own; `buffers-bounded` judges every instant.
 */
function boundBinds(
  p: ScenarioParams,
  name: string,
  config: Scenario["config"],
  dependencyBufferMax = 1_000,
): Scenario {
  const n = scaled(200, p.scale, 200);
  // One change a page: each page holds at most one more, so the buffer
  // fills to its bound exactly (a bound one change too loose shows).
  return renamesThenJoiners(p, name, n, dependencyBufferMax, undefined, {
    config: { pageMaxChanges: 1, ...config },
  });
}

/**
 * At most 6 changes held over all origins (SyncConfig's dependencyBufferMax),
 * 50-change pages: a page crosses the bound before anything of its stream
 * is held, so only the refusal names the parent to fetch.
 */
export function dependencyRows(p: ScenarioParams): Scenario {
  return boundBinds(p, "dependency-rows", { pageMaxChanges: 50 }, 6);
}

/** At most 6 changes of one origin held (the joiners' own entries share the buffer). */
export function dependencyRowsPerOrigin(p: ScenarioParams): Scenario {
  return boundBinds(p, "dependency-rows-per-origin", { dependencyRowsPerOrigin: 6 });
}

/** At most 900 encoded bytes of one origin held (about six changes). */
export function dependencyBytesPerOrigin(p: ScenarioParams): Scenario {
  return boundBinds(p, "dependency-bytes-per-origin", { dependencyBytesPerOrigin: 900 });
}

/** At most 900 encoded bytes held over all origins. */
export function dependencyBytesOverall(p: ScenarioParams): Scenario {
  return boundBinds(p, "dependency-bytes", { dependencyBytes: 900 });
}

/**
 * The row bounds binding with nothing to relieve them: the relay d1
 * answers fetches by id without the rows (a withholding relay, from 3.5 s
 * to the heal), so a joiner's page past a bound stays refused and is
 * reported as the bound it hit (`tidemark_limit_breaches_total{limit}`),
 * while changes of two origins wait at once (d1 renames too, and puts its
 * top directory into a new one). Commits of d1 and d3 naming a parent
 * the writer does not hold must be refused. After the heal the parents
 * come and every held change drains.
 */
export function parentsWithheld(p: ScenarioParams): Scenario {
  const n = scaled(200, p.scale, 200);
  return renamesThenJoiners(p, "parents-withheld", n, 6, "withhold-parents", {
    config: { pageMaxChanges: 3, dependencyRowsPerOrigin: 4 },
    steps: [
      { at: 2_800, do: "move", dev: 1, count: 10 },
      // d1's top directory put into a new one: every replica moves a parentless row.
      { at: 19_500, do: "move", dev: 1, count: 1, wrap: true },
      // Own writes under a directory the writer does not hold: d1's before
      // it relays, d3's while it catches up.
      { at: 2_900, do: "stale-parent", dev: 1, count: 4 },
      { at: 5_200, do: "stale-parent", dev: 3, count: 2 },
    ],
  });
}

export function tightDependencyBuffer(p: ScenarioParams): Scenario {
  const n = scaled(2_000, p.scale, 200);
  return renamesThenJoiners(p, "tight-dependency-buffer", n, 30, "reorder-pages");
}

/**
 * A directory renamed or moved after its children is served after them
 * (each row's latest version, in seq order): an honest source, a 20-change
 * buffer, 200 entries and 20 renames. Before RF-5 (parents fetched by id)
 * the joiners refused the same page forever and never finished the stream
 * (`cursors-at-head`: `cursor=none … pulling`).
 */
export function renamedParentTightBuffer(p: ScenarioParams): Scenario {
  const n = scaled(200, p.scale, 200);
  return renamesThenJoiners(p, "renamed-parent-tight-buffer", n, 20);
}

/**
 * Bug 9, parents first across pulls: d1 is cut off from d0 (one way) while
 * d0 indexes a new location and renames 20 entries, so each renamed
 * directory's latest version is served after its children. After the heal
 * d0's next commits reach d1 with a gap, and the gap's pull (entries after
 * d1's cursor, started by the realtime gap, not by a joiner's Backfill)
 * holds those children against a 20-change buffer. The puller must fetch
 * the awaited parents by id (RF-5); without it (variant noParentsById) it
 * refuses the same page on every retry (`cursors-at-head`, d1 pulling).
 */
export function gapPullRenamedParents(p: ScenarioParams): Scenario {
  const n = scaled(200, p.scale, 200);
  return {
    name: "gap-pull-renamed-parents",
    seed: p.seed,
    devices: 2,
    chaosMs: 30_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { dependencyBufferMax: 20, pageMaxChanges: 50, realtimeMaxBatch: 50 },
    steps: [
      // d1's cursor of d0's entries: the later push is a gap after it.
      { at: 10, do: "index", dev: 0, entries: 20, batch: 20 },
      { at: 3_000, do: "partition", a: 0, b: 1, oneWay: true },
      { at: 3_100, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 5_000, do: "move", dev: 0, count: 20 },
      { at: 8_000, do: "heal", a: 0, b: 1 },
      { at: 8_050, do: "index", dev: 0, entries: 60, batch: 20 },
    ],
  };
}

/**
 * Held changes superseded while they wait: a joiner pulls d0's entries over
 * a slow link against a small per-origin bound while d0 keeps moving
 * entries and renaming directories, so a later page brings a newer version
 * of a row still held for its old parent (it replaces the held one, or is
 * applied and drops it); the joiner restarts mid-pull (the buffer is
 * durable: it reopens holding the same changes).
 */
export function movesWhileHeld(p: ScenarioParams): Scenario {
  const n = scaled(2_000, p.scale, 300);
  return {
    name: "moves-while-held",
    seed: p.seed,
    devices: 2,
    chaosMs: 30_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pageMaxChanges: 40, dependencyRowsPerOrigin: 8 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 1_000, do: "move", dev: 0, count: 20 },
      { at: 1_500, do: "link", a: 0, b: 1, bytesPerMs: 4, persist: false },
      { at: 2_000, do: "join", dev: 1 },
      ...[2_500, 3_500, 4_500, 5_500, 6_500, 7_500].map((at) => ({
        at,
        do: "move" as const,
        dev: 0,
        count: 15,
      })),
      { at: 5_000, do: "crash", dev: 1 },
      { at: 5_200, do: "restart", dev: 1 },
    ],
  };
}

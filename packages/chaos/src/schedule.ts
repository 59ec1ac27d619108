// A chaos run is plain data: the peers, a timed list of steps (workload
// and faults, `at` ms after the start) and the heal bound. The runner
// records the schedule it ran to a file and replays one from a file; a
// seed plans one. Real processes are not bit-deterministic, so a replay
// reproduces the schedule and the verdict, not every packet.
import { Prng } from "@tidemark/simulator";

/** A direction of data between two peers (index a's bytes towards index b). */
export type Dir = { readonly a: number; readonly b: number };

export type ChaosStep =
  // workload, through TestControl
  | { readonly at: number; readonly do: "index"; readonly dev: number; readonly entries: number }
  | { readonly at: number; readonly do: "tags"; readonly dev: number; readonly count: number }
  | { readonly at: number; readonly do: "delete"; readonly dev: number; readonly count: number }
  // link faults, in the proxy
  | ({
      readonly at: number;
      readonly do: "latency";
      readonly ms: number;
      readonly jitterMs: number;
    } & Dir)
  | ({ readonly at: number; readonly do: "reorder"; readonly windowMs: number } & Dir)
  | ({ readonly at: number; readonly do: "drop"; readonly rate: number } & Dir)
  | ({ readonly at: number; readonly do: "slow"; readonly msPerChunk: number } & Dir)
  | ({ readonly at: number; readonly do: "reset-backfill"; readonly afterChunks: number } & Dir)
  | ({ readonly at: number; readonly do: "partition"; readonly oneWay: boolean } & Dir)
  | ({ readonly at: number; readonly do: "heal" } & Dir)
  | { readonly at: number; readonly do: "isolate"; readonly dev: number }
  | { readonly at: number; readonly do: "rejoin"; readonly dev: number }
  // processes
  | { readonly at: number; readonly do: "kill"; readonly dev: number }
  | { readonly at: number; readonly do: "kill-mid-backfill"; readonly dev: number }
  | { readonly at: number; readonly do: "restart"; readonly dev: number };

export type ChaosStepKind = ChaosStep["do"];

export type Schedule = {
  readonly format: "tidemark-chaos-schedule/1";
  readonly seed: number;
  readonly peers: number;
  /** Seed of the proxy's per-call decisions (jitter, drops). */
  readonly proxySeed: number;
  readonly steps: readonly ChaosStep[];
  /** Bound on ms after healing for the peers to converge. */
  readonly healMs: number;
};

export type PlanOptions = {
  readonly seed: number;
  readonly peers: number;
  /** Entries each indexing step writes (the size of the run). */
  readonly entries?: number;
  readonly healMs?: number;
};

/**
 * Plans a run from a seed: writes everywhere under latency and reordering;
 * one peer cut off from the start while the others write, then let back
 * over slow links and SIGKILLed while it backfills; a one-way
 * partition and reset Backfill streams between two others; a plain kill
 * and restart. Every peer ends running, every link healed.
 */
export function planSchedule(opts: PlanOptions): Schedule {
  const rng = new Prng(opts.seed);
  const n = opts.peers;
  if (!Number.isInteger(n) || n < 2)
    throw new RangeError(`peers must be an integer >= 2, got ${n}`);
  const entries = opts.entries ?? 120;
  const steps: ChaosStep[] = [];
  const at = (ms: number) => ms + rng.int(50);
  const lagger = rng.int(n);
  const others = [...Array(n).keys()].filter((i) => i !== lagger);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      if (a === b) continue;
      steps.push({ at: 0, do: "latency", a, b, ms: 2 + rng.int(10), jitterMs: rng.int(15) });
      if (rng.chance(0.5)) steps.push({ at: 0, do: "reorder", a, b, windowMs: 20 + rng.int(40) });
    }
  }
  // The lagger joins late: cut off before anyone writes, it holds no cursor
  // for the others' streams until it comes back and backfills them whole.
  steps.push({ at: 0, do: "isolate", dev: lagger });
  for (const dev of [...Array(n).keys()]) steps.push({ at: at(100), do: "index", dev, entries });
  for (const dev of others) {
    steps.push({ at: at(1_800), do: "index", dev, entries: entries * 2 });
    steps.push({ at: at(2_400), do: "tags", dev, count: 6 });
    steps.push({ at: at(2_800), do: "delete", dev, count: Math.max(1, entries >> 3) });
  }
  steps.push({ at: at(3_000), do: "tags", dev: lagger, count: 4 });
  // The lagger comes back over slow links and dies while it backfills.
  for (const dev of others)
    steps.push({ at: 3_400, do: "slow", a: dev, b: lagger, msPerChunk: 40 });
  steps.push({ at: 3_500, do: "rejoin", dev: lagger });
  steps.push({ at: 3_600, do: "kill-mid-backfill", dev: lagger });
  steps.push({ at: at(6_000), do: "restart", dev: lagger });
  for (const dev of others) steps.push({ at: 6_100, do: "slow", a: dev, b: lagger, msPerChunk: 0 });
  const [x, y] = others;
  if (x !== undefined && y !== undefined) {
    steps.push({ at: at(6_500), do: "partition", a: x, b: y, oneWay: true });
    steps.push({ at: at(6_600), do: "drop", a: y, b: x, rate: 0.2 });
    steps.push({ at: at(6_700), do: "reset-backfill", a: y, b: x, afterChunks: 1 + rng.int(3) });
    steps.push({ at: at(6_800), do: "index", dev: x, entries });
    steps.push({ at: at(7_000), do: "tags", dev: y, count: 4 });
    steps.push({ at: at(8_000), do: "heal", a: x, b: y });
    steps.push({ at: at(8_200), do: "kill", dev: y });
    steps.push({ at: at(8_300), do: "index", dev: x, entries: entries >> 1 });
    steps.push({ at: at(9_000), do: "restart", dev: y });
  }
  steps.sort((p, q) => p.at - q.at);
  return {
    format: "tidemark-chaos-schedule/1",
    seed: opts.seed,
    peers: n,
    proxySeed: rng.nextU32(),
    steps,
    healMs: opts.healMs ?? 60_000,
  };
}

const KINDS: ReadonlySet<string> = new Set<ChaosStepKind>([
  "index",
  "tags",
  "delete",
  "latency",
  "reorder",
  "drop",
  "slow",
  "reset-backfill",
  "partition",
  "heal",
  "isolate",
  "rejoin",
  "kill",
  "kill-mid-backfill",
  "restart",
]);

/** Reads a recorded schedule, checking what a hand edit could break. */
export function parseSchedule(text: string, source: string): Schedule {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ScheduleError(`${source}: not JSON (${String(err)})`);
  }
  const s = data as Partial<Schedule>;
  if (s.format !== "tidemark-chaos-schedule/1")
    throw new ScheduleError(`${source}: not a chaos schedule (format "${String(s.format)}")`);
  const peers = s.peers ?? 0;
  if (!Number.isInteger(peers) || peers < 2)
    throw new ScheduleError(`${source}: peers must be >= 2`);
  if (!Array.isArray(s.steps)) throw new ScheduleError(`${source}: steps must be a list`);
  s.steps.forEach((step, i) => {
    const where = `${source}: step #${i}`;
    if (!KINDS.has(step.do)) throw new ScheduleError(`${where}: unknown step "${String(step.do)}"`);
    if (typeof step.at !== "number" || step.at < 0) throw new ScheduleError(`${where}: bad "at"`);
    for (const k of ["dev", "a", "b"] as const) {
      const v = (step as Record<string, unknown>)[k];
      if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 0 && (v as number) < peers))
        throw new ScheduleError(`${where}: ${k} must be a peer index 0..${peers - 1}`);
    }
  });
  return {
    format: s.format,
    seed: Number(s.seed ?? 0),
    peers,
    proxySeed: Number(s.proxySeed ?? 0),
    steps: s.steps,
    healMs: Number(s.healMs ?? 60_000),
  };
}

export class ScheduleError extends Error {
  override readonly name = "ScheduleError";
}

// `pnpm --filter @tidemark/simulator bench:soak [--runs N] [--rounds R]
// [--size small|soak] [--seed S] [--json]`: seeds/s of the soak pool at 1
// and at 2 workers over the same seeds, in each V8 mode, rotating the order
// each round so a neighbour's load falls on all. The headline is what
// `sim:soak` picks by itself (v8Mode); the other two rows say what each
// mode costs. Says where the time goes: CPU the workers and the pool got
// (cores used = CPU / wall), mean wall per seed (it grows when the workers
// share a core), worker start-up, and idle worker time.
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { runPool, type V8Mode, v8Mode } from "./pool.js";
import type { SeedVerdict, SoakPlan, SoakSize } from "./run-seed.js";

type Measure = {
  readonly round: number;
  readonly workers: number;
  readonly v8: V8Mode;
  readonly seeds: number;
  readonly wallMs: number;
  readonly seedsPerSec: number;
  readonly coresUsed: number;
  /** Seeds per CPU second: flat across worker counts when threads cost nothing extra. */
  readonly seedsPerCpuSec: number;
  readonly meanSeedMs: number;
  readonly startupMs: number;
  readonly idleShare: number;
  readonly loadBefore: number;
  readonly loadAfter: number;
};

async function measure(plan: SoakPlan, { workers, v8 }: Config, round: number): Promise<Measure> {
  const seeds: SeedVerdict[] = [];
  const loadBefore = loadavg()[0] ?? 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await runPool({
    plan,
    workers,
    v8,
    indices: [...Array(plan.runs).keys()],
    onVerdict: (v) => seeds.push(v),
  });
  const wallMs = performance.now() - t0;
  const own = process.cpuUsage(cpu0);
  const cpuMs = (own.user + own.system) / 1000 + out.workerCpuMs;
  const busy = seeds.reduce((n, v) => n + v.wallMs, 0);
  return {
    round,
    workers,
    v8,
    seeds: seeds.length,
    wallMs,
    seedsPerSec: seeds.length / (wallMs / 1000),
    coresUsed: cpuMs / wallMs,
    seedsPerCpuSec: seeds.length / (cpuMs / 1000),
    meanSeedMs: busy / seeds.length,
    startupMs: out.startupMs,
    idleShare: 1 - busy / (workers * wallMs),
    loadBefore,
    loadAfter: loadavg()[0] ?? 0,
  };
}

function line(m: Measure): string {
  return `round ${m.round} workers ${m.workers} ${m.v8}: ${m.seeds} seeds in ${(m.wallMs / 1000).toFixed(1)} s = ${m.seedsPerSec.toFixed(2)} seeds/s; cores used ${m.coresUsed.toFixed(2)}, ${m.seedsPerCpuSec.toFixed(2)} seeds/CPU-s, mean seed ${m.meanSeedMs.toFixed(0)} ms, start-up ${m.startupMs.toFixed(0)} ms, workers idle ${(m.idleShare * 100).toFixed(0)}%, load ${m.loadBefore.toFixed(2)} → ${m.loadAfter.toFixed(2)}`;
}

type Config = { readonly workers: number; readonly v8: V8Mode };
const key = (c: Config) => `${c.workers} ${c.v8}`;

/** What sim:soak picks at 1 and 2 workers, then the same counts in the other mode. */
function configs(): Config[] {
  const auto = [1, 2].map((workers) => ({ workers, v8: v8Mode(workers, 2) }));
  const other = auto.map((c) => ({
    workers: c.workers,
    v8: c.v8 === "background" ? ("single-threaded" as const) : ("background" as const),
  }));
  return [...auto, ...other];
}

type Totals = { readonly rate: number; readonly cores: number; readonly perCpu: number };

function totals(all: readonly Measure[], c: Config): Totals {
  const of = all.filter((m) => key(m) === key(c));
  const sum = (f: (m: Measure) => number) => of.reduce((n, m) => n + f(m), 0);
  const wall = sum((m) => m.wallMs);
  return {
    rate: sum((m) => m.seeds) / (wall / 1000),
    cores: sum((m) => m.coresUsed * m.wallMs) / wall,
    perCpu: sum((m) => m.seeds) / sum((m) => m.seeds / m.seedsPerCpuSec),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "16" },
      rounds: { type: "string", default: "2" },
      size: { type: "string", default: "small" },
      seed: { type: "string", default: "1" },
      json: { type: "boolean", default: false },
    },
  });
  const plan: SoakPlan = {
    seed: Number(values.seed),
    runs: Number(values.runs),
    size: values.size as SoakSize,
  };
  const all: Measure[] = [];
  const list = configs();
  for (let round = 1; round <= Number(values.rounds); round++)
    for (let i = 0; i < list.length; i++) {
      const c = list[(i + round - 1) % list.length] as Config;
      const m = await measure(plan, c, round);
      all.push(m);
      if (!values.json) console.log(line(m));
    }
  const rows = list.map((c) => ({ ...c, ...totals(all, c) }));
  const [one, two] = rows as [(typeof rows)[0], (typeof rows)[0]];
  const ratio = two.rate / one.rate;
  const inMode = (v8: V8Mode) => {
    const r = rows.filter((x) => x.v8 === v8);
    return (
      (r.find((x) => x.workers === 2)?.rate ?? 0) / (r.find((x) => x.workers === 1)?.rate ?? 1)
    );
  };
  if (values.json) {
    const modes = { background: inMode("background"), singleThreaded: inMode("single-threaded") };
    console.log(JSON.stringify({ plan, ratio, ratioInMode: modes, rows, measures: all }, null, 2));
    return;
  }
  for (const r of rows)
    console.log(
      `workers ${r.workers} ${r.v8}: ${r.rate.toFixed(2)} seeds/s, ${r.cores.toFixed(2)} cores, ${r.perCpu.toFixed(2)} seeds per CPU-s`,
    );
  console.log(
    `sim:soak's own choice: ${one.rate.toFixed(2)} seeds/s at 1 worker (${one.v8}), ${two.rate.toFixed(2)} at 2 (${two.v8}): ${ratio.toFixed(2)}x (goal >= 1.8x on 2 free cores)`,
  );
  console.log(
    `within one mode: background ${inMode("background").toFixed(2)}x, single-threaded ${inMode("single-threaded").toFixed(2)}x`,
  );
}

await main();

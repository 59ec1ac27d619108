// `pnpm --filter @tidemark/simulator bench:soak [--runs N] [--rounds R]
// [--size small|soak] [--seed S] [--json]`: seeds/s of the soak pool at 1
// and at 2 worker threads over the same seeds, alternating which goes first
// each round so a neighbour's load falls on both. Says where the time goes:
// CPU the process got (cores used = CPU / wall), mean wall per seed (it
// grows when the workers share a core), worker start-up, and idle worker
// time (start-up, the last seeds' tail, messaging).
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { runPool } from "./pool.js";
import type { SeedVerdict, SoakPlan, SoakSize } from "./run-seed.js";

type Measure = {
  readonly round: number;
  readonly workers: number;
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

async function measure(plan: SoakPlan, workers: number, round: number): Promise<Measure> {
  const seeds: SeedVerdict[] = [];
  const loadBefore = loadavg()[0] ?? 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await runPool({
    plan,
    workers,
    indices: [...Array(plan.runs).keys()],
    onVerdict: (v) => seeds.push(v),
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const busy = seeds.reduce((n, v) => n + v.wallMs, 0);
  return {
    round,
    workers,
    seeds: seeds.length,
    wallMs,
    seedsPerSec: seeds.length / (wallMs / 1000),
    coresUsed: (cpu.user + cpu.system) / 1000 / wallMs,
    seedsPerCpuSec: seeds.length / ((cpu.user + cpu.system) / 1e6),
    meanSeedMs: busy / seeds.length,
    startupMs: out.startupMs,
    idleShare: 1 - busy / (workers * wallMs),
    loadBefore,
    loadAfter: loadavg()[0] ?? 0,
  };
}

function line(m: Measure): string {
  return `round ${m.round} workers ${m.workers}: ${m.seeds} seeds in ${(m.wallMs / 1000).toFixed(1)} s = ${m.seedsPerSec.toFixed(2)} seeds/s; cores used ${m.coresUsed.toFixed(2)}, ${m.seedsPerCpuSec.toFixed(2)} seeds/CPU-s, mean seed ${m.meanSeedMs.toFixed(0)} ms, start-up ${m.startupMs.toFixed(0)} ms, workers idle ${(m.idleShare * 100).toFixed(0)}%, load ${m.loadBefore.toFixed(2)} → ${m.loadAfter.toFixed(2)}`;
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
  for (let round = 1; round <= Number(values.rounds); round++)
    for (const workers of round % 2 === 1 ? [1, 2] : [2, 1]) {
      const m = await measure(plan, workers, round);
      all.push(m);
      if (!values.json) console.log(line(m));
    }
  const sum = (w: number, f: (m: Measure) => number) =>
    all.filter((m) => m.workers === w).reduce((n, m) => n + f(m), 0);
  const rate = (w: number) => sum(w, (m) => m.seeds) / (sum(w, (m) => m.wallMs) / 1000);
  const cores = (w: number) => sum(w, (m) => m.coresUsed * m.wallMs) / sum(w, (m) => m.wallMs);
  const perCpu = (w: number) => sum(w, (m) => m.seeds) / sum(w, (m) => m.seeds / m.seedsPerCpuSec);
  const ratio = rate(2) / rate(1);
  const cpuRatio = perCpu(2) / perCpu(1);
  if (values.json) console.log(JSON.stringify({ plan, ratio, cpuRatio, measures: all }, null, 2));
  else {
    console.log(
      `seeds/s: ${rate(1).toFixed(2)} at 1 worker, ${rate(2).toFixed(2)} at 2 workers: ${ratio.toFixed(2)}x (goal >= 1.8x on 2 free cores)`,
    );
    console.log(
      `cores the process got: ${cores(1).toFixed(2)} at 1 worker, ${cores(2).toFixed(2)} at 2; seeds per CPU-s ${perCpu(1).toFixed(2)} vs ${perCpu(2).toFixed(2)} (${cpuRatio.toFixed(2)}x: the threads' own overhead)`,
    );
  }
}

await main();

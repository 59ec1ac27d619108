// `pnpm sim:soak [--runs N] [--seed S] [--minutes M] [--variant NAME]
//   [--workers K] [--v8 MODE] [--shard i/n] [--report FILE] [--size soak|small]
//   [--only J [--no-shrink]]`: every property over many larger random
// scenarios (SOAK_BOUNDS: up to 16 devices, 60 steps, 5,000-entry bursts,
// chains 2,000 deep). Seed j of a run is drawn from (S, j) alone
// (soak/seeds.ts), so K worker processes and n shards on n machines run the
// same scenarios a single loop would; each failure prints the one-line
// command that reruns that seed anywhere (`--only j`, which also shrinks
// it). `--variant` runs every device as a known-bad variant.

import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadAdapter } from "./engine-binding.js";
import type { EngineAdapter } from "./probe/probe.js";
import { specReplay } from "./replay.js";
import { runScenario } from "./simulation.js";
import { runPool, type V8Mode, v8Mode } from "./soak/pool.js";
import { buildReport, mergeReports, summaryText } from "./soak/report.js";
import {
  runSeed,
  type SeedVerdict,
  type SoakPlan,
  type SoakSize,
  seedReplay,
} from "./soak/run-seed.js";
import { parseShard, type Shard, shardIndices, WHOLE } from "./soak/seeds.js";
import { summaryLines } from "./summary.js";

const USAGE = `pnpm sim:soak [options]: every property over many random scenarios.
  --runs N          seeds in the whole soak (default 200)
  --seed S          base seed (default: from the clock; needed with --shard)
  --minutes M       start no seed after M minutes (default 30)
  --size soak|small scenario size (default soak; small = pnpm test's)
  --variant NAME    run every device as a known-bad engine variant
  --workers K       worker processes (default: the number of cores)
  --v8 MODE         auto | background | single-threaded: V8's helper threads in
                    each worker; auto = single-threaded when K >= cores
  --shard i/n       run seeds j with j mod n = i-1 (one of n machines)
  --report FILE     write this shard's JSON report (merge with pnpm sim:merge)
  --progress N      a progress line every N seeds (default 10)
  --only J          rerun seed J in this process and shrink it (--no-shrink)
  -h, --help        this text`;

function v8Option(text: string, workers: number): V8Mode {
  if (text === "auto") return v8Mode(workers);
  if (text === "background" || text === "single-threaded") return text;
  throw new RangeError(`--v8 is auto, background or single-threaded, got "${text}"`);
}

function parse() {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "200" },
      seed: { type: "string" },
      minutes: { type: "string", default: "30" },
      variant: { type: "string" },
      workers: { type: "string", default: String(availableParallelism()) },
      shard: { type: "string" },
      report: { type: "string" },
      size: { type: "string", default: "soak" },
      only: { type: "string" },
      "no-shrink": { type: "boolean", default: false },
      progress: { type: "string", default: "10" },
      v8: { type: "string", default: "auto" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const count = (name: string, text: string, min: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min)
      throw new RangeError(`--${name} wants an integer >= ${min}, got "${text}"`);
    return n;
  };
  if (values.size !== "soak" && values.size !== "small")
    throw new RangeError(`--size is soak or small, got "${values.size}"`);
  const shard = values.shard === undefined ? WHOLE : parseShard(values.shard);
  const workers = count("workers", values.workers, 1);
  // Shards on different machines must share the seed space.
  if (shard.count > 1 && values.seed === undefined)
    throw new RangeError("--shard needs an explicit --seed, the same on every shard");
  const plan: SoakPlan = {
    seed: values.seed === undefined ? Date.now() % 2_147_483_647 : count("seed", values.seed, 0),
    runs: count("runs", values.runs, 1),
    size: values.size as SoakSize,
    variant: values.variant,
  };
  return {
    plan,
    shard,
    workers,
    v8: v8Option(values.v8, workers),
    minutes: Number(values.minutes),
    // pnpm runs scripts in the package: a relative path is the user's.
    report:
      values.report === undefined
        ? undefined
        : resolve(process.env.INIT_CWD ?? process.cwd(), values.report),
    only: values.only === undefined ? undefined : count("only", values.only, 0),
    shrink: !values["no-shrink"],
    progressEvery: count("progress", values.progress, 1),
  };
}

type Args = ReturnType<typeof parse>;

/** `--only j`: seed j in this process, shrunk unless --no-shrink. */
async function replayOne(adapter: EngineAdapter, a: Args, index: number): Promise<number> {
  console.log(
    `soak: seed ${index} of base seed ${a.plan.seed}${a.shrink ? " (shrinking on failure)" : ""}`,
  );
  const run = await runSeed(adapter, a.plan, index, {
    shrink: a.shrink,
    shrinkMs: a.minutes * 60_000,
  });
  if (run.result !== undefined)
    for (const line of summaryLines(run.result, seedReplay(a.plan, index))) console.log(line);
  else console.log(`properties: ${run.verdict.detail}`);
  if (run.shrunk !== undefined) {
    const r = await runScenario(run.shrunk, { adapter });
    console.log(`shrunk to ${run.shrunk.steps.length} steps:`);
    for (const line of summaryLines(r, specReplay(run.shrunk))) console.log(`  ${line}`);
  }
  return run.verdict.ok ? 0 : 1;
}

function progress(a: Args, due: number, t0: number) {
  let failed = 0;
  const seeds: SeedVerdict[] = [];
  const tag = a.shard.count > 1 ? `[shard ${a.shard.index}/${a.shard.count}] ` : "";
  const onVerdict = (v: SeedVerdict) => {
    seeds.push(v);
    if (!v.ok) {
      failed++;
      process.stderr.write(`  ${tag}seed ${v.index} FAILED: ${(v.detail ?? "").split("\n")[0]}\n`);
      process.stderr.write(`    replay: ${seedReplay(a.plan, v.index)}\n`);
    }
    if (seeds.length % a.progressEvery !== 0 && seeds.length !== due) return;
    const secs = (performance.now() - t0) / 1000;
    const rate = seeds.length / secs;
    const left = rate > 0 ? `, ~${Math.round((due - seeds.length) / rate)} s left` : "";
    process.stderr.write(
      `  ${tag}${seeds.length}/${due} seeds, ${failed} failed, ${rate.toFixed(2)} seeds/s${left}\n`,
    );
  };
  return { seeds, onVerdict };
}

async function soak(a: Args): Promise<number> {
  const indices = shardIndices(a.plan.runs, a.shard);
  const shardText = (s: Shard) => (s.count === 1 ? "" : `, shard ${s.index}/${s.count}`);
  console.log(
    `soak: ${indices.length} of ${a.plan.runs} seeds${shardText(a.shard)}, base seed ${a.plan.seed}, ${a.workers} worker(s) (V8 ${a.v8}), at most ${a.minutes} min${a.plan.variant === undefined ? "" : `, variant ${a.plan.variant}`}`,
  );
  const startedAt = new Date();
  const t0 = performance.now();
  const ac = new AbortController();
  const stop = (sig: string) => {
    process.stderr.write(`soak: ${sig}: stopping the workers\n`);
    ac.abort();
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
  const { seeds, onVerdict } = progress(a, indices.length, t0);
  // Soak seeds can take minutes each: say the run is alive between lines.
  const heartbeat = setInterval(() => {
    const secs = Math.round((performance.now() - t0) / 1000);
    process.stderr.write(
      `  ${seeds.length}/${indices.length} seeds after ${secs} s, still running\n`,
    );
  }, 60_000);
  heartbeat.unref();
  const outcome = await runPool({
    plan: a.plan,
    workers: a.workers,
    v8: a.v8,
    indices,
    deadline: t0 + a.minutes * 60_000,
    signal: ac.signal,
    onVerdict,
  }).finally(() => clearInterval(heartbeat));
  const report = buildReport(a.plan, {
    shard: a.shard,
    workers: a.workers,
    v8: outcome.v8,
    startedAt,
    wallMs: performance.now() - t0,
    planned: indices.length,
    stoppedBy: outcome.stoppedBy,
    workerStartupMs: outcome.startupMs,
    seeds,
  });
  if (a.report !== undefined) {
    mkdirSync(dirname(a.report), { recursive: true });
    writeFileSync(a.report, `${JSON.stringify(report)}\n`);
  }
  const summary = mergeReports([report]);
  for (const line of summaryText(summary)) console.log(line);
  if (a.report !== undefined) console.log(`report: ${a.report}`);
  if (outcome.stoppedBy === "signal") return 130;
  return summary.failures.length > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  const a = parse();
  const adapter = await loadAdapter();
  const variant = a.plan.variant;
  if (variant !== undefined && !adapter.variants.includes(variant))
    throw new RangeError(`unknown variant ${variant}; one of ${adapter.variants.join(", ")}`);
  return a.only === undefined ? soak(a) : replayOne(adapter, a, a.only);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(2);
  },
);

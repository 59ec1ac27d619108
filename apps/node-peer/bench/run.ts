// `pnpm --filter @tidemark/node-peer bench [-- --json] [-- --runs N]`:
//  1. start-up: wall time of whole `tidemark` processes (the compiled CLI,
//     as a user runs it), median of N runs, beside `node -e 0` (Node's own
//     start) measured in the same loop;
//  2. indexing: rows/s of a wide tree and of a deep directory chain of the
//     same size, fresh and rescanned, split into scan (listing + planning)
//     and commit (engine) time.
//  3. with --load [--rows 100000] [--clients 10]: instead of 1 and 2, the
//     backfill load bench (backfill-load.ts): one backfill alone, then
//     CLIENTS at once, against one serve: total time, Hello p50/p99 during
//     the load, peak RSS and CPU of the serve.
//  4. with --peers [--singles N] [--burst N] [--burst-per-commit K] [--burst-in-flight K]
//     [--backfill-rows 10000,100000]
//     [--1m] [--devices 2,4,6,8]: the peer bench (peer-bench.ts): real
//     serve processes, change→visible latency (single commits and a burst),
//     push batches and wire bytes per change, full backfill time by library
//     size (growth), exchange bytes by device count; goals checked.
// A script, never a timed test: figures depend on the machine and its load.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, spawnServe, TIDEMARK_BIN, waitFor } from "../src/demo/processes.js";
import { generateTree } from "../src/demo/tree.js";
import type { IndexResult } from "../src/indexer/locations.js";
import { backfillLoad, type LoadPhase } from "./backfill-load.js";
import { parsePeerArgs } from "./peer-args.js";
import { type PeerBenchReport, peerBench } from "./peer-bench.js";

const json = process.argv.includes("--json");
const runsAt = process.argv.indexOf("--runs");
const RUNS = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 15;
const work = mkdtempSync(join(tmpdir(), "tidemark-bench-"));
const data = join(work, "data");
const log = (line: string) => {
  if (!json) process.stdout.write(`${line}\n`);
};

function tidemark(args: readonly string[]): { ms: number; code: number; stdout: string } {
  const t = performance.now();
  const r = spawnSync(process.execPath, [TIDEMARK_BIN, "--data", data, ...args], {
    encoding: "utf8",
  });
  return { ms: performance.now() - t, code: r.status ?? 1, stdout: r.stdout };
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const median = s[Math.floor(s.length / 2)] ?? 0;
  return { median: Math.round(median), min: Math.round(s[0] ?? 0), max: Math.round(s.at(-1) ?? 0) };
}

type StartRow = { command: string; median: number; min: number; max: number; nodeMedian: number };

async function startup(): Promise<StartRow[]> {
  const small = join(work, "small");
  generateTree({ root: small, files: 50 });
  tidemark(["init", "--library", "bench"]);
  tidemark(["index", small]);
  const commands: [string, string[]][] = [
    ["--help", ["--help"]],
    ["info", ["info"]],
    ["peer list", ["peer", "list"]],
    ["ls (opens the DB)", ["ls"]],
    ["status --no-probe", ["status", "--no-probe"]],
    ["index (rescan, 150 entries)", ["index", small]],
  ];
  const rows: StartRow[] = [];
  const measure = (name: string, args: string[]) => {
    const own: number[] = [];
    const node: number[] = [];
    tidemark(args); // warm the page cache
    for (let i = 0; i < RUNS; i++) {
      const r = tidemark(args);
      if (r.code !== 0) throw new Error(`tidemark ${args.join(" ")} exited ${r.code}`);
      own.push(r.ms);
      const t = performance.now();
      spawnSync(process.execPath, ["-e", "0"]);
      node.push(performance.now() - t);
    }
    rows.push({ command: name, ...stats(own), nodeMedian: stats(node).median });
  };
  for (const [name, args] of commands) measure(name, args);
  // The same commands routed through a running serve (admin API).
  const port = await freePort();
  const serve = spawnServe(data, port, 0, join(work, "serve.out"));
  await waitFor(
    "serve",
    () => (tidemark(["info"]).stdout.includes("running   serve") ? true : undefined),
    30_000,
  );
  measure("status --no-probe (via serve)", ["status", "--no-probe"]);
  measure("ls (via serve)", ["ls"]);
  serve.child.kill("SIGTERM");
  await serve.exited;
  return rows;
}

type IndexRow = {
  tree: string;
  pass: string;
  entries: number;
  written: number;
  seconds: number;
  scanS: number;
  rowsPerS: number;
};

function indexRun(tree: string, path: string, pass: string, rows: IndexRow[]) {
  const r = tidemark(["index", path, "--json"]);
  if (r.code !== 0) throw new Error(`index ${path} failed`);
  const res = JSON.parse(r.stdout) as IndexResult;
  const written = res.created + res.updated + res.moved + res.deleted;
  rows.push({
    tree,
    pass,
    entries: res.entries,
    written,
    seconds: res.elapsedMs / 1000,
    scanS: res.scanMs / 1000,
    rowsPerS: Math.round((Math.max(written, res.entries) * 1000) / Math.max(1, res.elapsedMs)),
  });
}

function indexing(levels: number): IndexRow[] {
  const rows: IndexRow[] = [];
  const wide = join(work, "wide");
  // About as many nodes as the chain: `levels` directories' worth of files.
  generateTree({ root: wide, files: levels * 2, filesPerDir: 100 });
  const chain = join(work, "chain");
  let dir = chain;
  for (let i = 0; i < levels; i++) {
    dir = join(dir, "d");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "f"), "x");
  }
  indexRun(`wide (${levels * 2} files)`, wide, "fresh", rows);
  indexRun(`wide (${levels * 2} files)`, wide, "rescan, unchanged", rows);
  indexRun(`chain (${levels} levels, a file each)`, chain, "fresh", rows);
  indexRun(`chain (${levels} levels, a file each)`, chain, "rescan, unchanged", rows);
  return rows;
}

function numberArg(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

async function load(): Promise<void> {
  const report = await backfillLoad({
    work,
    rows: numberArg("--rows", 100_000),
    clients: numberArg("--clients", 10),
    log,
  });
  const line = (name: string, p: LoadPhase) =>
    log(
      `  ${name.padEnd(24)} ${String(p.seconds).padStart(6)} s  Hello p50 ${p.helloP50Ms} ms  p99 ${p.helloP99Ms} ms  max ${p.helloMaxMs} ms (${p.helloProbes} probes)  peak RSS ${p.peakRssMiB} MiB  serve CPU ${p.serverCpuSeconds} s  refused ${p.refusedCalls}`,
    );
  log(
    `\nbackfill load: ${report.rows} rows (indexed in ${report.indexSeconds} s), serve idle RSS ${report.idleRssMiB} MiB`,
  );
  line("1 full backfill", report.alone);
  line(`${report.concurrent.clients} full backfills at once`, report.concurrent);
  if (json) process.stdout.write(`${JSON.stringify({ load: report })}\n`);
}

function printPeers(r: PeerBenchReport): void {
  const lat = (name: string, l: PeerBenchReport["single"]) =>
    log(
      `  ${name.padEnd(34)} p50 ${l.p50Ms} ms  p99 ${l.p99Ms} ms  max ${l.maxMs} ms  (poll ${l.pollMs} ms, load ${l.loadAvg})`,
    );
  log("\nchange→visible (A commits, B's cursor covers it):");
  lat(`${r.single.changes} single commits`, r.single);
  lat(`burst of ${r.burst.changes}`, r.burst);
  log(
    `  burst: ${r.burst.perCommit} change(s) per commit, ${r.burst.inFlight} commit call(s) in flight, committed in ${r.burst.commitSeconds} s, ${r.burst.pushBatches} push batches (${r.burst.changesPerPushBatch} changes each), ${r.burst.wireBytesPerChange} wire bytes per change`,
  );
  log("\nfull backfill (a new device pulls the library from one peer):");
  for (const b of r.backfill)
    log(
      `  ${String(b.rows).padStart(8)} rows  ${b.seconds} s  ${b.rowsPerS} rows/s  CPU: serving ${b.servingCpuS} s, joiner ${b.joinerCpuS} s  (load ${b.loadAvg})`,
    );
  for (const [k, v] of Object.entries(r.growth)) log(`  time ratio ${k}: ${v}x`);
  log("\nexchange (Hello + ExchangeWatermarks) by device count:");
  for (const d of r.devices)
    log(
      `  ${d.devices} devices  ${d.streams} streams  ${d.wireBytesPerExchange} wire bytes per exchange  (${d.exchanges} exchanges, load ${d.loadAvg})`,
    );
  log("\ngoals:");
  for (const [k, g] of Object.entries(r.goals))
    log(
      `  ${k.padEnd(24)} ${g.goal.padEnd(30)} measured ${g.measured}  ${g.met ? "met" : "MISSED"}`,
    );
}

if (process.argv.includes("--peers")) {
  try {
    const args = parsePeerArgs(process.argv);
    log(
      `peer bench: work dir ${work}, load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
    );
    const report = await peerBench({ work: join(work, "peers"), ...args, log });
    printPeers(report);
    if (json) process.stdout.write(`${JSON.stringify({ peers: report })}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.exit(0);
}

if (process.argv.includes("--load")) {
  try {
    await load();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.exit(0);
}

try {
  log(`tidemark bench: ${RUNS} runs per command, work dir ${work}`);
  const start = await startup();
  log("\nstart-up (whole process, ms; node -e 0 measured in the same loop):");
  for (const r of start) {
    log(
      `  ${r.command.padEnd(32)} median ${String(r.median).padStart(4)}  min ${String(r.min).padStart(4)}  max ${String(r.max).padStart(4)}   node -e 0: ${r.nodeMedian}`,
    );
  }
  await sleep(100);
  const levels = 1_500;
  const idx = indexing(levels);
  log("\nindexing (rows/s = rows written, or entries compared when nothing changed, per second):");
  for (const r of idx) {
    log(
      `  ${r.tree.padEnd(34)} ${r.pass.padEnd(18)} ${String(r.entries).padStart(6)} entries  ${r.written} written  ${r.seconds.toFixed(2)}s (scan ${r.scanS.toFixed(2)}s)  ${r.rowsPerS} rows/s`,
    );
  }
  if (json)
    process.stdout.write(`${JSON.stringify({ runs: RUNS, startup: start, indexing: idx })}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

// pnpm bench [--json] [--lines N] [--no-large-compare] [--data DIR] [--only accuracy]
// Accuracy (GA/PA) on loghub-2k, compression against gzip -9 / brotli 11 /
// zstd -19 of the same files, and single-core throughput + peak memory on a
// generated 1M-line log. Everything is measured in this run.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { externalSize, gzip9Size, hasTool, ZSTD_19 } from "../src/cli/compare.js";
import { encodeBlock } from "../src/codec/block-codec.js";
import { ProgramTable } from "../src/codec/program-table.js";
import { compressBuffer, decompressBuffer } from "../src/codec/tdlz.js";
import { checkMinerConfig } from "../src/mining/miner-config.js";
import { TemplateMiner } from "../src/mining/template-miner.js";
import { LOGHUB_2K_DIR } from "../test/data/index.js";
import { type AccuracyRow, accuracyRows, type LoghubConfig, listDatasets } from "./accuracy.js";
import { generateReplayLog } from "./generate.js";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const json = args.includes("--json");
const linesAt = args.indexOf("--lines");
const bigLines = linesAt >= 0 ? Number(args[linesAt + 1]) : 1_000_000;
const largeCompare = !args.includes("--no-large-compare");
const dataAt = args.indexOf("--data");
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
// The data sets shipped for the bench; --data DIR evaluates any loghub-style directory.
const shippedData = process.env.TIDEMARK_LOGHUB ?? LOGHUB_2K_DIR;
const dataDir =
  dataAt >= 0 ? resolve(process.env.INIT_CWD ?? ".", args[dataAt + 1] ?? ".") : shippedData;
const config = JSON.parse(readFileSync(join(here, "loghub.json"), "utf8")) as LoghubConfig;
checkMinerConfig(config.miner, "loghub.json miner");
const DATASETS = listDatasets(shippedData);
const progress = (s: string): void => {
  process.stderr.write(`[bench] ${s}\n`);
};

function brotli11(b: Uint8Array): number {
  return brotliCompressSync(b, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24 },
  }).length;
}

function zstd19(b: Uint8Array): number | null {
  if (!hasTool("zstd")) return null;
  const r = spawnSync("zstd", ["-19", "-q", "-c"], { input: b, maxBuffer: 1 << 30 });
  return r.status === 0 ? r.stdout.length : null;
}

// 1. Accuracy with one general miner configuration: the shipped per-dataset
// config, no per-dataset masks, and no format at all (detected header).
const f3 = (x: number): string => x.toFixed(3);
const accuracy: AccuracyRow[] = accuracyRows(dataDir, config, (r) =>
  progress(
    `accuracy ${r.dataset}: GA ${f3(r.shipped.ga)} / no masks ${f3(r.noMasks.ga)} / detected ${f3(r.detected.ga)} (Drain ${r.drain?.ga === undefined ? "n/a" : f3(r.drain.ga)}), PA ${f3(r.shipped.pa)} / ${f3(r.noMasks.pa)} / ${f3(r.detected.pa)}`,
  ),
);
const mean = (f: (r: AccuracyRow) => number | undefined): number | null => {
  const v = accuracy.map(f).filter((x): x is number => x !== undefined);
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
};
const accuracyMean = {
  gaShipped: mean((r) => r.shipped.ga),
  gaNoMasks: mean((r) => r.noMasks.ga),
  gaDetected: mean((r) => r.detected.ga),
  gaDrain: mean((r) => r.drain?.ga),
  paShipped: mean((r) => r.shipped.pa),
  paNoMasks: mean((r) => r.noMasks.pa),
  paDetected: mean((r) => r.detected.pa),
  paDrain: mean((r) => r.drain?.pa),
};
if (only === "accuracy") {
  if (json) process.stdout.write(`${JSON.stringify({ accuracy, accuracyMean }, null, 2)}\n`);
  else printAccuracy();
  process.exit(0);
}

// 2. Compression of each dataset, all compressors on the same bytes.
const compression = [];
for (const name of DATASETS) {
  const raw = readFileSync(join(shippedData, name, `${name}_2k.log`));
  const t0 = performance.now();
  const tdlz9 = await compressBuffer(raw, { quality: 9 });
  const seconds = (performance.now() - t0) / 1000;
  const tdlz11 = await compressBuffer(raw, { quality: 11 });
  const back = Buffer.from(await decompressBuffer(tdlz11));
  const lines = raw.toString("latin1").split("\n");
  // The columnar payload itself, to compare brotli with zstd as the back end.
  const payload = encodeBlock(
    lines,
    new TemplateMiner({ stats: false, collapseRuns: false, matchValues: false }),
    { table: new ProgramTable(), resetTable: false },
  );
  const gz = gzipSync(raw, { level: 9 }).length;
  const zs = zstd19(raw);
  const row = {
    dataset: name,
    bytes: raw.length,
    tdlzQ9: tdlz9.length,
    tdlzQ11: tdlz11.length,
    gzip9: gz,
    brotli11: brotli11(raw),
    zstd19: zs,
    roundTripIdentical: Buffer.compare(back, raw) === 0,
    ratioTdlzQ11: raw.length / tdlz11.length,
    ratioGzip9: raw.length / gz,
    ratioZstd19: zs === null ? null : raw.length / zs,
    payloadBytes: payload.length,
    payloadBrotli11: brotli11(payload),
    payloadZstd19: zstd19(payload),
    compressMBps: raw.length / 1e6 / seconds,
  };
  compression.push(row);
  progress(
    `compression ${name}: tdlz ${row.ratioTdlzQ11.toFixed(1)}×, gzip -9 ${row.ratioGzip9.toFixed(1)}×, zstd -19 ${row.ratioZstd19?.toFixed(1) ?? "n/a"}×`,
  );
}

// 3. Throughput and peak memory on a generated log, one process per mode, pinned to one core.
const benchDir = join(tmpdir(), "tidemark-log-analyzer-bench");
mkdirSync(benchDir, { recursive: true });
const bigFile = join(benchDir, `replay-${bigLines}.log`);
if (!existsSync(bigFile)) {
  progress(`generating ${bigLines} lines → ${bigFile}`);
  await generateReplayLog(shippedData, DATASETS, bigFile, bigLines, 1);
}
const bigBytes = statSync(bigFile).size;
const pin = spawnSync("taskset", ["--version"], { stdio: "ignore" }).status === 0;
const throughput = [];
for (const mode of ["mine", "parse", "analyze", "compress"]) {
  progress(`throughput ${mode} on ${bigLines} lines${pin ? " (taskset -c 0)" : ""}…`);
  const cmd = [
    process.execPath,
    "--import",
    "tsx",
    "--conditions=source",
    join(here, "throughput-worker.ts"),
    mode,
    bigFile,
  ];
  const r = pin
    ? spawnSync("taskset", ["-c", "0", ...cmd], { encoding: "utf8" })
    : spawnSync(cmd[0] as string, cmd.slice(1), { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`worker ${mode} failed: ${r.stderr}`);
  const w = JSON.parse(r.stdout.trim().split("\n").pop() as string) as {
    lines: number;
    templates: number;
    bytesOut: number;
    wallSeconds: number;
    cpuSeconds: number;
    maxRssMB: number;
  };
  throughput.push({
    mode,
    ...w,
    linesPerSecondWall: w.lines / w.wallSeconds,
    linesPerSecondCpu: w.lines / w.cpuSeconds,
    mbPerSecondWall: bigBytes / 1e6 / w.wallSeconds,
  });
  progress(
    `  ${mode}: ${Math.round(w.lines / w.wallSeconds)} lines/s wall, ${Math.round(w.lines / w.cpuSeconds)} lines/s CPU, peak RSS ${w.maxRssMB.toFixed(0)} MB`,
  );
}
const tdlzBig = throughput.find((t) => t.mode === "compress")?.bytesOut ?? 0;
let large: Record<string, number | string | null> = {
  bytes: bigBytes,
  tdlz: tdlzBig,
  ratioTdlz: bigBytes / tdlzBig,
};
if (largeCompare) {
  progress("gzip -9 and zstd -19 of the large log (slow)…");
  const [gz, zs] = await Promise.all([gzip9Size(bigFile), externalSize(ZSTD_19, bigFile)]);
  large = {
    ...large,
    gzip9: gz,
    ratioGzip9: bigBytes / gz,
    zstd19: zs,
    ratioZstd19: zs === null ? null : bigBytes / zs,
  };
}

const report = {
  machine: {
    node: process.version,
    cpus: (await import("node:os")).cpus().length,
    pinnedToOneCore: pin,
    load: (await import("node:os")).loadavg(),
  },
  minerConfig: config.miner,
  accuracy,
  accuracyMean,
  compression,
  large: { lines: bigLines, ...large },
  throughput,
  notes: [
    "GA: a line is right when its predicted group is exactly its labelled group (corrected loghub-2k labels).",
    "Accuracy rows: shipped = the format and masks declared in loghub.json; noMasks = the declared format, no per-dataset masks; detected = no format (detected header), no masks; drain = logparser's Drain with its benchmark settings on the same labels.",
    "PA: predicted template equals the labelled one after mapping every placeholder to <*> and collapsing whitespace.",
    "Ratios are original bytes / compressed bytes of the same file in this run; zstd is the zstd CLI at -19.",
    "Throughput: one Node process per mode pinned to one core when taskset exists; CPU lines/s excludes time waiting for a shared core.",
  ],
};

if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else {
  const f = (x: number | null, d = 3): string => (x === null ? "n/a" : x.toFixed(d));
  printAccuracy();
  console.log("Compression ratio (original / compressed, same file, same run):");
  for (const c of compression) {
    console.log(
      `  ${c.dataset.padEnd(10)} tdlz ${f(c.ratioTdlzQ11, 1)}×  gzip -9 ${f(c.ratioGzip9, 1)}×  brotli 11 ${f(c.bytes / c.brotli11, 1)}×  zstd -19 ${f(c.ratioZstd19, 1)}×  identical ${c.roundTripIdentical}`,
    );
  }
  console.log(`Large log (${bigLines} lines, ${(bigBytes / 1e6).toFixed(1)} MB):`, large);
  for (const t of throughput) {
    console.log(
      `  ${t.mode.padEnd(9)} ${Math.round(t.linesPerSecondWall)} lines/s wall, ${Math.round(t.linesPerSecondCpu)} lines/s CPU, peak RSS ${t.maxRssMB.toFixed(0)} MB`,
    );
  }
}

function printAccuracy(): void {
  const f = (x: number | null | undefined): string =>
    x === null || x === undefined ? "  n/a" : x.toFixed(3);
  console.log(
    "Accuracy, one general configuration: GA / PA with the shipped config | no masks | detected format | Drain",
  );
  for (const a of accuracy) {
    console.log(
      `  ${a.dataset.padEnd(12)} ${f(a.shipped.ga)} ${f(a.shipped.pa)} | ${f(a.noMasks.ga)} ${f(a.noMasks.pa)} | ${f(a.detected.ga)} ${f(a.detected.pa)} | ${f(a.drain?.ga)} ${f(a.drain?.pa)}`,
    );
  }
  const m = accuracyMean;
  console.log(
    `  ${"mean".padEnd(12)} ${f(m.gaShipped)} ${f(m.paShipped)} | ${f(m.gaNoMasks)} ${f(m.paNoMasks)} | ${f(m.gaDetected)} ${f(m.paDetected)} | ${f(m.gaDrain)} ${f(m.paDrain)}`,
  );
}

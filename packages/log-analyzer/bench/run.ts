// pnpm bench [--json] [--lines N] [--no-large-compare] [--data DIR] [--only accuracy|compression]
// Sections, each measured in this run: accuracy (GA/PA) on loghub-2k;
// compression of every bench file (loghub sets, every file of the test data
// and of --data DIR, adversarial files, real simulator logs, the large log)
// against gzip -9 / brotli 11 / zstd -19 / xz -9 (bench/compression.ts,
// bench/corpus.ts); single-core throughput and peak memory on a generated
// 1M-line log; CLI start-up (bench/startup.ts).
// All generated files live in one temporary directory, removed at the end.
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { XZ_9, ZSTD_19 } from "../src/cli/compare.js";
import { DEFAULT_QUALITY } from "../src/codec/tdlz.js";
import { checkMinerConfig } from "../src/mining/miner-config.js";
import { LOGHUB_2K_DIR } from "../test/data/index.js";
import { type AccuracyRow, accuracyRows, type LoghubConfig, listDatasets } from "./accuracy.js";
import {
  type CompressionRow,
  compressionSummary,
  compressionText,
  measureCompressed,
  measureFile,
  summaryText,
  toolNotes,
} from "./compression.js";
import { buildCorpus } from "./corpus.js";
import { generateReplayLog } from "./generate.js";
import { startupSection } from "./startup.js";
import { tinySection, tinyText } from "./tiny.js";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const json = args.includes("--json");
const linesAt = args.indexOf("--lines");
const bigLines = linesAt >= 0 ? Number(args[linesAt + 1]) : 1_000_000;
const largeCompare = !args.includes("--no-large-compare");
const dataAt = args.indexOf("--data");
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
if (only !== undefined && only !== "accuracy" && only !== "compression") {
  process.stderr.write(`bench: --only takes accuracy or compression, not ${only}\n`);
  process.exit(2);
}
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

// 1. Accuracy with one general miner configuration: the shipped per-dataset
// config, no per-dataset masks, and no format at all (detected header).
const f3 = (x: number): string => x.toFixed(3);
const accuracy: AccuracyRow[] =
  only === "compression"
    ? []
    : accuracyRows(dataDir, config, (r) =>
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

// 2. Compression of every bench file, all compressors on the same bytes.
// With --data, every file of that directory is a bench file too.
const corpus = buildCorpus(progress, dataAt >= 0 ? { dataDirs: [dataDir] } : {});
process.on("exit", () => corpus.cleanup());
process.once("SIGINT", () => process.exit(130));
const compression: CompressionRow[] = [];
for (const f of corpus.files) {
  const row = await measureFile(f, corpus.dir);
  compression.push(row);
  const zs = row.baselines.find((b) => b.label === ZSTD_19.label);
  progress(
    `compression ${f.name}: .tdlz ${row.tdlz.ratio.toFixed(1)}×, zstd -19 ${zs?.ratio?.toFixed(1) ?? "n/a"}×, ${row.tdlz.cpuSeconds.toFixed(1)} s CPU, identical ${row.tdlz.identical}`,
  );
}
progress("tiny inputs: the first 8 B to 8 KB of every real file…");
const tiny = await tinySection(
  corpus.files.filter((f) => f.group === "loghub" || f.group === "data"),
  corpus.dir,
);
progress(tinyText(tiny).trim());
const compressionNotes = [
  ...corpus.notes,
  ...toolNotes(),
  `Ratios are original bytes / compressed bytes of the same file in this run; .tdlz at its default quality (${DEFAULT_QUALITY}); zstd and xz are their CLIs (${ZSTD_19.args.join(" ")}, ${XZ_9.args.join(" ")}).`,
];
if (only === "compression") {
  const summary = compressionSummary(compression);
  if (json) {
    const out = { compression, compressionSummary: summary, tiny, notes: compressionNotes };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    console.log(compressionText(compression));
    console.log(summaryText(summary));
    console.log(tinyText(tiny));
  }
  process.exit(0);
}

// 3. Throughput and peak memory on a generated log, one process per mode, pinned to one core.
const bigFile = join(corpus.dir, `replay-${bigLines}.log`);
const bigTdlz = `${bigFile}.tdlz`;
progress(`generating ${bigLines} lines → ${bigFile}`);
await generateReplayLog(shippedData, DATASETS, bigFile, bigLines, 1);
const bigBytes = statSync(bigFile).size;
const pin = spawnSync("taskset", ["--version"], { stdio: "ignore" }).status === 0;
const throughput = [];
for (const mode of ["mine", "parse", "analyze", "cli", "compress"]) {
  progress(`throughput ${mode} on ${bigLines} lines${pin ? " (taskset -c 0)" : ""}…`);
  const cmd = [
    process.execPath,
    "--import",
    "tsx",
    "--conditions=source",
    join(here, "throughput-worker.ts"),
    mode,
    bigFile,
    ...(mode === "compress" ? [bigTdlz] : []),
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
// The large log is a bench file too: its .tdlz comes from the compress worker above.
const compressed = throughput.find((t) => t.mode === "compress");
let large: CompressionRow | { bytes: number; tdlz: number } = {
  bytes: bigBytes,
  tdlz: compressed?.bytesOut ?? 0,
};
if (largeCompare && compressed !== undefined) {
  progress("round trip, gzip -9, zstd -19 and xz -9 of the large log (slow)…");
  large = await measureCompressed(
    { name: `replay-${bigLines}.log`, group: "large", path: bigFile, about: "1M-line replay" },
    bigTdlz,
    { lines: compressed.lines, cpuSeconds: compressed.cpuSeconds },
  );
}
const startup = startupSection(
  corpus.files.find((f) => f.name === "tiny-1-line.log")?.path ?? bigFile,
);

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
  large,
  throughput,
  startup: startup.rows,
  compressionSummary: compressionSummary(compression),
  tiny,
  notes: [
    ...compressionNotes,
    ...startup.notes,
    "GA: a line is right when its predicted group is exactly its labelled group (corrected loghub-2k labels).",
    "Accuracy rows: shipped = the format and masks declared in loghub.json; noMasks = the declared format, no per-dataset masks; detected = no format (detected header), no masks; drain = logparser's Drain with its benchmark settings on the same labels.",
    "PA: predicted template equals the labelled one after mapping every placeholder to <*> and collapsing whitespace.",
    "Throughput: one Node process per mode pinned to one core when taskset exists; CPU lines/s excludes time waiting for a shared core.",
  ],
};

if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else {
  printAccuracy();
  console.log("Compression (bytes; ratio = original / compressed; same files, same run):");
  console.log(compressionText("file" in large ? [...compression, large] : compression));
  console.log(summaryText(compressionSummary(compression)));
  console.log(tinyText(tiny));
  console.log(
    `Throughput on the large log (${bigLines} lines, ${(bigBytes / 1e6).toFixed(1)} MB):`,
  );
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

// Runs one throughput measurement in a fresh process so its peak RSS is its own.
// usage: throughput-worker.ts MODE FILE [OUT]   (MODE: analyze | mine | parse | cli | compress;
// compress keeps its .tdlz at OUT when given, for the bench's round-trip check)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AnomalyCollector } from "../src/analysis/anomalies.js";
import { scanFiles } from "../src/analysis/scan.js";
import { ErrorCounter } from "../src/analysis/templates-report.js";
import { TimelineCollector } from "../src/analysis/timeline.js";
import { compressFile } from "../src/codec/tdlz.js";
import { readLineArrays } from "../src/io/line-reader.js";
import { LogParser } from "../src/mining/log-parser.js";
import { TemplateMiner } from "../src/mining/template-miner.js";

const [mode, file, keep] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: throughput-worker MODE FILE");
const wall0 = performance.now();
const cpu0 = process.cpuUsage();
let lines = 0;
let templates = 0;
let bytesOut = 0;
if (mode === "mine") {
  const miner = new TemplateMiner({ stats: false });
  for await (const batch of readLineArrays(file)) {
    for (const l of batch) miner.mine(l);
    lines += batch.length;
  }
  templates = miner.templates().length;
} else if (mode === "parse") {
  const parser = new LogParser();
  for await (const batch of readLineArrays(file)) {
    for (const l of batch) parser.push(l);
    lines += batch.length;
  }
  templates = parser.templates().length;
} else if (mode === "analyze") {
  const parser = new LogParser();
  const counts = await scanFiles([file], parser, [
    new ErrorCounter(),
    new TimelineCollector(),
    new AnomalyCollector(),
  ]);
  lines = counts[0] ?? 0;
  templates = parser.templates().length;
} else if (mode === "cli") {
  // As the CLI reads a text log: its own header format and line stamps
  // detected from a sample, the stamp read on every line.
  const parser = new LogParser();
  const counts = await scanFiles([file], parser, [], undefined, { lineTimes: true, formats: true });
  lines = counts[0] ?? 0;
  templates = parser.templates().length;
} else if (mode === "compress") {
  const dir = mkdtempSync(join(tmpdir(), "la-bench-"));
  const s = await compressFile(file, keep ?? join(dir, "out.tdlz"), { overwrite: true });
  lines = s.lines;
  bytesOut = s.bytesOut;
  rmSync(dir, { recursive: true, force: true });
} else throw new Error(`unknown mode ${mode}`);
const wall = (performance.now() - wall0) / 1000;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({
    mode,
    lines,
    templates,
    bytesOut,
    wallSeconds: wall,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);

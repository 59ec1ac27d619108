// The CLI's commands as functions: each scans its inputs and writes a
// terminal table, JSON, or a self-contained HTML page.
import { writeFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { AnomalyCollector, type AnomalyOptions } from "../analysis/anomalies.js";
import { CondenseCollector } from "../analysis/condense.js";
import { DiffCollector } from "../analysis/diff.js";
import { type Collector, scanFiles } from "../analysis/scan.js";
import { ErrorCounter, templatesReport } from "../analysis/templates-report.js";
import { TimelineCollector, type TimelineOptions } from "../analysis/timeline.js";
import { compressFile, decompressFile } from "../codec/tdlz.js";
import { readLineArrays } from "../io/line-reader.js";
import { DETECT_SAMPLE, detectLogFormat } from "../mining/header-detect.js";
import { LogParser, type ParserOptions } from "../mining/log-parser.js";
import { type HtmlSection, htmlPage } from "../render/html.js";
import {
  anomaliesSections,
  diffSection,
  templatesSection,
  timelineSection,
} from "../render/html-reports.js";
import { fmtInt } from "../render/table.js";
import {
  anomaliesText,
  condensedLine,
  diffText,
  templatesText,
  timelineText,
} from "../render/text-reports.js";
import { brotli11Size, gzip9Size, zstd19Size } from "./compare.js";

/** Where and how a command writes its result. */
export interface Output {
  readonly json: boolean;
  /** HTML destination: a path, "-" for stdout, or undefined for no HTML. */
  readonly html: string | undefined;
  readonly write: (s: string) => void;
  readonly progress: (s: string) => void;
}

function emit(
  out: Output,
  title: string,
  meta: string,
  json: unknown,
  text: () => string,
  html: () => HtmlSection[],
): void {
  if (out.html !== undefined) {
    const page = htmlPage(title, meta, html());
    if (out.html === "-") out.write(page);
    else {
      writeFileSync(out.html, page);
      out.progress(`wrote ${out.html}`);
    }
  }
  if (out.json) out.write(`${JSON.stringify(json, null, 2)}\n`);
  else if (out.html === undefined) out.write(`${text()}\n`);
}

async function scan(
  paths: readonly string[],
  opts: ParserOptions,
  collectors: Collector[],
  out: Output,
): Promise<LogParser> {
  const parser = new LogParser(await withDetectedFormat(paths, opts, out));
  await scanFiles(paths, parser, collectors, (path, n) =>
    out.progress(`${path}: ${fmtInt(n)} lines…`),
  );
  const miss = parser.formatMisses();
  if (miss.first !== null) {
    const where = `${paths[miss.first.input - 1] ?? ""}:${miss.first.line}`;
    out.progress(
      `tidemark-logs: warning: ${fmtInt(miss.count)} lines did not match the format and were mined whole (first: ${where})`,
    );
  }
  return parser;
}

// Without a format, the first lines of the first text input choose one.
async function withDetectedFormat(
  paths: readonly string[],
  opts: ParserOptions,
  out: Output,
): Promise<ParserOptions> {
  if (opts.format !== undefined || opts.detectFormat === false || paths[0] === undefined) {
    return opts;
  }
  const sample: string[] = [];
  for await (const batch of readLineArrays(paths[0])) {
    for (const l of batch) if (sample.length < DETECT_SAMPLE) sample.push(l);
    if (sample.length >= DETECT_SAMPLE) break;
  }
  const format = detectLogFormat(sample);
  if (format === null) return opts;
  out.progress(
    `tidemark-logs: detected header format "${format}" (--format to override, --no-detect to turn off)`,
  );
  return { ...opts, format };
}

export async function analyzeCommand(
  files: readonly string[],
  opts: ParserOptions,
  top: number,
  timelineOpts: TimelineOptions,
  out: Output,
): Promise<void> {
  const errors = new ErrorCounter();
  const timeline = new TimelineCollector(timelineOpts);
  const anomalies = new AnomalyCollector();
  const parser = await scan(files, opts, [errors, timeline, anomalies], out);
  const report = templatesReport(parser.templates(), errors, anomalies.lines);
  const tl = timeline.report();
  const an = anomalies.report(parser.templates(), false);
  emit(
    out,
    "tidemark-logs analyze",
    files.join(", "),
    report,
    () => templatesText(report, top),
    () => [templatesSection(report, top), timelineSection(tl), ...anomaliesSections(an)],
  );
}

export async function timelineCommand(
  files: readonly string[],
  opts: ParserOptions,
  timelineOpts: TimelineOptions,
  out: Output,
): Promise<void> {
  const timeline = new TimelineCollector(timelineOpts);
  await scan(files, opts, [timeline], out);
  const r = timeline.report();
  emit(
    out,
    "tidemark-logs timeline",
    files.join(", "),
    r,
    () => timelineText(r),
    () => [timelineSection(r)],
  );
}

export async function anomaliesCommand(
  failed: string,
  baselines: readonly string[],
  opts: ParserOptions,
  anomalyOpts: AnomalyOptions,
  out: Output,
): Promise<void> {
  const anomalies = new AnomalyCollector(anomalyOpts);
  const parser = await scan([failed, ...baselines], opts, [anomalies], out);
  const r = anomalies.report(parser.templates(), baselines.length > 0);
  const meta = baselines.length > 0 ? `${failed} (baseline: ${baselines.join(", ")})` : failed;
  emit(
    out,
    "tidemark-logs anomalies",
    meta,
    r,
    () => anomaliesText(r),
    () => anomaliesSections(r),
  );
}

export async function diffCommand(
  a: string,
  b: string,
  opts: ParserOptions,
  minRatio: number,
  all: boolean,
  out: Output,
): Promise<void> {
  const diff = new DiffCollector();
  const parser = await scan([a, b], opts, [diff], out);
  const r = diff.report(parser.templates(), minRatio);
  emit(
    out,
    "tidemark-logs diff",
    `A = ${a}, B = ${b}`,
    r,
    () => diffText(r, all),
    () => [diffSection(r, all)],
  );
}

export async function condenseCommand(
  files: readonly string[],
  opts: ParserOptions,
  out: Output,
): Promise<void> {
  if (out.json) {
    const entries: unknown[] = [];
    const c = new CondenseCollector((e) => entries.push(e));
    await scan(files, opts, [c], out);
    c.flush();
    out.write(`${JSON.stringify(entries, null, 2)}\n`);
    return;
  }
  // Streams: each collapsed run is written as soon as it ends.
  const c = new CondenseCollector((e) => out.write(`${condensedLine(e)}\n`));
  await scan(files, opts, [c], out);
  c.flush();
}

export async function compressCommand(
  input: string,
  output: string,
  quality: number,
  compare: boolean,
  out: Output,
): Promise<void> {
  const size = (await stat(input)).size;
  const started = performance.now();
  const s = await compressFile(input, output, {
    quality,
    onProgress: (done) => {
      if (size > 32 << 20)
        out.progress(`${((100 * done) / size).toFixed(0)}% (${fmtInt(done)} bytes)`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const result: Record<string, unknown> = {
    input,
    output,
    bytesIn: s.bytesIn,
    bytesOut: s.bytesOut,
    lines: s.lines,
    blocks: s.blocks,
    ratio: s.bytesIn / s.bytesOut,
    savedPercentOfOriginal: 100 * (1 - s.bytesOut / Math.max(1, s.bytesIn)),
    seconds,
  };
  let baselines: { gz: number; br: number; zs: number | null } | undefined;
  if (compare) {
    out.progress("measuring gzip -9, brotli 11 and zstd -19 on the same file…");
    const [gz, br, zs] = await Promise.all([
      gzip9Size(input),
      brotli11Size(input),
      zstd19Size(input),
    ]);
    baselines = { gz, br, zs };
    result.gzip9 = { bytes: gz, ratio: s.bytesIn / gz };
    result.brotli11 = { bytes: br, ratio: s.bytesIn / br };
    result.zstd19 = zs === null ? "zstd CLI not installed" : { bytes: zs, ratio: s.bytesIn / zs };
    result.tdlzVsGzip9 = gz / s.bytesOut;
    result.tdlzVsZstd19 = zs === null ? null : zs / s.bytesOut;
  }
  if (out.json) {
    out.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const relative =
    s.bytesIn === 0
      ? "empty input"
      : `ratio ${(s.bytesIn / s.bytesOut).toFixed(2)}× (output is ${((100 * s.bytesOut) / s.bytesIn).toFixed(2)}% of the original size)`;
  const lines = [
    `${input} → ${output}: ${fmtInt(s.bytesIn)} → ${fmtInt(s.bytesOut)} bytes, ${relative}, ${fmtInt(s.lines)} lines in ${seconds.toFixed(1)}s`,
  ];
  if (baselines !== undefined) {
    const { gz, br, zs } = baselines;
    lines.push(
      `  gzip -9 (zlib): ${fmtInt(gz)} bytes (${(s.bytesIn / gz).toFixed(2)}×); .tdlz is ${(gz / s.bytesOut).toFixed(2)}× smaller`,
    );
    lines.push(`  brotli 11:      ${fmtInt(br)} bytes (${(s.bytesIn / br).toFixed(2)}×)`);
    lines.push(
      zs === null
        ? "  zstd -19: zstd CLI not installed"
        : `  zstd -19:       ${fmtInt(zs)} bytes (${(s.bytesIn / zs).toFixed(2)}×); .tdlz is ${(zs / s.bytesOut).toFixed(2)}× smaller`,
    );
  }
  out.write(`${lines.join("\n")}\n`);
}

export async function decompressCommand(input: string, output: string, out: Output): Promise<void> {
  const n = await decompressFile(input, output);
  if (out.json) out.write(`${JSON.stringify({ input, output, bytes: n })}\n`);
  else out.write(`${input} → ${output}: ${fmtInt(n)} bytes (checksum verified)\n`);
}

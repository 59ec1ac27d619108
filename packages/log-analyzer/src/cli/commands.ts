// The CLI's commands as functions: each scans its inputs and writes a
// terminal table, JSON, or a self-contained HTML page.
import { writeFileSync } from "node:fs";
import { AnomalyCollector, type AnomalyOptions } from "../analysis/anomalies.js";
import { CondenseCollector } from "../analysis/condense.js";
import { DiffCollector } from "../analysis/diff.js";
import { type Collector, scanFiles } from "../analysis/scan.js";
import { ErrorCounter, templatesReport } from "../analysis/templates-report.js";
import { TimelineCollector, type TimelineOptions } from "../analysis/timeline.js";
import { compressFile, decompressFile } from "../codec/tdlz.js";
import { openInput } from "../io/open-input.js";
import { LogParser, type ParserOptions } from "../mining/log-parser.js";
import { MAX_MINED_CHARS, MAX_MINED_TOKENS } from "../mining/message-cap.js";
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
import { brotli11Size, externalSize, gzip9Size, XZ_9, ZSTD_19 } from "./compare.js";

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
  const parser = new LogParser(opts);
  // Each file's stamp and header come from its own first lines, unless turned off or given.
  const lineTimes = opts.detectTime !== false && opts.lineTime === undefined;
  const formats = opts.format === undefined && opts.detectFormat !== false;
  await scanFiles(
    paths,
    parser,
    collectors,
    (path, n) => out.progress(`${path}: ${fmtInt(n)} lines…`),
    {
      lineTimes,
      formats,
      onInput: (path) => {
        const where = paths.length > 1 ? `${path}: ` : "";
        const format = parser.inputFormat();
        if (formats && format !== null) {
          out.progress(
            `tidemark-logs: ${where}detected header format "${format}" (--format to override, --no-detect to turn off)`,
          );
        }
        out.progress(`tidemark-logs: ${where}times from ${parser.inputClock()}`);
      },
    },
  );
  const miss = parser.formatMisses();
  if (miss.first !== null) {
    const where = `${paths[miss.first.input - 1] ?? ""}:${miss.first.line}`;
    out.progress(
      `tidemark-logs: warning: ${fmtInt(miss.count)} lines did not match the format and were mined whole (first: ${where})`,
    );
  }
  const cap = parser.cappedMessages();
  if (cap.first !== null) {
    const where = `${paths[cap.first.input - 1] ?? ""}:${cap.first.line}`;
    out.progress(
      `tidemark-logs: warning: ${fmtInt(cap.count)} ${cap.count === 1 ? "message" : "messages"} had over ${fmtInt(MAX_MINED_TOKENS)} words or ${fmtInt(MAX_MINED_CHARS)} characters: mined on their start, the rest kept whole as one <rest> value (first: ${where})`,
    );
  }
  return parser;
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
  const tl = timeline.report(parser.clock());
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
  const parser = await scan(files, opts, [timeline], out);
  const r = timeline.report(parser.clock());
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

/** Options of `compress`. */
export interface CompressCommandOptions {
  readonly quality: number;
  readonly compare: boolean;
  readonly overwrite: boolean;
}

interface Baseline {
  readonly label: string;
  readonly bytes: number | null;
  /** Why there is no size (the CLI is not installed). */
  readonly missing?: string;
}

async function baselines(input: string): Promise<Baseline[]> {
  const [gz, br, zs, xz] = await Promise.all([
    gzip9Size(input),
    brotli11Size(input),
    externalSize(ZSTD_19, input),
    externalSize(XZ_9, input),
  ]);
  const external = (label: string, bytes: number | null, cmd: string): Baseline =>
    bytes === null ? { label, bytes, missing: `${cmd} is not installed` } : { label, bytes };
  return [
    { label: "gzip -9", bytes: gz },
    { label: "brotli 11", bytes: br },
    external(ZSTD_19.label, zs, ZSTD_19.command),
    external(XZ_9.label, xz, XZ_9.command),
  ];
}

function baselineLine(b: Baseline, bytesIn: number, tdlz: number): string {
  const label = `${b.label}:`.padEnd(11);
  if (b.bytes === null) return `  ${label} ${b.missing}`;
  const ratio = (bytesIn / Math.max(1, b.bytes)).toFixed(2);
  const vs = (b.bytes / Math.max(1, tdlz)).toFixed(2);
  return `  ${label} ${fmtInt(b.bytes).padStart(12)} bytes (${ratio}×); .tdlz is ${vs}× smaller`;
}

export async function compressCommand(
  input: string,
  output: string,
  opts: CompressCommandOptions,
  out: Output,
): Promise<void> {
  const size = await openInput(input, async (fh) => (await fh.stat()).size);
  const started = performance.now();
  const s = await compressFile(input, output, {
    quality: opts.quality,
    overwrite: opts.overwrite,
    onProgress: (done) => {
      if (size > 32 << 20)
        out.progress(`${((100 * done) / size).toFixed(0)}% (${fmtInt(done)} bytes)`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  let compare: Baseline[] = [];
  if (opts.compare) {
    out.progress("measuring gzip -9, brotli 11, zstd -19 and xz -9 on the same file…");
    compare = await baselines(input);
  }
  const ratio = s.bytesIn / Math.max(1, s.bytesOut);
  if (out.json) {
    const result = {
      input,
      output,
      bytesIn: s.bytesIn,
      bytesOut: s.bytesOut,
      lines: s.lines,
      blocks: s.blocks,
      ratio,
      seconds,
      ...(opts.compare
        ? {
            compare: compare.map((b) => ({
              ...b,
              ratio: b.bytes === null ? null : s.bytesIn / Math.max(1, b.bytes),
              tdlzSmallerBy: b.bytes === null ? null : b.bytes / Math.max(1, s.bytesOut),
            })),
          }
        : {}),
    };
    out.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const relative =
    s.bytesIn === 0
      ? "empty input"
      : `ratio ${ratio.toFixed(2)}× (output is ${((100 * s.bytesOut) / s.bytesIn).toFixed(2)}% of the original size)`;
  const lines = [
    `${input} → ${output}: ${fmtInt(s.bytesIn)} → ${fmtInt(s.bytesOut)} bytes, ${relative}, ${fmtInt(s.lines)} lines in ${seconds.toFixed(1)}s`,
    ...compare.map((b) => baselineLine(b, s.bytesIn, s.bytesOut)),
  ];
  out.write(`${lines.join("\n")}\n`);
}

export async function decompressCommand(
  input: string,
  output: string,
  overwrite: boolean,
  out: Output,
): Promise<void> {
  const n = await decompressFile(input, output, { overwrite });
  if (out.json) out.write(`${JSON.stringify({ input, output, bytes: n })}\n`);
  else out.write(`${input} → ${output}: ${fmtInt(n)} bytes (checksum verified)\n`);
}

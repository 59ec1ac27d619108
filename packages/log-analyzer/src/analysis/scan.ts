// Feeds files through one shared parser (so templates are comparable across
// runs) and hands every event to the analyses' collectors, line by line.
import { fileSample } from "../io/file-sample.js";
import { readLineArrays } from "../io/line-reader.js";
import { DETECT_SAMPLE, detectLogFormat } from "../mining/header-detect.js";
import { detectLineTime, type LineTimeSpec } from "../mining/line-time.js";
import type { LogEvent, LogParser } from "../mining/log-parser.js";
import type { FieldValue } from "../mining/pino-line.js";
import type { Template } from "../mining/template-miner.js";

/** An event with its run (input file) index. */
export interface RunEvent extends LogEvent {
  readonly run: number;
}

/** Something that consumes events as they stream by. */
export interface Collector {
  /** `raw` is the line as read (without its newline). */
  add(ev: RunEvent, template: Template, raw: string): void;
}

/** Display text of a template: `[event] tokens…` for namespaced (pino) templates. */
export function displayTemplate(t: Pick<Template, "namespace" | "tokens">): string {
  const text = t.tokens.join(" ");
  return t.namespace.length > 0 ? `[${t.namespace}] ${text}` : text;
}

/** A string field, or undefined. */
export function strField(ev: LogEvent, name: string): string | undefined {
  const v: FieldValue | undefined = ev.fields?.[name];
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}

/** Options of {@link scanFiles}. */
export interface ScanOptions {
  /** Detect each file's time stamp from its own first lines (default false: the parser's). */
  readonly lineTimes?: boolean;
  /** Detect each file's header format from its own first lines (default false: the parser's). */
  readonly formats?: boolean;
  /** Called when a file starts, after its stamp and format are chosen. */
  readonly onInput?: (path: string) => void;
}

/** The stamp of a file's text lines, from a sample of its lines. */
export async function fileLineTime(path: string): Promise<LineTimeSpec | null> {
  return detectLineTime(await fileSample(path, DETECT_SAMPLE));
}

// Starts a file in the parser with its own stamp and header (from a sample
// spread through it), when asked to detect them.
async function startFile(parser: LogParser, path: string, opts: ScanOptions): Promise<void> {
  if (opts.lineTimes !== true && opts.formats !== true) return parser.startInput();
  const sample = await fileSample(path, DETECT_SAMPLE);
  parser.startInput(
    opts.lineTimes === true ? detectLineTime(sample) : undefined,
    opts.formats === true ? detectLogFormat(sample) : undefined,
  );
}

/** Scans each file in order through `parser`, calling every collector per event. */
export async function scanFiles(
  paths: readonly string[],
  parser: LogParser,
  collectors: readonly Collector[],
  onProgress?: (path: string, lines: number) => void,
  opts: ScanOptions = {},
): Promise<number[]> {
  const counts: number[] = [];
  for (let run = 0; run < paths.length; run++) {
    const path = paths[run] as string;
    let n = 0;
    await startFile(parser, path, opts);
    opts.onInput?.(path);
    for await (const batch of readLineArrays(path)) {
      for (const line of batch) {
        const ev = parser.push(line);
        const t = parser.miner.template(ev.templateId) as Template;
        const rev: RunEvent = {
          line: ev.line,
          templateId: ev.templateId,
          params: ev.params,
          fields: ev.fields,
          level: ev.level,
          time: ev.time,
          run,
        };
        for (const c of collectors) c.add(rev, t, line);
        n++;
        if (onProgress !== undefined && n % 500_000 === 0) onProgress(path, n);
      }
    }
    counts.push(n);
  }
  return counts;
}

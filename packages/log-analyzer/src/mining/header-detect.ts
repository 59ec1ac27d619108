// Finds the header format of a text log from a sample of its lines, so a log
// given without --format is still mined on its message only (a timestamp,
// level, host or thread left in the text splits or merges templates).
// Candidates are the common families — syslog, ISO-8601 and log4j/logback,
// ctime (Apache error log), logcat-like pid/tid columns, nginx-like
// [level] — each written as a format whose header values must pass a check.
import { STACK_LINE } from "./line-time.js";
import { applyLogFormat, compileLogFormat, type LogFormat } from "./log-format.js";
import { monthNumber } from "./month-name.js";
import { parseStructuredLine } from "./pino-line.js";

type Check = (v: string) => boolean;

const re =
  (r: RegExp): Check =>
  (v) =>
    r.test(v);

// Header name → what its value must look like.
const CHECKS: Record<string, Check> = {
  // ISO, yy/MM/dd, MM-dd, compact, US or European d/M/yyyy, Tomcat's 06-Dec-2026.
  Date: (v) =>
    /^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{2}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-.]\d{1,2}|\d{8}|\d{6}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})$/.test(
      v,
    ) || isDayMonthYear(v),
  // A 12-hour clock's marker.
  Ampm: re(/^[AaPp]\.?[Mm]\.?$/),
  // glog/klog: severity letter and MMdd ("I1206").
  Glog: re(/^[IWEFD]\d{4}$/),
  // A trailing comma: "2016-09-28 04:30:30, Info".
  Time: re(/^(\d{1,2}:\d{2}(:\d{1,2})?([.,:]\d{1,9})?|\d{6}),?$/),
  Timestamp: re(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}([.,]\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$|^\d{1,2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2}( [+-]\d{4})?$|^\d{8}[-T]\d{1,2}:\d{1,2}:\d{1,2}([.,:]\d{1,9})?$|^\d{4}-\d{2}-\d{2}-\d{2}\.\d{2}\.\d{2}(\.\d{1,9})?$/,
  ),
  // Unix seconds (2001–2033), optionally with a fraction (squid, audit, cluster schedulers).
  Epoch: re(/^1\d{9}(\.\d{1,6})?$/),
  Month: (v) => monthNumber(v) !== 0,
  Weekday: re(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*$/i),
  Day: re(/^\d{1,2}$/),
  Year: re(/^\d{4}$/),
  Level: re(
    /^(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|SEVERE|FATAL|CRIT|CRITICAL|ALERT|EMERG|FINE|FINER|FINEST|CONFIG|VERBOSE|[VDIWEF])$/i,
  ),
  Pid: re(/^\d+$/),
  Tid: re(/^\d+$/),
  Host: re(/^[^\s:]+$/),
  Component: re(/^[^\s]+$/),
  Thread: re(/^[^\]]+$/),
  Client: re(/^\S+$/),
  Column: re(/^\S+$/),
};

// "06-Dec-2026" (Tomcat, Oracle): day, month word, year.
function isDayMonthYear(v: string): boolean {
  const m = /^(\d{1,2})-([^-]{3,10})-(\d{4})$/.exec(v);
  return m !== null && monthNumber(m[2] as string) !== 0;
}

// Timestamp shapes, most specific first.
const STAMPS = [
  "[<Weekday> <Month> <Day> <Time> <Year>]",
  "<Weekday> <Month> <Day> <Time> <Year>",
  "[<Date> <Time>]",
  "[<Timestamp>]",
  "<Date> <Time>",
  "<Timestamp>",
  "<Month> <Day> <Time>",
  "<Epoch>",
  "<Date> <Time> <Ampm>",
  "<Month> <Day>, <Year> <Time> <Ampm>",
  "<Month> <Day>, <Year> <Time>",
  "<Day> <Month> <Year> <Time>",
  "<Glog> <Time>",
];

// What follows the timestamp, most specific first.
const TAILS = [
  " <Level> [<Thread>] <Component>: <Content>",
  " [<Thread>] <Level> <Component> - <Content>",
  " - <Level> [<Thread>] - <Content>",
  " <Pid> <Tid> <Level> <Component>: <Content>",
  " <Pid> <Level> <Component>: <Content>",
  " <Pid> <Level> <Component> [<Thread>] <Content>",
  " <Pid> <Level> <Component> <Content>",
  // glog: thread id, file:line].
  " <Pid> <Component>] <Content>",
  " <Level> <Component>: <Content>",
  " [<Level>] [pid <Pid>] <Content>",
  " [<Level>] <Pid>#<Tid>: <Content>",
  " [<Level>] <Content>",
  " <Level>: <Content>",
  " <Level> <Content>",
  " <Host> <Component>: <Content>",
  " <Component>: <Content>",
  " <Component> - <Content>",
  " <Content>",
  // Pipe-separated columns.
  "|<Component>|<Pid>|<Content>",
  "|<Level>|<Component>|<Content>",
  "|<Component>|<Content>",
];

/** Leading columns allowed before the timestamp (a file name, a label, an epoch). */
const MAX_LEADING = 4;

/** Lines of the sample; detection needs at least this many text lines. */
export const DETECT_SAMPLE = 400;
const MIN_LINES = 3;
const MAX_LINE = 1024;

interface Candidate {
  readonly format: LogFormat;
  readonly checks: readonly (readonly [string, Check])[];
}

function candidates(): Candidate[] {
  const out: Candidate[] = [];
  for (let lead = 0; lead <= MAX_LEADING; lead++) {
    const prefix = Array.from({ length: lead }, (_, i) => `<Column${i + 1}> `).join("");
    for (const stamp of STAMPS) {
      for (const tail of TAILS) out.push(candidate(prefix + stamp + tail));
    }
  }
  return out;
}

function candidate(source: string): Candidate {
  const format = compileLogFormat(source);
  const checks = format.headers.flatMap((h) => {
    const c = CHECKS[h.replace(/\d+$/, "")];
    return c === undefined ? [] : [[h, c] as const];
  });
  return { format, checks };
}

let CANDIDATES: Candidate[] | null = null;

// Checked headers first; among equals, the longer header (more columns off the message).
function specificity(c: Candidate): number {
  return c.checks.filter(([h]) => !h.startsWith("Column")).length * 100 + c.format.headers.length;
}

function fits(c: Candidate, line: string): boolean {
  const m = applyLogFormat(c.format, line);
  if (m === null) return false;
  for (const [h, check] of c.checks) if (!check(m.headers[h] ?? "")) return false;
  return true;
}

/**
 * The header format that fits the sample's text lines best (JSON lines are
 * ignored), or null when none fits at least half of them. A more specific
 * format wins over a looser one unless the looser one fits a fifth more lines.
 */
export function detectLogFormat(sample: Iterable<string>): string | null {
  const lines: string[] = [];
  for (const raw of sample) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim().length === 0 || parseStructuredLine(line) !== null) continue;
    // Stack frames continue a record: they never carry its header.
    if (STACK_LINE.test(line)) continue;
    // Every candidate ends with <Content>, so the head of a line decides;
    // a megabyte line must not cost a megabyte per candidate.
    lines.push(line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line);
    if (lines.length >= DETECT_SAMPLE) break;
  }
  if (lines.length < MIN_LINES) return null;
  CANDIDATES ??= candidates();
  // Most candidates fail on a few lines: score only the rest on all. The few
  // are spread over the sample, so a banner at the top does not rule out
  // the format of every line after it.
  const step = Math.max(1, Math.floor(lines.length / 16));
  const head = lines.filter((_, k) => k % step === 0).slice(0, 16);
  const scores = CANDIDATES.map((c) => {
    if (head.filter((l) => fits(c, l)).length * 4 < head.length) return 0;
    return lines.filter((l) => fits(c, l)).length;
  });
  const best = Math.max(...scores);
  if (best * 2 < lines.length) return null;
  // Among the formats that fit nearly as many lines as the best, the one that
  // checks the most headers (leading columns are unchecked) wins, then the longer.
  let pick = -1;
  for (let k = 0; k < CANDIDATES.length; k++) {
    if ((scores[k] as number) * 1.2 < best) continue;
    if (
      pick === -1 ||
      specificity(CANDIDATES[k] as Candidate) > specificity(CANDIDATES[pick] as Candidate)
    )
      pick = k;
  }
  return CANDIDATES[pick]?.format.source ?? null;
}

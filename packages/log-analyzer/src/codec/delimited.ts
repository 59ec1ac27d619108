// The Delimited form (docs/tdlz-format.md, kind 5): lines of fields joined
// by one delimiter (CSV, TSV, pipe-separated exports) stored column by
// column. The whitespace miner sees a comma-joined row as one or two tokens,
// so such files went through as plain text; by column, each field's values
// sit together (ids as deltas, repeated names and dates next to each other).
// A line is split at its first k-1 delimiters only, so a quoted field holding
// the delimiter ends up in the last column and every line rebuilds exactly;
// a line with fewer delimiters is kept whole.
import { LogAnalyzerError, LogErrorCode } from "../errors.js";
import { ByteReader, ByteWriter } from "./bytes.js";
import { readColumn, writeColumn } from "./columns.js";

/** Delimiters tried, in order of preference on a tie. */
export const DELIMITERS = [",", "\t", "|", ";"] as const;
/** At least this many fields, on this share of the lines, make a block worth splitting. */
const MIN_FIELDS = 3;
const MIN_SHARE = 0.9;
const MAX_FIELDS = 256;
// A block holds at most 16 MiB and so at most this many lines: a larger count is corrupt.
const MAX_LINES = (1 << 24) + 1;

function corrupt(message: string): never {
  throw new LogAnalyzerError(LogErrorCode.CorruptContainer, message);
}

function countOf(line: string, d: number, cap: number): number {
  let n = 0;
  for (let i = 0; i < line.length && n < cap; i++) if (line.charCodeAt(i) === d) n++;
  return n;
}

/**
 * The delimiter and field count that most lines share (at least 90% of the
 * lines have that many fields or more), or null when no delimiter gives
 * three fields that often.
 */
export function chooseSplit(lines: readonly string[]): { delim: number; fields: number } | null {
  let best: { delim: number; fields: number } | null = null;
  // A sample decides; every line is checked when encoding.
  const step = Math.max(1, Math.floor(lines.length / 2000));
  for (const ch of DELIMITERS) {
    const d = ch.charCodeAt(0);
    const counts: number[] = [];
    for (let i = 0; i < lines.length; i += step) {
      counts.push(countOf(lines[i] as string, d, MAX_FIELDS - 1));
    }
    counts.sort((a, b) => a - b);
    const c = counts[Math.floor(counts.length * (1 - MIN_SHARE))] ?? 0;
    if (c + 1 >= MIN_FIELDS && (best === null || c + 1 > best.fields)) {
      best = { delim: d, fields: c + 1 };
    }
  }
  return best;
}

/**
 * The payload: delimiter byte, uvar fields, uvar lines, uvar whole-line
 * count and each (uvar gap, str line), then one column per field over the
 * other lines. Null when the block has no such structure.
 */
export function encodeDelimited(lines: readonly string[]): Uint8Array | null {
  const split = chooseSplit(lines);
  if (split === null) return null;
  const { delim, fields } = split;
  const sep = String.fromCharCode(delim);
  const cols: string[][] = Array.from({ length: fields }, () => []);
  const whole: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    let from = 0;
    let f = 0;
    for (; f < fields - 1; f++) {
      const at = line.indexOf(sep, from);
      if (at === -1) break;
      (cols[f] as string[]).push(line.slice(from, at));
      from = at + 1;
    }
    if (f < fields - 1) {
      for (let g = 0; g < f; g++) (cols[g] as string[]).pop();
      whole.push(i);
      continue;
    }
    (cols[fields - 1] as string[]).push(line.slice(from));
  }
  const w = new ByteWriter();
  w.byte(delim);
  w.uvar(fields);
  w.uvar(lines.length);
  w.uvar(whole.length);
  let prev = 0;
  for (const i of whole) {
    w.uvar(i - prev);
    w.str(lines[i] as string);
    prev = i;
  }
  for (const col of cols) writeColumn(w, col);
  return w.finish();
}

/** The lines of a Delimited payload. */
export function decodeDelimited(payload: Uint8Array): string[] {
  const r = new ByteReader(payload);
  const sep = String.fromCharCode(r.byte());
  const fields = r.uvar();
  const n = r.uvar();
  const e = r.uvar();
  if (fields < 1 || fields > MAX_FIELDS || e > n || n > MAX_LINES) {
    corrupt("delimited block header out of range");
  }
  const lines: (string | undefined)[] = new Array(n);
  let at = 0;
  for (let k = 0; k < e; k++) {
    at += r.uvar();
    if (at >= n || lines[at] !== undefined) corrupt("delimited block: bad whole-line index");
    lines[at] = r.str();
  }
  const rows = n - e;
  const cols: string[][] = [];
  for (let f = 0; f < fields; f++) cols.push(readColumn(r, rows));
  if (r.remaining !== 0) corrupt("delimited block: bytes left over");
  let row = 0;
  for (let i = 0; i < n; i++) {
    if (lines[i] !== undefined) continue;
    let line = (cols[0] as string[])[row] as string;
    for (let f = 1; f < fields; f++) line += sep + ((cols[f] as string[])[row] as string);
    lines[i] = line;
    row++;
  }
  return lines as string[];
}

// Columnar encoding of one parameter slot's values: integer columns as
// zigzag varints, as deltas when that is smaller (counters, timestamps) and
// plain otherwise (ports, sizes); fixed-width digit columns (leading zeros
// kept) the same way plus their width; constant columns once; anything else
// as lengths + bytes.
import { LogAnalyzerError, LogErrorCode } from "../errors.js";
import type { ByteReader, ByteWriter } from "./bytes.js";

/** Column kinds as stored in the container. */
export enum ColumnKind {
  Strings = 0,
  Integers = 1,
  FixedDigits = 2,
  Constant = 3,
  /** Integers, each value itself rather than its difference from the previous one. */
  IntegersPlain = 4,
  FixedDigitsPlain = 5,
}

const MAX_DIGITS = 15;

function isCanonicalInt(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > MAX_DIGITS + 1) return false;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (n === 1 || s.charCodeAt(1) === 48) return false; // "-" and "-0…" are not canonical
    i = 1;
  } else if (s.charCodeAt(0) === 48) return n === 1;
  if (n - i > MAX_DIGITS) return false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function isDigits(s: string, width: number): boolean {
  if (s.length !== width) return false;
  for (let i = 0; i < width; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Picks the cheapest exact encoding for `values`. */
export function chooseKind(values: readonly string[]): ColumnKind {
  const first = values[0];
  if (first === undefined) return ColumnKind.Constant;
  let constant = true;
  let ints = true;
  const width = first.length;
  let fixed = width > 0 && width <= MAX_DIGITS;
  for (const v of values) {
    if (constant && v !== first) constant = false;
    if (ints && !isCanonicalInt(v)) ints = false;
    if (fixed && !isDigits(v, width)) fixed = false;
    if (!constant && !ints && !fixed) return ColumnKind.Strings;
  }
  if (constant) return ColumnKind.Constant;
  if (ints) return deltasPay(values) ? ColumnKind.Integers : ColumnKind.IntegersPlain;
  if (fixed) return deltasPay(values) ? ColumnKind.FixedDigits : ColumnKind.FixedDigitsPlain;
  return ColumnKind.Strings;
}

function varintBytes(zigzag: number): number {
  let n = 1;
  for (let x = zigzag; x >= 0x80; x = Math.floor(x / 0x80)) n++;
  return n;
}

const zigzag = (v: number): number => (v < 0 ? -2 * v - 1 : 2 * v);

// Deltas win on sorted or slowly changing values; compare the varint bytes of both.
function deltasPay(values: readonly string[]): boolean {
  let plain = 0;
  let delta = 0;
  let prev = 0;
  for (const v of values) {
    const x = Number(v);
    plain += varintBytes(zigzag(x));
    delta += varintBytes(zigzag(x - prev));
    prev = x;
  }
  return delta <= plain;
}

/** Writes a column (kind byte + payload); the count is known to the reader. */
export function writeColumn(w: ByteWriter, values: readonly string[]): void {
  const kind = chooseKind(values);
  w.byte(kind);
  switch (kind) {
    case ColumnKind.Constant:
      w.str(values[0] ?? "");
      return;
    case ColumnKind.Integers:
    case ColumnKind.FixedDigits:
    case ColumnKind.IntegersPlain:
    case ColumnKind.FixedDigitsPlain: {
      const fixed = kind === ColumnKind.FixedDigits || kind === ColumnKind.FixedDigitsPlain;
      const delta = kind === ColumnKind.Integers || kind === ColumnKind.FixedDigits;
      if (fixed) w.uvar((values[0] as string).length);
      let prev = 0;
      for (const v of values) {
        const x = Number(v);
        w.svar(delta ? x - prev : x);
        prev = x;
      }
      return;
    }
    case ColumnKind.Strings:
      for (const v of values) w.uvar(v.length);
      for (const v of values) w.latin1(v);
      return;
  }
}

/** Reads `count` values written by {@link writeColumn}. */
export function readColumn(r: ByteReader, count: number): string[] {
  const kind = r.byte() as ColumnKind;
  const out: string[] = new Array(count);
  switch (kind) {
    case ColumnKind.Constant: {
      const v = r.str();
      out.fill(v);
      return out;
    }
    case ColumnKind.Integers:
    case ColumnKind.FixedDigits:
    case ColumnKind.IntegersPlain:
    case ColumnKind.FixedDigitsPlain: {
      const fixed = kind === ColumnKind.FixedDigits || kind === ColumnKind.FixedDigitsPlain;
      const delta = kind === ColumnKind.Integers || kind === ColumnKind.FixedDigits;
      const width = fixed ? r.uvar() : 0;
      let prev = 0;
      for (let i = 0; i < count; i++) {
        prev = delta ? prev + r.svar() : r.svar();
        out[i] = width > 0 ? String(prev).padStart(width, "0") : String(prev);
      }
      return out;
    }
    case ColumnKind.Strings: {
      const lens: number[] = new Array(count);
      for (let i = 0; i < count; i++) lens[i] = r.uvar();
      for (let i = 0; i < count; i++) out[i] = r.latin1(lens[i] as number);
      return out;
    }
    default:
      throw new LogAnalyzerError(
        LogErrorCode.CorruptContainer,
        `unknown column kind ${String(kind)}`,
      );
  }
}

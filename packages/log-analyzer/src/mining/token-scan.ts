// The one left-to-right pass over a message: token boundaries as offsets,
// what each token needs from the masker, and a hash of the message's literal
// skeleton. The tokenizer builds strings from it; the template-first path
// compares against templates in place.
import { MAX_SENTINELS, SENTINEL_BASE } from "./masker.js";
import { foldedEquals, isBoolWord } from "./word-class.js";

const SENTINEL_END = SENTINEL_BASE + MAX_SENTINELS;

/** Token flag: every character is a digit. */
export const ALL_DIGITS = 1;
/** Token flag: some character is a digit. */
export const HAS_DIGIT = 2;
/** Token flag: a slash or a config-mask sentinel. */
export const HAS_MASK = 4;
/** Token flag: a `:` or `=` (a key:value pair may hold true/false). */
export const HAS_PAIR = 8;

/** Raw tokens of one message; arrays are reused from line to line. */
export interface TokenScan {
  count: number;
  starts: Int32Array;
  ends: Int32Array;
  flags: Uint8Array;
  /**
   * Hash of the token count and the text of every token without a digit,
   * slash or sentinel (those count as one marker each): lines of one
   * template mostly share it.
   */
  signature: number;
}

export function newTokenScan(): TokenScan {
  return {
    count: 0,
    starts: new Int32Array(64),
    ends: new Int32Array(64),
    flags: new Uint8Array(64),
    signature: 0,
  };
}

// Room for one more token.
function grow(out: TokenScan): void {
  const size = out.starts.length * 2;
  const starts = new Int32Array(size);
  starts.set(out.starts);
  out.starts = starts;
  const ends = new Int32Array(size);
  ends.set(out.ends);
  out.ends = ends;
  const flags = new Uint8Array(size);
  flags.set(out.flags);
  out.flags = flags;
}

const VALUE_MARK = 0x5bd1e995;
// Character classes of the scan, as flag bits (SPACE and OTHER are internal).
// One entry per UTF-16 code unit: a char code indexes it with no range test
// (64 KB, of which a log line touches the ASCII part; measured ~15% faster
// than a 128-entry table behind a `c < 128` branch).
const SPACE = 16;
const OTHER = 32;
const CLASS = new Uint8Array(0x10000).fill(OTHER);
for (let c = 48; c <= 57; c++) CLASS[c] = HAS_DIGIT;
CLASS[47] = HAS_MASK | OTHER;
CLASS[58] = HAS_PAIR | OTHER;
CLASS[61] = HAS_PAIR | OTHER;
CLASS[32] = SPACE;
CLASS[9] = SPACE;
CLASS.fill(HAS_MASK | OTHER, SENTINEL_BASE, SENTINEL_END);

/** Splits `s` on spaces and tabs into `out`. */
export function scanTokens(s: string, out: TokenScan): void {
  const n = s.length;
  let count = 0;
  let sig = 0x811c9dc5;
  let i = 0;
  let starts = out.starts;
  let ends = out.ends;
  let flagsOut = out.flags;
  while (i < n) {
    let c = s.charCodeAt(i);
    let cls = CLASS[c] as number;
    if (cls === SPACE) {
      i++;
      continue;
    }
    const start = i;
    let flags = 0;
    let h = 0x01000193;
    for (;;) {
      flags |= cls;
      h = Math.imul(h ^ c, 0x01000193);
      if (++i >= n) break;
      c = s.charCodeAt(i);
      cls = CLASS[c] as number;
      if (cls === SPACE) break;
    }
    if ((flags & (HAS_DIGIT | OTHER)) === HAS_DIGIT) flags |= ALL_DIGITS;
    if (count === starts.length) {
      grow(out);
      starts = out.starts;
      ends = out.ends;
      flagsOut = out.flags;
    }
    starts[count] = start;
    ends[count] = i;
    flagsOut[count] = flags & (ALL_DIGITS | HAS_DIGIT | HAS_MASK | HAS_PAIR);
    count++;
    sig = Math.imul(sig ^ ((flags & (HAS_DIGIT | HAS_MASK)) === 0 ? h : VALUE_MARK), 0x01000193);
    // The char that ended the token is a separator (or the end): not read again.
    i++;
  }
  out.count = count;
  out.signature = sig;
}

/** Kind of a token: left as it is. */
export const LITERAL = 0;
/** Kind of a token: all digits, so `<num>` holding the whole token. */
export const NUMBER = 1;
/** Kind of a token: `true`/`false`, so `<bool>` holding the whole token. */
export const BOOL = 2;
/** Kind of a token: the masking scan decides. */
export const MASKED = 3;

/** How the tokenizer masks the token s[start, end) with these flags. */
export function tokenKind(s: string, start: number, end: number, flags: number): number {
  if ((flags & ALL_DIGITS) !== 0) return NUMBER;
  if ((flags & (HAS_DIGIT | HAS_MASK)) !== 0) return MASKED;
  if ((flags & HAS_PAIR) !== 0 && hasBoolInside(s, start, end)) return MASKED;
  return isBoolWord(s, start, end) ? BOOL : LITERAL;
}

// /true|false/i on s[start, end) (a pair like overlap:false holds a flag).
function hasBoolInside(s: string, start: number, end: number): boolean {
  for (let k = start; k + 4 <= end; k++) {
    if (foldedEquals(s, k, "true") || (k + 5 <= end && foldedEquals(s, k, "false"))) return true;
  }
  return false;
}

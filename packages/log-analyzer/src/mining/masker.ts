// Built-in masking of one whitespace-free token. A single left-to-right scan
// classifies each word (the text between delimiters) and captures the
// original text of every masked span as a parameter, so parameters are never
// re-derived by a regex after the template is known. The scan also records
// where each parameter lies, for callers that mask a token in place inside
// a line (the miner's template-first path).
import {
  classifyRange,
  IP,
  isAsciiLetter,
  isBoolWord,
  isDigit,
  isUuid,
  NUM,
  PLACEHOLDER_TEXT,
  UUID,
} from "./word-class.js";

/** Named placeholders the built-in masker produces. */
export const BUILTIN_PLACEHOLDERS = ["num", "hex", "uuid", "ip", "path", "url", "bool"] as const;

/** First code point of the private-use range that stands for config-mask matches. */
export const SENTINEL_BASE = 0xe000;
/** At most this many config-mask matches per line; later matches stay literal. */
export const MAX_SENTINELS = 256;

/** Config-mask matches of the current line, indexed by sentinel slot. */
export interface SentinelTable {
  values: string[];
  names: string[];
}

const DELIM = new Uint8Array(128);
for (const ch of "=,()[]{}\"';<>|:/@\\&?!#") DELIM[ch.charCodeAt(0)] = 1;
// Separators inside a word (`core.4505`, `node-246`, `blk_123`): a digit run
// between them is a value even when the word as a whole is an identifier.
const INNER = new Uint8Array(128);
for (const ch of ".-_") INNER[ch.charCodeAt(0)] = 1;
// Text allowed between the items of a list (`1.2.3.4,5.6.7.8`, `7##12##3`).
const LIST_SEP = new Uint8Array(128);
for (const ch of ",;|#:/") LIST_SEP[ch.charCodeAt(0)] = 1;
// Characters that end a path or URL even though they are not whitespace.
const PATH_END = new Uint8Array(128);
for (const ch of ",;\"')]}>|:") PATH_END[ch.charCodeAt(0)] = 1;
const URL_END = new Uint8Array(128);
for (const ch of ",;\"')]}>|") URL_END[ch.charCodeAt(0)] = 1;

function isSentinel(c: number): boolean {
  return c >= SENTINEL_BASE && c < SENTINEL_BASE + MAX_SENTINELS;
}
function isDelim(c: number): boolean {
  return c < 128 && DELIM[c] === 1;
}

// Where the token's path ends: at a character that closes it, or at `to`.
function pathEnd(t: string, from: number, to: number): number {
  let j = from;
  while (j < to) {
    const c = t.charCodeAt(j);
    if ((c < 128 && PATH_END[c] === 1) || isSentinel(c)) break;
    j++;
  }
  return j;
}

/** Parameter spans of one token, as [start, end) offsets into the scanned text. */
export interface SpanList {
  starts: number[];
  ends: number[];
  length: number;
}

export function newSpanList(): SpanList {
  return { starts: [], ends: [], length: 0 };
}

function pushSpan(l: SpanList, start: number, end: number): void {
  l.starts[l.length] = start;
  l.ends[l.length] = end;
  l.length++;
}

// One masking pass over t[from, to): the masked text so far, and where the
// last placeholder ended so that a list of equal placeholders can become one.
interface MaskState {
  /** Join lists of equal values into one (off for compression: it wants numeric columns). */
  lists: boolean;
  table: SentinelTable | null;
  /** The masked text so far. */
  out: string;
  /** Each parameter's text, when the caller wants strings (maskToken). */
  params: string[] | null;
  /** Each parameter's span in `t` (a sentinel's is its one character). */
  spans: SpanList;
  /** Start of the literal text of `t` not yet copied to `out`. */
  last: number;
  /** Placeholder text last emitted, while nothing has been copied after it. */
  prev: string | null;
}

// One state reused by every call (masking does not re-enter itself).
const STATE: MaskState = {
  lists: false,
  table: null,
  out: "",
  params: null,
  spans: newSpanList(),
  last: 0,
  prev: null,
};
// Spans nobody asked for (maskToken).
const DISCARDED = newSpanList();

function begin(
  s: MaskState,
  from: number,
  table: SentinelTable | null,
  lists: boolean,
  params: string[] | null,
  spans: SpanList,
): void {
  s.lists = lists;
  s.table = table;
  s.out = "";
  s.params = params;
  s.spans = spans;
  s.last = from;
  s.prev = null;
}

function isListGap(t: string, from: number, to: number): boolean {
  const n = to - from;
  if (n < 1 || n > 2) return false;
  const c = t.charCodeAt(from);
  return c < 128 && LIST_SEP[c] === 1 && (n === 1 || t.charCodeAt(from + 1) === c);
}

// Replaces t[from, to) with `ph`; the parameter is t[pFrom, to). A value that
// follows one of the same kind across a list separator (`,` `;` `|` `#` `:` `/`)
// joins it: `10.0.0.1,10.0.0.2` is one <ip> whose parameter is the list.
function emit(s: MaskState, t: string, ph: string, from: number, pFrom: number, to: number): void {
  if (s.lists && s.prev === ph && isListGap(t, s.last, from)) {
    if (s.params !== null) s.params[s.params.length - 1] += t.slice(s.last, to);
    s.spans.ends[s.spans.length - 1] = to;
  } else {
    s.out += t.slice(s.last, from) + ph;
    if (s.params !== null) s.params.push(t.slice(pFrom, to));
    pushSpan(s.spans, pFrom, to);
    s.prev = ph;
  }
  s.last = to;
}

// A config-mask match (sentinel character at i) becomes `<name>`; its
// parameter is the text the config mask matched.
function emitSentinel(s: MaskState, t: string, i: number, table: SentinelTable): void {
  const slot = t.charCodeAt(i) - SENTINEL_BASE;
  s.out += `${t.slice(s.last, i)}<${table.names[slot]}>`;
  if (s.params !== null) s.params.push(table.values[slot] ?? "");
  pushSpan(s.spans, i, i + 1);
  s.last = i + 1;
  s.prev = null;
}

/**
 * Masks one token. Returns the masked text (placeholders like `<num>`) and
 * appends the original text of each placeholder, in order, to `params`.
 * Sentinel characters (config-mask matches) become `<name>` from `table`.
 * With `lists`, a list of values of one kind (`10.0.0.1,10.0.0.2`, `7##12`,
 * `job_14451_0020`) becomes one placeholder. Returns `t` itself when nothing
 * was masked.
 */
export function maskToken(
  t: string,
  params: string[],
  table: SentinelTable | null,
  lists = false,
): string {
  DISCARDED.length = 0;
  return masked(t, 0, t.length, table, lists, params, DISCARDED);
}

/**
 * Masks the token t[from, to) of a longer text as {@link maskToken} masks
 * it on its own, appending each parameter's span (offsets into `t`; a
 * sentinel's span is its one character) to `spans` instead of building
 * the parameters' strings.
 */
export function maskRange(
  t: string,
  from: number,
  to: number,
  spans: SpanList,
  table: SentinelTable | null,
  lists: boolean,
): string {
  return masked(t, from, to, table, lists, null, spans);
}

function masked(
  t: string,
  from: number,
  to: number,
  table: SentinelTable | null,
  lists: boolean,
  params: string[] | null,
  spans: SpanList,
): string {
  const s = STATE;
  begin(s, from, table, lists, params, spans);
  scan(s, t, from, to);
  s.params = null;
  s.spans = DISCARDED;
  if (s.last === from) return from === 0 && to === t.length ? t : t.slice(from, to);
  return s.last < to ? s.out + t.slice(s.last, to) : s.out;
}

// The masking scan of t[from, to).
function scan(s: MaskState, t: string, from: number, n: number): void {
  const table = s.table;
  let i = from;
  while (i < n) {
    const c = t.charCodeAt(i);
    if (isSentinel(c) && table !== null) {
      emitSentinel(s, t, i, table);
      i++;
      continue;
    }
    if (c === 47 && (i === from || isDelim(t.charCodeAt(i - 1)))) {
      // An absolute path: starts at a word boundary and has a second slash.
      const end = pathEnd(t, i + 1, n);
      if (hasInnerSlash(t, i + 2, end - 1) && t.charCodeAt(i + 1) !== 47) {
        emit(s, t, "<path>", i, i, end);
        i = end;
        continue;
      }
    }
    if (isDelim(c)) {
      i++;
      continue;
    }
    let j = i + 1;
    let digit = isDigit(c);
    while (j < n) {
      const d = t.charCodeAt(j);
      if (isDelim(d) || isSentinel(d)) break;
      if (!digit && d >= 48 && d <= 57) digit = true;
      j++;
    }
    if (j + 2 < n && t.charCodeAt(j) === 58 && t.startsWith("//", j + 1) && isScheme(t, i, j)) {
      let e = j + 3;
      while (e < n) {
        const d = t.charCodeAt(e);
        if ((d < 128 && URL_END[d] === 1) || isSentinel(d)) break;
        e++;
      }
      emit(s, t, "<url>", i, i, e);
      i = e;
      continue;
    }
    // Every other placeholder kind needs a digit; words without one stay literal.
    if (digit) maskWord(s, t, from, i, j);
    else if (isBoolWord(t, i, j)) emit(s, t, "<bool>", i, i, j);
    i = j;
  }
}

// A slash in t[from, to).
function hasInnerSlash(t: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (t.charCodeAt(k) === 47) return true;
  return false;
}

// Masks the delimiter-free word t[i, j), which has a digit; the token starts at `start`.
function maskWord(s: MaskState, t: string, start: number, i: number, j: number): void {
  const cls = classifyRange(t, i, j);
  if (cls < 0) {
    maskInnerNumbers(s, t, i, j);
    return;
  }
  const kind = cls >> 3;
  const suffix = cls & 7;
  const ph = PLACEHOLDER_TEXT[kind] as string;
  if (kind === IP && i === start + 1 && s.last === start && t.charCodeAt(start) === 47) {
    // Java's InetSocketAddress prints "/10.0.0.1:80": the slash belongs to the address.
    emit(s, t, ph, start, start, j);
  } else if (suffix > 0) {
    emit(s, t, ph, i, i, j - suffix);
    // The unit stays literal, and a list cannot continue across it.
    s.prev = null;
  } else emit(s, t, ph, i, i, j);
}

// An identifier with values inside (`core.4505`, `node-246`, `job_14451_0020`):
// each digit run that is a whole part between inner separators becomes <num>;
// digits glued to letters (`ssh2`, `dn228`) stay literal for the miner to judge.
function maskInnerNumbers(s: MaskState, t: string, i: number, j: number): void {
  let k = i;
  while (k < j) {
    const partStart = k === i || isInner(t.charCodeAt(k - 1));
    // `req-<uuid>`: an id inside an identifier.
    if (
      partStart &&
      k + 36 <= j &&
      isUuid(t, k) &&
      (k + 36 === j || isInner(t.charCodeAt(k + 36)))
    ) {
      emit(s, t, PLACEHOLDER_TEXT[UUID] as string, k, k, k + 36);
      k += 36;
      continue;
    }
    if (partStart && isDigit(t.charCodeAt(k))) {
      let e = k;
      while (e < j && isDigit(t.charCodeAt(e))) e++;
      // `_0020_000001`: digit parts in a row are one value.
      while (s.lists && e + 1 < j && isInner(t.charCodeAt(e)) && isDigit(t.charCodeAt(e + 1))) {
        e++;
        while (e < j && isDigit(t.charCodeAt(e))) e++;
      }
      if (e === j || isInner(t.charCodeAt(e))) {
        emit(s, t, PLACEHOLDER_TEXT[NUM] as string, k, k, e);
        k = e;
        continue;
      }
    }
    k++;
  }
}

function isInner(c: number): boolean {
  return c < 128 && INNER[c] === 1;
}

function isScheme(t: string, from: number, to: number): boolean {
  if (to - from < 2 || to - from > 10) return false;
  for (let k = from; k < to; k++) if (!isAsciiLetter(t.charCodeAt(k))) return false;
  return true;
}

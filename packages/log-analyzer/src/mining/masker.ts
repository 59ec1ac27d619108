// Built-in masking of one whitespace-free token. A single left-to-right scan
// classifies each word (the text between delimiters) and captures the
// original text of every masked span as a parameter, so parameters are never
// re-derived by a regex after the template is known.

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

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHexLetter(c: number): boolean {
  return (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}
export function isAsciiLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}
function isSentinel(c: number): boolean {
  return c >= SENTINEL_BASE && c < SENTINEL_BASE + MAX_SENTINELS;
}
function isDelim(c: number): boolean {
  return c < 128 && DELIM[c] === 1;
}

const KIND_NAMES = ["num", "hex", "uuid", "ip"] as const;
const NUM = 0;
const HEX = 1;
const UUID = 2;
const IP = 3;
const PLACEHOLDER_TEXT = KIND_NAMES.map((k) => `<${k}>`);

/** Classifies one delimiter-free word; returns a placeholder name or null (literal). */
export function classifyWord(w: string): { name: string; suffix: number } | null {
  const c = classifyRange(w, 0, w.length);
  return c < 0 ? null : { name: KIND_NAMES[c >> 3] as string, suffix: c & 7 };
}

// Classifies t[from, to) without allocating: -1 (literal) or kind << 3 | suffix length.
function classifyRange(w: string, from: number, to: number): number {
  const n = to - from;
  if (n <= 0) return -1;
  const c0 = w.charCodeAt(from);
  if (n === 36 && isUuid(w, from)) return UUID << 3;
  if (n > 2 && c0 === 48 && (w.charCodeAt(from + 1) === 120 || w.charCodeAt(from + 1) === 88)) {
    let ok = true;
    for (let i = from + 2; i < to; i++) {
      const c = w.charCodeAt(i);
      if (!isDigit(c) && !isHexLetter(c)) ok = false;
    }
    if (ok) return HEX << 3;
  }
  // Numbers: [sign] digit groups joined by . - _ , optional short unit suffix.
  let i = from;
  if ((c0 === 45 || c0 === 43) && n > 1 && isDigit(w.charCodeAt(from + 1))) i = from + 1;
  if (i < to && isDigit(w.charCodeAt(i))) {
    let groups = 1;
    let groupLen = 0;
    let dotsOnly = true;
    let maxGroup = 0;
    for (; i < to; i++) {
      const c = w.charCodeAt(i);
      if (isDigit(c)) {
        groupLen++;
        continue;
      }
      if ((c === 46 || c === 45 || c === 95) && i + 1 < to && isDigit(w.charCodeAt(i + 1))) {
        if (c !== 46) dotsOnly = false;
        if (groupLen > maxGroup) maxGroup = groupLen;
        groups++;
        groupLen = 0;
        continue;
      }
      break;
    }
    if (groupLen > maxGroup) maxGroup = groupLen;
    const suffix = to - i;
    let suffixOk = suffix <= 3;
    for (let k = i; k < to && suffixOk; k++) {
      const c = w.charCodeAt(k);
      if (!isAsciiLetter(c) && c !== 37) suffixOk = false;
    }
    if (suffix === 0 && groups === 4 && dotsOnly && maxGroup <= 3 && c0 !== 45 && c0 !== 43) {
      return IP << 3;
    }
    if (suffixOk) {
      // A hex run that merely starts with digits (e.g. 3fa9c0) is an id, not a number.
      if (suffix > 0 && n >= 6 && isHexRange(w, from, to)) return HEX << 3;
      return (NUM << 3) | suffix;
    }
  }
  if (n >= 6 && isHexRange(w, from, to)) return HEX << 3;
  return -1;
}

function isHexRange(w: string, from: number, to: number): boolean {
  let digits = 0;
  let letters = 0;
  for (let i = from; i < to; i++) {
    const c = w.charCodeAt(i);
    if (isDigit(c)) digits++;
    else if (isHexLetter(c)) letters++;
    else return false;
  }
  return digits > 0 && letters > 0;
}

function isUuid(w: string, from: number): boolean {
  for (let i = 0; i < 36; i++) {
    const c = w.charCodeAt(from + i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!isDigit(c) && !isHexLetter(c)) return false;
  }
  return true;
}

function pathEnd(t: string, from: number): number {
  let j = from;
  while (j < t.length) {
    const c = t.charCodeAt(j);
    if ((c < 128 && PATH_END[c] === 1) || isSentinel(c)) break;
    j++;
  }
  return j;
}

// One maskToken call: the masked text so far, and where the last placeholder
// ended so that a list of equal placeholders can become one.
interface MaskState {
  /** Join lists of equal values into one (off for compression: it wants numeric columns). */
  lists: boolean;
  out: string;
  /** Start of the literal text of `t` not yet copied to `out`. */
  last: number;
  /** Placeholder text last emitted, while nothing has been copied after it. */
  prev: string | null;
}

// One state reused by every call (maskToken does not re-enter itself).
const STATE: MaskState = { lists: false, out: "", last: 0, prev: null };

function isListGap(t: string, from: number, to: number): boolean {
  const n = to - from;
  if (n < 1 || n > 2) return false;
  const c = t.charCodeAt(from);
  return c < 128 && LIST_SEP[c] === 1 && (n === 1 || t.charCodeAt(from + 1) === c);
}

// Replaces t[from, to) with `ph`; the parameter is t[pFrom, to). A value that
// follows one of the same kind across a list separator (`,` `;` `|` `#` `:` `/`)
// joins it: `10.0.0.1,10.0.0.2` is one <ip> whose parameter is the list.
function emit(
  s: MaskState,
  t: string,
  params: string[],
  ph: string,
  from: number,
  pFrom: number,
  to: number,
): void {
  if (s.lists && s.prev === ph && isListGap(t, s.last, from)) {
    params[params.length - 1] += t.slice(s.last, to);
  } else {
    s.out += t.slice(s.last, from) + ph;
    params.push(t.slice(pFrom, to));
    s.prev = ph;
  }
  s.last = to;
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
  const s = STATE;
  s.lists = lists;
  s.out = "";
  s.last = 0;
  s.prev = null;
  let i = 0;
  const n = t.length;
  while (i < n) {
    const c = t.charCodeAt(i);
    if (isSentinel(c) && table !== null) {
      const slot = c - SENTINEL_BASE;
      s.out += `${t.slice(s.last, i)}<${table.names[slot]}>`;
      params.push(table.values[slot] ?? "");
      i++;
      s.last = i;
      s.prev = null;
      continue;
    }
    if (c === 47 && (i === 0 || isDelim(t.charCodeAt(i - 1)))) {
      // An absolute path: starts at a word boundary and has a second slash.
      const end = pathEnd(t, i + 1);
      const slash = t.indexOf("/", i + 1);
      if (slash !== -1 && slash < end - 1 && slash > i + 1) {
        emit(s, t, params, "<path>", i, i, end);
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
      emit(s, t, params, "<url>", i, i, e);
      i = e;
      continue;
    }
    // Every other placeholder kind needs a digit; words without one stay literal.
    if (digit) maskWord(s, t, params, i, j);
    else if (isBoolWord(t, i, j)) emit(s, t, params, "<bool>", i, i, j);
    i = j;
  }
  if (s.last === 0) return t;
  return s.last < n ? s.out + t.slice(s.last) : s.out;
}

// Masks the delimiter-free word t[i, j), which has a digit.
function maskWord(s: MaskState, t: string, params: string[], i: number, j: number): void {
  const cls = classifyRange(t, i, j);
  if (cls < 0) {
    maskInnerNumbers(s, t, params, i, j);
    return;
  }
  const kind = cls >> 3;
  const suffix = cls & 7;
  const ph = PLACEHOLDER_TEXT[kind] as string;
  if (kind === IP && i === 1 && s.last === 0 && t.charCodeAt(0) === 47) {
    // Java's InetSocketAddress prints "/10.0.0.1:80": the slash belongs to the address.
    emit(s, t, params, ph, 0, 0, j);
  } else if (suffix > 0) {
    emit(s, t, params, ph, i, i, j - suffix);
    // The unit stays literal, and a list cannot continue across it.
    s.prev = null;
  } else emit(s, t, params, ph, i, i, j);
}

// An identifier with values inside (`core.4505`, `node-246`, `job_14451_0020`):
// each digit run that is a whole part between inner separators becomes <num>;
// digits glued to letters (`ssh2`, `dn228`) stay literal for the miner to judge.
function maskInnerNumbers(s: MaskState, t: string, params: string[], i: number, j: number): void {
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
      emit(s, t, params, PLACEHOLDER_TEXT[UUID] as string, k, k, k + 36);
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
        emit(s, t, params, PLACEHOLDER_TEXT[NUM] as string, k, k, e);
        k = e;
        continue;
      }
    }
    k++;
  }
}

/** True for `true` and `false` in any case: a flag's value, never its name. */
export function isBoolWord(t: string, from: number, to: number): boolean {
  const n = to - from;
  if (n !== 4 && n !== 5) return false;
  const w = t.slice(from, to).toLowerCase();
  return w === "true" || w === "false";
}

function isInner(c: number): boolean {
  return c < 128 && INNER[c] === 1;
}

function isScheme(t: string, from: number, to: number): boolean {
  if (to - from < 2 || to - from > 10) return false;
  for (let k = from; k < to; k++) if (!isAsciiLetter(t.charCodeAt(k))) return false;
  return true;
}

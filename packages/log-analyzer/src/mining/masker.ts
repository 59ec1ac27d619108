// Built-in masking of one whitespace-free token. A single left-to-right scan
// classifies each word (the text between delimiters) and captures the
// original text of every masked span as a parameter, so parameters are never
// re-derived by a regex after the template is known.

/** Named placeholders the built-in masker produces. */
export const BUILTIN_PLACEHOLDERS = ["num", "hex", "uuid", "ip", "path", "url"] as const;

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
for (const ch of "=,()[]{}\"';<>|:/@\\&?!") DELIM[ch.charCodeAt(0)] = 1;
// Characters that end a path or URL even though they are not whitespace.
const PATH_END = new Uint8Array(128);
for (const ch of ",;\"')]}>|:") PATH_END[ch.charCodeAt(0)] = 1;
const URL_END = new Uint8Array(128);
for (const ch of ",;\"')]}>|") URL_END[ch.charCodeAt(0)] = 1;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHexLetter(c: number): boolean {
  return (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}
function isAsciiLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}
function isSentinel(c: number): boolean {
  return c >= SENTINEL_BASE && c < SENTINEL_BASE + MAX_SENTINELS;
}
function isDelim(c: number): boolean {
  return c < 128 && DELIM[c] === 1;
}

/** True when the token needs the full scan (has a digit, a slash or a sentinel). */
export function needsMasking(token: string): boolean {
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (isDigit(c) || c === 47 || isSentinel(c)) return true;
  }
  return false;
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

/**
 * Masks one token. Returns the masked text (placeholders like `<num>`) and
 * appends the original text of each placeholder, in order, to `params`.
 * Sentinel characters (config-mask matches) become `<name>` from `table`.
 * Returns `t` itself when nothing was masked.
 */
export function maskToken(t: string, params: string[], table: SentinelTable | null): string {
  let out = "";
  let last = 0; // start of the literal text not yet copied to `out`
  let i = 0;
  const n = t.length;
  while (i < n) {
    const c = t.charCodeAt(i);
    if (isSentinel(c) && table !== null) {
      const slot = c - SENTINEL_BASE;
      out += `${t.slice(last, i)}<${table.names[slot]}>`;
      params.push(table.values[slot] ?? "");
      i++;
      last = i;
      continue;
    }
    if (c === 47 && (i === 0 || isDelim(t.charCodeAt(i - 1)))) {
      // An absolute path: starts at a word boundary and has a second slash.
      const end = pathEnd(t, i + 1);
      const slash = t.indexOf("/", i + 1);
      if (slash !== -1 && slash < end - 1 && slash > i + 1) {
        out += `${t.slice(last, i)}<path>`;
        params.push(t.slice(i, end));
        i = end;
        last = i;
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
      out += `${t.slice(last, i)}<url>`;
      params.push(t.slice(i, e));
      i = e;
      last = i;
      continue;
    }
    // Every placeholder kind needs a digit; words without one stay literal.
    const cls = digit ? classifyRange(t, i, j) : -1;
    if (cls >= 0) {
      const kind = cls >> 3;
      const suffix = cls & 7;
      if (kind === IP && i === 1 && last === 0 && t.charCodeAt(0) === 47) {
        // Java's InetSocketAddress prints "/10.0.0.1:80": the slash belongs to the address.
        out = PLACEHOLDER_TEXT[IP] as string;
        params.push(t.slice(0, j));
      } else {
        out += t.slice(last, i) + (PLACEHOLDER_TEXT[kind] as string);
        params.push(t.slice(i, j - suffix));
        if (suffix > 0) out += t.slice(j - suffix, j);
      }
      last = j;
    }
    i = j;
  }
  if (last === 0) return t;
  return last < n ? out + t.slice(last) : out;
}

function isScheme(t: string, from: number, to: number): boolean {
  if (to - from < 2 || to - from > 10) return false;
  for (let k = from; k < to; k++) if (!isAsciiLetter(t.charCodeAt(k))) return false;
  return true;
}

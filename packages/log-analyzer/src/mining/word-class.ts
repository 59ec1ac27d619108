// What one delimiter-free word is: a number (with an optional unit), hex,
// a UUID, an IPv4 address, a true/false flag, or a literal. Pure functions
// over a range of a string, so callers classify without slicing.

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
export function isHexLetter(c: number): boolean {
  return (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}
export function isAsciiLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}
const KIND_NAMES = ["num", "hex", "uuid", "ip"] as const;
export const NUM = 0;
export const HEX = 1;
export const UUID = 2;
export const IP = 3;
/** `<num>`, `<hex>`, `<uuid>`, `<ip>`, indexed by kind. */
export const PLACEHOLDER_TEXT = KIND_NAMES.map((k) => `<${k}>`);

/** Classifies one delimiter-free word; returns a placeholder name or null (literal). */
export function classifyWord(w: string): { name: string; suffix: number } | null {
  const c = classifyRange(w, 0, w.length);
  return c < 0 ? null : { name: KIND_NAMES[c >> 3] as string, suffix: c & 7 };
}

/** Classifies t[from, to) without allocating: -1 (literal) or kind << 3 | suffix length. */
export function classifyRange(w: string, from: number, to: number): number {
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

export function isUuid(w: string, from: number): boolean {
  for (let i = 0; i < 36; i++) {
    const c = w.charCodeAt(from + i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!isDigit(c) && !isHexLetter(c)) return false;
  }
  return true;
}

/** True for `true` and `false` in any case: a flag's value, never its name. */
export function isBoolWord(t: string, from: number, to: number): boolean {
  const n = to - from;
  if (n === 4) return foldedEquals(t, from, "true");
  return n === 5 && foldedEquals(t, from, "false");
}

/**
 * True when t at `from` reads `lower` ignoring ASCII case. That is what
 * `toLowerCase()` and a regex's `i` flag compare for ASCII letters: no other
 * character folds to an ASCII letter but the Kelvin sign (to k).
 */
export function foldedEquals(t: string, from: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) {
    if ((t.charCodeAt(from + k) | 32) !== lower.charCodeAt(k)) return false;
  }
  return true;
}

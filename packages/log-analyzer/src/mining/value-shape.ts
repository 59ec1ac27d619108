// Whether a token holds a value, and whether two values have the same shape:
// the tree routes value tokens as <*> and, with matchValues, counts two
// values of one shape as equal when matching.
import { isAsciiLetter, isDigit } from "./word-class.js";

function hasDigit(t: string): boolean {
  for (let i = 0; i < t.length; i++) if (isDigit(t.charCodeAt(i))) return true;
  return false;
}

/**
 * True when a token holds a value: digits (Drain's rule) or a placeholder
 * (`<ip>`, `host:<num>`). Two such tokens count as equal when matching, so a
 * message is not split by which value (or which kind of value) it carries.
 */
export function looksVariable(t: string): boolean {
  const lt = t.indexOf("<");
  if (lt !== -1 && t.indexOf(">", lt + 2) !== -1) return true;
  return hasDigit(t);
}

/**
 * True when `a` and `b` both hold values and read the same once every value
 * (digit run or placeholder) and every letter run is one symbol:
 * `<num>`/`<hex>`, `core.<num>`/`core.7`, `dn228`/`bn364` are alike, but
 * `ready=<num>,mode=<num>` and `index:<num>` are different messages.
 */
export function sameValueShape(a: string, b: string): boolean {
  if (!looksVariable(a) || !looksVariable(b)) return false;
  let i = 0;
  let j = 0;
  for (;;) {
    const sa = shapeSymbol(a, i);
    if (sa !== shapeSymbol(b, j)) return false;
    if (sa === END_SYM) return true;
    i = shapeEnd(a, i);
    j = shapeEnd(b, j);
  }
}

const END_SYM = -1;
const VALUE_SYM = -2;
const WORD_SYM = -3;

// The shape symbol at `i`: a value, a letter run, the end, or the character itself.
function shapeSymbol(t: string, i: number): number {
  if (i >= t.length) return END_SYM;
  const c = t.charCodeAt(i);
  if (isDigit(c) || (c === 60 && isPlaceholderAt(t, i))) return VALUE_SYM;
  return isAsciiLetter(c) ? WORD_SYM : c;
}

// Where the symbol that starts at `i` ends.
function shapeEnd(t: string, i: number): number {
  const c = t.charCodeAt(i);
  let k = i + 1;
  if (isDigit(c)) while (k < t.length && isDigit(t.charCodeAt(k))) k++;
  else if (c === 60 && isPlaceholderAt(t, i)) k = t.indexOf(">", i) + 1;
  else if (isAsciiLetter(c)) while (k < t.length && isAsciiLetter(t.charCodeAt(k))) k++;
  return k;
}

function isPlaceholderAt(t: string, i: number): boolean {
  let k = i + 1;
  while (k < t.length) {
    const c = t.charCodeAt(k);
    if (c === 62) return k > i + 1 || t.charCodeAt(i + 1) === 42;
    if (!((c >= 97 && c <= 122) || isDigit(c) || c === 95 || c === 42)) return false;
    k++;
  }
  return false;
}

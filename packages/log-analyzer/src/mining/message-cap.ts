// A huge message (an 8 MB line, a dumped blob) is mined on its head only: a
// template of a million positions groups nothing and cost about 300 bytes of
// memory per byte of line. The rest becomes one `<rest>` value holding the
// exact remaining text, so nothing is lost and memory stays linear in the line.
import type { TokenizedLine } from "./tokenize.js";

/** Tokens mined before the rest of a message becomes one value. */
export const MAX_MINED_TOKENS = 1024;
/** Characters mined before the rest of a message becomes one value. */
export const MAX_MINED_CHARS = 64 << 10;
/** The placeholder of a capped message's rest. */
export const REST_PLACEHOLDER = "<rest>";

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * Where the rest of `text` starts when it is too long to mine whole (more
 * than MAX_MINED_TOKENS whitespace-separated tokens or more than
 * MAX_MINED_CHARS characters), else -1. The cut is at a token start, so the
 * head ends with its separator; with no token start in range, at
 * MAX_MINED_CHARS (or 0 when the first token itself is too long).
 */
export function messageCut(text: string): number {
  const n = text.length;
  // MAX_MINED_TOKENS + 1 tokens need at least twice that many characters, less one.
  if (n <= MAX_MINED_CHARS && n < 2 * MAX_MINED_TOKENS + 1) return -1;
  let tokens = 0;
  let lastStart = -1;
  const end = Math.min(n, MAX_MINED_CHARS + 1);
  for (let i = 0; i < end; i++) {
    if (isSpace(text.charCodeAt(i)) || (i > 0 && !isSpace(text.charCodeAt(i - 1)))) continue;
    if (++tokens > MAX_MINED_TOKENS) return i;
    lastStart = i;
  }
  if (n <= MAX_MINED_CHARS) return -1;
  // Too long by characters: the head keeps the tokens that start in range.
  if (lastStart === -1) return MAX_MINED_CHARS;
  return lastStart;
}

/** `head` (the tokenized text before the cut) with the rest appended as one `<rest>` value. */
export function withRest(head: TokenizedLine, rest: string): TokenizedLine {
  const h = head.tokens.length;
  let seps: string[] | null;
  if (head.seps !== null) seps = [...head.seps, ""];
  else if (h === 0) seps = null;
  else {
    // Canonical head: single spaces between tokens, none around (a cut at 0 or mid-space).
    seps = [""];
    for (let k = 1; k < h; k++) seps.push(" ");
    seps.push("", "");
  }
  return {
    tokens: [...head.tokens, REST_PLACEHOLDER],
    raws: [...head.raws, rest],
    params: [...head.params, [rest]],
    seps,
  };
}

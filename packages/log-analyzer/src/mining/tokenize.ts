// Splits a message into whitespace-separated tokens, masking each one and
// remembering the exact separators, so the original text can be rebuilt
// byte for byte from (template, parameters, separators).
import { applyMaskRules, expandSentinels, type MaskRules } from "./mask-rules.js";
import { MAX_SENTINELS, maskToken, SENTINEL_BASE, type SentinelTable } from "./masker.js";
import { isBoolWord } from "./word-class.js";

const SENTINEL_END = SENTINEL_BASE + MAX_SENTINELS;
const NUM_PLACEHOLDER = "<num>";
const BOOL_PLACEHOLDER = "<bool>";
// A key:value or key=value token that may hold a flag (overlap:false).
const BOOL_INSIDE = /true|false/i;

/** One tokenized message. */
export interface TokenizedLine {
  /** Masked tokens (`<num>` etc. in place of variable spans). */
  readonly tokens: string[];
  /** Original text of each token. */
  readonly raws: string[];
  /** Original text of each placeholder inside each token; null when it has none. */
  readonly params: (string[] | null)[];
  /**
   * Whitespace: null when canonical (no leading/trailing whitespace, single
   * spaces between tokens); else tokens.length + 1 strings: leading,
   * between each pair, trailing (for an empty message: one string).
   */
  readonly seps: string[] | null;
}

/**
 * Tokenizes `text`; `rules` are the config masks (may be empty). With
 * `collapse`, runs of one lone placeholder become one token (see collapseRuns)
 * and lists inside a token become one placeholder (see maskToken).
 */
export function tokenize(
  text: string,
  rules: MaskRules | null,
  table: SentinelTable,
  collapse = false,
): TokenizedLine {
  const t = tokenizeExact(text, rules, table, collapse);
  return collapse ? collapseRuns(t) : t;
}

function isLonePlaceholder(t: string): boolean {
  const n = t.length;
  if (n < 3 || t.charCodeAt(0) !== 60 || t.charCodeAt(n - 1) !== 62) return false;
  for (let i = 1; i < n - 1; i++) {
    const c = t.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95)) return false;
  }
  return true;
}

/**
 * Merges runs of the same lone placeholder (`<blk> <blk> <blk>`) into one
 * token whose parameter is the whole run, separators included, so a
 * variable-length list does not change the token count.
 */
export function collapseRuns(t: TokenizedLine): TokenizedLine {
  const n = t.tokens.length;
  let found = false;
  for (let i = 1; i < n && !found; i++) {
    if (t.tokens[i] === t.tokens[i - 1] && isLonePlaceholder(t.tokens[i] as string)) found = true;
  }
  if (!found) return t;
  const tokens: string[] = [];
  const raws: string[] = [];
  const params: (string[] | null)[] = [];
  const seps: string[] | null = t.seps === null ? null : [t.seps[0] as string];
  for (let i = 0; i < n; i++) {
    const tok = t.tokens[i] as string;
    const raw = t.raws[i] as string;
    const k = tokens.length - 1;
    if (k >= 0 && tokens[k] === tok && isLonePlaceholder(tok)) {
      const sep = t.seps === null ? " " : (t.seps[i] as string);
      raws[k] = `${raws[k]}${sep}${raw}`;
      params[k] = [raws[k] as string];
      if (seps !== null) seps[seps.length - 1] = t.seps?.[i + 1] as string;
      continue;
    }
    tokens.push(tok);
    raws.push(raw);
    params.push(t.params[i] ?? null);
    if (seps !== null) seps.push(t.seps?.[i + 1] as string);
  }
  return { tokens, raws, params, seps };
}

// One left-to-right pass: finds each token, notes on the way whether it needs
// the masking scan (a digit, a slash, a sentinel, or a `:`/`=` pair that may
// hold true/false), and records separators only once they stop being canonical.
function tokenizeExact(
  text: string,
  rules: MaskRules | null,
  table: SentinelTable,
  lists: boolean,
): TokenizedLine {
  const s = rules === null ? text : applyMaskRules(text, rules, table);
  const hasSentinels = s !== text;
  const sentinels = hasSentinels ? table : null;
  const tokens: string[] = [];
  const raws: string[] = [];
  const params: (string[] | null)[] = [];
  let seps: string[] | null = null;
  const n = s.length;
  let i = 0;
  let sepStart = 0;
  for (;;) {
    let c = i < n ? s.charCodeAt(i) : 0;
    while (c === 32 || c === 9) {
      i++;
      c = i < n ? s.charCodeAt(i) : 0;
    }
    if (i >= n) break;
    if (seps === null) {
      const sepLen = i - sepStart;
      const canonical =
        tokens.length === 0 ? sepLen === 0 : sepLen === 1 && s.charCodeAt(sepStart) === 32;
      if (!canonical) seps = materialiseSeps(tokens.length);
    }
    if (seps !== null) seps.push(s.slice(sepStart, i));
    const start = i;
    let mask = false;
    let pair = false;
    let digits = 0;
    for (;;) {
      if (c >= 48 && c <= 57) digits++;
      else if (c === 47 || (c >= SENTINEL_BASE && c < SENTINEL_END)) mask = true;
      else if (c === 58 || c === 61) pair = true;
      i++;
      if (i >= n) break;
      c = s.charCodeAt(i);
      if (c === 32 || c === 9) break;
    }
    const tok = s.slice(start, i);
    if (digits === i - start) {
      // All digits: what maskToken returns for it, without the second scan.
      tokens.push(NUM_PLACEHOLDER);
      raws.push(tok);
      params.push([tok]);
    } else if (mask || digits > 0 || (pair && BOOL_INSIDE.test(tok))) {
      const p: string[] = [];
      tokens.push(maskToken(tok, p, sentinels, lists));
      raws.push(hasSentinels ? expandSentinels(tok, table) : tok);
      params.push(p.length === 0 ? null : p);
    } else if (isBoolWord(tok, 0, tok.length)) {
      tokens.push(BOOL_PLACEHOLDER);
      raws.push(tok);
      params.push([tok]);
    } else {
      tokens.push(tok);
      raws.push(tok);
      params.push(null);
    }
    sepStart = i;
  }
  if (tokens.length === 0) return { tokens, raws, params, seps: n > 0 ? [s] : null };
  const trailing = n - sepStart;
  if (trailing > 0) {
    if (seps === null) seps = materialiseSeps(tokens.length);
    seps.push(s.slice(sepStart));
  } else if (seps !== null) {
    seps.push("");
  }
  return { tokens, raws, params, seps };
}

// Canonical separators for the tokens seen so far: "" leading, then " ".
function materialiseSeps(count: number): string[] {
  if (count === 0) return [];
  const seps = [""];
  for (let k = 1; k < count; k++) seps.push(" ");
  return seps;
}

/** Rebuilds the original text from raw tokens and separators. */
export function joinTokens(raws: readonly string[], seps: readonly string[] | null): string {
  if (seps === null) return raws.join(" ");
  let out = seps[0] ?? "";
  for (let k = 0; k < raws.length; k++) out += raws[k] + (seps[k + 1] ?? "");
  return out;
}

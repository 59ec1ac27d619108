// Splits a message into whitespace-separated tokens, masking each one and
// remembering the exact separators, so the original text can be rebuilt
// byte for byte from (template, parameters, separators).
import { applyMaskRules, expandSentinels, type MaskRules } from "./mask-rules.js";
import { maskToken, type SentinelTable } from "./masker.js";
import {
  LITERAL,
  MASKED,
  NUMBER,
  newTokenScan,
  scanTokens,
  type TokenScan,
  tokenKind,
} from "./token-scan.js";

/** What an all-digit token masks to. */
export const NUM_PLACEHOLDER = "<num>";
/** What a `true`/`false` token masks to. */
export const BOOL_PLACEHOLDER = "<bool>";

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

/** True when t[from, to) is one placeholder and nothing else (`<num>`, `<blk>`). */
export function isLonePlaceholder(t: string, from = 0, to = t.length): boolean {
  if (to - from < 3 || t.charCodeAt(from) !== 60 || t.charCodeAt(to - 1) !== 62) return false;
  for (let i = from + 1; i < to - 1; i++) {
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

// Builds the token strings from one scan (token-scan.ts); separators are
// recorded only when they are not canonical.
function tokenizeExact(
  text: string,
  rules: MaskRules | null,
  table: SentinelTable,
  lists: boolean,
): TokenizedLine {
  const s = rules === null ? text : applyMaskRules(text, rules, table);
  const hasSentinels = s !== text;
  const sentinels = hasSentinels ? table : null;
  const scan = SCAN;
  scanTokens(s, scan);
  const count = scan.count;
  const n = s.length;
  if (count === 0) return { tokens: [], raws: [], params: [], seps: n > 0 ? [s] : null };
  const tokens: string[] = [];
  const raws: string[] = [];
  const params: (string[] | null)[] = [];
  for (let k = 0; k < count; k++) {
    const start = scan.starts[k] as number;
    const end = scan.ends[k] as number;
    const tok = s.slice(start, end);
    const kind = tokenKind(s, start, end, scan.flags[k] as number);
    if (kind === LITERAL) {
      tokens.push(tok);
      raws.push(tok);
      params.push(null);
    } else if (kind === MASKED) {
      const p: string[] = [];
      tokens.push(maskToken(tok, p, sentinels, lists));
      raws.push(hasSentinels ? expandSentinels(tok, table) : tok);
      params.push(p.length === 0 ? null : p);
    } else {
      tokens.push(kind === NUMBER ? NUM_PLACEHOLDER : BOOL_PLACEHOLDER);
      raws.push(tok);
      params.push([tok]);
    }
  }
  return { tokens, raws, params, seps: separators(s, scan) };
}

// One scan reused by every call (tokenizing does not re-enter itself).
const SCAN = newTokenScan();

// null when canonical (no leading or trailing whitespace, one space between
// tokens), else every separator: leading, between each pair, trailing.
function separators(s: string, scan: TokenScan): string[] | null {
  const count = scan.count;
  let canonical = scan.starts[0] === 0 && scan.ends[count - 1] === s.length;
  for (let k = 1; k < count && canonical; k++) {
    const gap = scan.ends[k - 1] as number;
    canonical = scan.starts[k] === gap + 1 && s.charCodeAt(gap) === 32;
  }
  if (canonical) return null;
  const seps: string[] = [s.slice(0, scan.starts[0])];
  for (let k = 1; k < count; k++) seps.push(s.slice(scan.ends[k - 1], scan.starts[k]));
  seps.push(s.slice(scan.ends[count - 1]));
  return seps;
}

/** Rebuilds the original text from raw tokens and separators. */
export function joinTokens(raws: readonly string[], seps: readonly string[] | null): string {
  if (seps === null) return raws.join(" ");
  let out = seps[0] ?? "";
  for (let k = 0; k < raws.length; k++) out += raws[k] + (seps[k + 1] ?? "");
  return out;
}

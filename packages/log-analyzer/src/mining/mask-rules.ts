// Config-declared masks (Drain's per-dataset regexes). They run over the whole
// message before tokenizing; each match becomes one private-use sentinel
// character so a match may span whitespace and still be one token.
import { LogAnalyzerError, LogErrorCode } from "../errors.js";
import { MAX_SENTINELS, SENTINEL_BASE, type SentinelTable } from "./masker.js";

/** A masking rule as written in a config file. */
export interface MaskRuleSpec {
  /** Placeholder name, shown as `<name>`; lowercase letters, digits, `_`. */
  readonly name: string;
  /** JavaScript regular expression source (no flags; `g` is added). */
  readonly regex: string;
}

/** Compiled rules, applied in order. */
export interface MaskRules {
  readonly rules: readonly { readonly name: string; readonly re: RegExp }[];
}

const NAME = /^[a-z][a-z0-9_]*$/;
const SENTINEL_RE = /[\ue000-\ue0ff]/;
const SENTINEL_RE_G = /[\ue000-\ue0ff]/g;

/** Compiles rule specs; throws InvalidConfig on a bad name or regex. */
export function compileMaskRules(specs: readonly MaskRuleSpec[]): MaskRules {
  const rules = specs.map((s) => {
    if (!NAME.test(s.name)) {
      throw new LogAnalyzerError(
        LogErrorCode.InvalidConfig,
        `bad mask name ${JSON.stringify(s.name)}`,
      );
    }
    try {
      return { name: s.name, re: new RegExp(s.regex, "g") };
    } catch (err) {
      throw new LogAnalyzerError(
        LogErrorCode.InvalidConfig,
        `bad mask regex for ${s.name}: ${s.regex}`,
        { regex: s.regex },
        err,
      );
    }
  });
  return { rules };
}

/**
 * Replaces every rule match in `text` with a sentinel and records the match.
 * Returns the substituted text, or `text` itself when nothing matched or the
 * text already holds sentinel characters (then config masks are skipped).
 */
export function applyMaskRules(text: string, rules: MaskRules, table: SentinelTable): string {
  table.values.length = 0;
  table.names.length = 0;
  if (rules.rules.length === 0 || SENTINEL_RE.test(text)) return text;
  let s = text;
  for (const { name, re } of rules.rules) {
    re.lastIndex = 0;
    s = s.replace(re, (m: string) => {
      if (m.length === 0 || table.values.length >= MAX_SENTINELS) return m;
      // A later rule may swallow earlier sentinels: store the original text.
      const value = SENTINEL_RE.test(m)
        ? m.replace(SENTINEL_RE_G, (x) => table.values[x.charCodeAt(0) - SENTINEL_BASE] ?? "")
        : m;
      const slot = table.values.length;
      table.values.push(value);
      table.names.push(name);
      return String.fromCharCode(SENTINEL_BASE + slot);
    });
  }
  return s;
}

/** Expands sentinels back to their original text. */
export function expandSentinels(s: string, table: SentinelTable): string {
  return s.replace(SENTINEL_RE_G, (x) => table.values[x.charCodeAt(0) - SENTINEL_BASE] ?? x);
}

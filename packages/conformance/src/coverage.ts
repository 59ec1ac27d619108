// Coverage: every rule id of PROTOCOL.md has at least one case, or is in
// coverage-exclusions.json with the reason it cannot be exercised over
// the wire yet. Excluded rules count as uncovered in the figure.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Case } from "./cases.js";
import { type Rule, readRules } from "./rules.js";

export const EXCLUSIONS_FILE = join(import.meta.dirname, "..", "coverage-exclusions.json");

export type Exclusion = { readonly rule: string; readonly reason: string };

/**
 * Rule ids pinned, by how: over the wire (server cases, client scenarios),
 * by vector files (rules a peer applies locally), or by a check this
 * repository runs (rules on the schema's authors, not on a peer).
 */
export type Pinned = {
  readonly wire: Iterable<string>;
  readonly vectors?: Iterable<string>;
  readonly repository?: Iterable<string>;
};

export type Coverage = {
  readonly rules: number;
  readonly covered: readonly string[];
  /** Covered ids by how they are pinned; an id pinned several ways counts once, wire first. */
  readonly by: { readonly wire: number; readonly vectors: number; readonly repository: number };
  readonly excluded: readonly Exclusion[];
  /** Neither covered nor excluded: a failure. */
  readonly missing: readonly string[];
  /** Problems with the exclusion list itself (unknown rule, covered anyway, no reason). */
  readonly badExclusions: readonly string[];
  /** Cases naming a rule id the document does not define. */
  readonly unknownRules: readonly string[];
  readonly ok: boolean;
};

export function readExclusions(file = EXCLUSIONS_FILE): Exclusion[] {
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { exclusions?: Exclusion[] };
  return parsed.exclusions ?? [];
}

export function coverage(
  pinned: Pinned,
  rules: readonly Rule[] = readRules(),
  exclusions: readonly Exclusion[] = readExclusions(),
): Coverage {
  const ids = new Set(rules.map((r) => r.id));
  const wire = new Set(pinned.wire);
  const vectors = new Set(pinned.vectors ?? []);
  const has = new Set([...wire, ...vectors, ...(pinned.repository ?? [])]);
  const covered = [...ids].filter((id) => has.has(id));
  const nWire = covered.filter((id) => wire.has(id)).length;
  const nVectors = covered.filter((id) => !wire.has(id) && vectors.has(id)).length;
  const by = { wire: nWire, vectors: nVectors, repository: covered.length - nWire - nVectors };
  const excl = new Map(exclusions.map((e) => [e.rule, e]));
  const missing = [...ids].filter((id) => !has.has(id) && !excl.has(id));
  const badExclusions = exclusions.flatMap((e) => {
    if (!ids.has(e.rule)) return [`${e.rule}: excluded but not defined in PROTOCOL.md`];
    if (has.has(e.rule)) return [`${e.rule}: excluded but has a case: drop the exclusion`];
    if (e.reason.trim().length < 20) return [`${e.rule}: the exclusion needs a real reason`];
    return [];
  });
  const unknownRules = [...has].filter((id) => !ids.has(id));
  return {
    rules: ids.size,
    covered,
    by,
    excluded: exclusions.filter((e) => ids.has(e.rule) && !has.has(e.rule)),
    missing,
    badExclusions,
    unknownRules,
    ok: missing.length === 0 && badExclusions.length === 0 && unknownRules.length === 0,
  };
}

export function coverageText(c: Coverage): string {
  const pct = c.rules === 0 ? 0 : (100 * c.covered.length) / c.rules;
  const lines = [
    `rule coverage: ${c.covered.length}/${c.rules} rule ids have a case (${pct.toFixed(1)}%); ` +
      `${c.excluded.length} excluded (counted uncovered), ${c.missing.length} missing`,
    `  pinned over the wire: ${c.by.wire}; by vector files: ${c.by.vectors}; by repository checks: ${c.by.repository}`,
  ];
  for (const e of c.excluded) lines.push(`  excluded ${e.rule}: ${e.reason}`);
  for (const m of c.missing) lines.push(`  MISSING ${m}: no case and no exclusion`);
  for (const b of c.badExclusions) lines.push(`  BAD EXCLUSION ${b}`);
  for (const u of c.unknownRules) lines.push(`  UNKNOWN RULE ${u}: named by a case, not defined`);
  return lines.join("\n");
}

export function pinnedBy(cases: readonly Pick<Case, "rules">[]): string[] {
  return cases.flatMap((c) => c.rules);
}

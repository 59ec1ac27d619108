// The pass/fail table by rule id, the failures with their detail, and one
// summary line (last, so scripts can grep it).
import type { CaseResult, RunReport } from "./runner.js";

export type RuleRow = {
  readonly rule: string;
  readonly cases: readonly string[];
  readonly verdict: "pass" | "fail" | "known-failing" | "skipped";
};

const ruleOrder = (a: string, b: string) => {
  const [pa = "", na = "0"] = a.split("-");
  const [pb = "", nb = "0"] = b.split("-");
  return pa === pb ? Number(na) - Number(nb) : pa < pb ? -1 : 1;
};

/** One row per rule pinned by the cases run: fail if any of its cases failed. */
export function ruleRows(results: readonly CaseResult[]): RuleRow[] {
  const by = new Map<string, CaseResult[]>();
  for (const r of results.filter((x) => x.verdict !== "not-applicable"))
    for (const rule of r.rules) by.set(rule, [...(by.get(rule) ?? []), r]);
  return [...by.keys()].sort(ruleOrder).map((rule) => {
    const rs = by.get(rule) ?? [];
    const bad = rs.some((r) => r.verdict === "fail" || r.verdict === "unexpected-pass");
    const known = rs.some((r) => r.verdict === "known-failing");
    const skipped = rs.every((r) => r.verdict === "skipped");
    return {
      rule,
      cases: rs.map((r) => r.id),
      verdict: bad ? "fail" : known ? "known-failing" : skipped ? "skipped" : "pass",
    };
  });
}

export function summaryLine(report: RunReport): string {
  const n = (v: CaseResult["verdict"]) => report.results.filter((r) => r.verdict === v).length;
  const rules = ruleRows(report.results);
  const failedRules = rules.filter((r) => r.verdict === "fail").length;
  return (
    `conformance ${report.ok ? "PASSED" : "FAILED"}: ${report.results.length} cases, ` +
    `${n("pass")} passed, ${n("fail")} failed, ${n("known-failing")} known failing, ` +
    `${n("unexpected-pass")} unexpectedly passing, ${n("not-applicable")} not applicable, ` +
    `${n("skipped")} skipped; ${rules.length} rules, ${failedRules} failing ` +
    `(${report.protocol}${report.callers === undefined ? "" : `, ${report.callers} callers`}, ` +
    `${report.target}, peer ${report.peer})`
  );
}

export function textReport(report: RunReport): string {
  const rows = ruleRows(report.results);
  const w = Math.max(4, ...rows.map((r) => r.rule.length));
  const lines = [`${"rule".padEnd(w)}  result         cases`];
  for (const r of rows)
    lines.push(`${r.rule.padEnd(w)}  ${r.verdict.padEnd(13)}  ${r.cases.join(", ")}`);
  const bad = report.results.filter(
    (r) => r.verdict !== "pass" && r.verdict !== "not-applicable" && r.verdict !== "skipped",
  );
  if (bad.length > 0) lines.push("", "cases not passing:");
  for (const r of bad)
    lines.push(
      `  ${r.verdict.toUpperCase()} ${r.id} [${r.rules.join(", ")}] (${r.file}): ${r.detail ?? ""}`,
    );
  const skipped = report.results.filter((r) => r.verdict === "skipped");
  if (skipped.length > 0) lines.push("", `cases skipped (${skipped.length}, not passed):`);
  for (const r of skipped)
    lines.push(`  SKIPPED ${r.id} [${r.rules.join(", ")}]: ${r.detail ?? ""}`);
  lines.push("", summaryLine(report));
  return lines.join("\n");
}

export function jsonReport(report: RunReport): string {
  return JSON.stringify(
    { ...report, rules: ruleRows(report.results), summary: summaryLine(report) },
    null,
    2,
  );
}

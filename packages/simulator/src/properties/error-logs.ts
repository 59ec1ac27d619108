// error-logs-explained: an error-level log record is what an operator is
// paged for, so each one the engine emits must answer to something the
// scenario did to it (a forger, a lying peer, devices of another library,
// corrupted or restored state), and none may come from a benign run: a
// bound reached, a clock held, a gap pulled are warnings at most.
import type { Scenario } from "../scenario.js";
import type { PropertyFailure } from "./property.js";

/** What a scenario did that may explain an error record. */
type Cause = "forger" | "liar" | "foreign" | "corruption" | "restore";

/** Lies that forge another origin's rows (a forger, as far as the receiver can tell). */
const FORGING_LIES: ReadonlySet<string> = new Set(["alter-rows", "strip-signatures", "re-sign"]);

/**
 * The engine's error-level events and what may cause each. Any other
 * event at error (or one of these without its cause) fails.
 */
const EXPLAINED_BY: Readonly<Record<string, readonly Cause[]>> = {
  // Changes not written by their stream's origin (§16), or a forger's push refused otherwise.
  "forged-changes": ["forger"],
  "realtime-rejected": ["forger"],
  // A held batch refused when drained (one refused for its HLC is a warn-level hold).
  "held-batch-rejected": ["forger"],
  // A peer claiming more of our confirmed own stream: lying, or sharing our identity.
  "own-stream-conflict": ["liar", "restore"],
  // Rows the origin no longer has, or fingerprints that a reconcile could not settle.
  "reconcile-unresolved": ["liar", "corruption"],
  // Also a device restored below a horizon whose full resync may not adopt
  // the relay's unproven cursor (CU-8): it keeps what it cannot decide (RC-17).
  "reconcile-unresolved-rows": ["liar", "corruption", "restore"],
  // A peer parked for good (another library, a fatal answer).
  "peer-state": ["foreign", "liar"],
  "peer-failure": ["foreign", "liar"],
};

/** The causes a scenario provides. */
export function causesOf(scenario: Scenario): ReadonlySet<Cause> {
  const causes = new Set<Cause>();
  if ((scenario.foreign ?? []).length > 0) causes.add("foreign");
  for (const s of scenario.steps) {
    if (s.do === "forge") causes.add("forger");
    if (s.do === "liar") causes.add(FORGING_LIES.has(s.lie) ? "forger" : "liar");
    if (s.do === "lose-rows" || s.do === "stale-rows") causes.add("corruption");
    if (s.do === "restore") causes.add("restore");
  }
  return causes;
}

/** The first error-level record nothing in the scenario explains. */
export function errorLogsExplained(
  errors: readonly { readonly device: number; readonly event: unknown; readonly at: number }[],
  scenario: Scenario,
): PropertyFailure | undefined {
  const causes = causesOf(scenario);
  for (const e of errors) {
    const by = EXPLAINED_BY[String(e.event)] ?? [];
    if (by.some((c) => causes.has(c))) continue;
    const need =
      by.length === 0 ? "no scenario explains it" : `only ${by.join(" or ")} explains it`;
    return {
      property: "error-logs-explained",
      detail: `d${e.device} logged ${JSON.stringify(e.event)} at error at ${Math.round(e.at)} ms (${need}; this run has ${[...causes].join(", ") || "none of those"})`,
    };
  }
  return undefined;
}

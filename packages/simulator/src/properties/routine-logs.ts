// routine-logs-quiet: warn and error are what an operator alerts on, so the
// engine's routine progress is never said that loud. A gap pulled, a
// reconcile or full resync due by the decision table, a page served, an
// exchange: each is how a healthy replica works (the decision table is the
// normal path, PROTOCOL §4.2), and a replica that warns about them buries
// the warnings that matter. Only an origin rewind (a peer holds more of our
// own stream than we wrote: a restore, or a shared identity) is trouble
// among the decisions.
import type { LoudRecord } from "../log-sink.js";
import type { PropertyFailure } from "./property.js";

/** Events that only report routine progress, whatever the run did. */
const ROUTINE: ReadonlySet<string> = new Set([
  "exchange",
  "data-available",
  "pull-started",
  "pull-page",
  "pull-finished",
  "pull-waits-for-parent",
  "parents-fetched",
  "origin-probed",
  "own-streams-confirmed",
  "peer-inbound",
  "replica-open",
  "replica-close",
  "tombstones-pruned",
]);

/** Decisions of the table (`sync-decision`) that are the ordinary repair path. */
const ROUTINE_DECISIONS: ReadonlySet<string> = new Set([
  "nothing",
  "pull",
  "reconcile",
  "full-resync",
  "probe-origin",
]);

function routine(r: LoudRecord): boolean {
  if (r.event === "sync-decision") return ROUTINE_DECISIONS.has(String(r.decision));
  return ROUTINE.has(String(r.event));
}

/** The first warn- or error-level record of routine progress. */
export function routineLogsQuiet(loud: readonly LoudRecord[]): PropertyFailure | undefined {
  const r = loud.find(routine);
  if (r === undefined) return undefined;
  const what =
    r.event === "sync-decision" ? `a ${String(r.decision)} decision` : "routine progress";
  return {
    property: "routine-logs-quiet",
    detail: `d${r.device} said ${JSON.stringify(r.event)} (${what}) at ${r.level} at ${Math.round(r.at)} ms: routine work is said at debug or info`,
  };
}

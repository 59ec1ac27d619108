// peer-transitions-documented (the reference engine's `peer-state` log
// records, one per transition of a peer's published state): what an
// operator alerts on and reads back must follow the engine README's
// machine. Severity: parking a peer (`failed`: another library, an
// unsupported protocol; nothing retries it until the host reconnects) is
// said at error, a backoff at warn, and a transition to a healthy or
// working state at neither, or alerts fire on nothing and the real ones
// drown. Every transition names why (a stable kebab-case reason: what an
// operator reads back and a log analyzer groups by). Exits: a peer leaves
// `backoff` only by its retry (its exchange starts: `catching-up` or
// `uninitialized`), by a reconnect, or parked; a
// parked peer only by a reconnect. A peer shown `ready` out of a backoff
// without either is one whose promised retry never comes (the engine
// drops a backoff timer that fires for a peer no longer in backoff).
import { isKebabName, type PeerStateRecord } from "../log-sink.js";
import type { PropertyFailure } from "./property.js";

const NAME = "peer-transitions-documented";
/** The level each target state is said at; unlisted states are healthy or working. */
const LEVEL_OF: Readonly<Record<string, string>> = { failed: "error", backoff: "warn" };
/** Where a retry leaves `backoff` for (the retry's exchange starts). */
const RETRYING: ReadonlySet<unknown> = new Set(["catching-up", "uninitialized"]);
/** The reason the engine gives when the host reconnects a peer. */
const RECONNECT = "reconnected";

/** The first record that breaks the documented levels or exits. */
export function peerTransitionsDocumented(
  records: readonly PeerStateRecord[],
): PropertyFailure | undefined {
  for (const r of records) {
    const want = typeof r.to === "string" ? LEVEL_OF[r.to] : undefined;
    const alarm = r.level === "warn" || r.level === "error";
    if (want !== undefined ? r.level !== want : alarm)
      return fail(r, `said at ${r.level}, expected ${want ?? "info or debug"}`);
    if (!isKebabName(r.reason)) return fail(r, "names no reason (a kebab-case name)");
    const reconnect = r.reason === RECONNECT;
    if (r.from === "backoff" && !RETRYING.has(r.to) && r.to !== "failed" && !reconnect)
      return fail(r, "left backoff with neither a retry, a reconnect nor parking");
    if (r.from === "failed" && !reconnect) return fail(r, "left failed without a reconnect");
  }
  return undefined;
}

function fail(r: PeerStateRecord, why: string): PropertyFailure {
  return {
    property: NAME,
    detail: `d${r.device} logged a peer ${String(r.from)} -> ${String(r.to)} (${String(r.reason)}): ${why}`,
  };
}

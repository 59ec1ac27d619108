// The late-parents fault: realtime pushes on one link that carry only
// parent rows (volumes, locations) are delayed, so the entries of a new
// location arrive first. The receiver applies them (their stream is
// contiguous), holds them for the location, and its cursor passes them:
// a relay then answers Backfills while it holds changes below its cursor
// (issue 11 bug 10: such pages skipped table rows).
import { type PushChangesRequest, Resource } from "@tidemark/protocol";
import type { TapInfo, Verdict } from "../network/network.js";

/** Resources whose rows entries (and locations) hold hard references to. */
const PARENTS: ReadonlySet<Resource> = new Set([Resource.VOLUME, Resource.LOCATION]);

/** True when a push request carries batches, all of parent resources. */
export function onlyParents(req: PushChangesRequest): boolean {
  return (
    req.batches.length > 0 &&
    req.batches.every((b) => b.stream !== undefined && PARENTS.has(b.stream.resource))
  );
}

/** The tap's verdict for `m` given the delays set per `${from}>${to}` link. */
export function lateParentsVerdict(
  delays: ReadonlyMap<string, number>,
  m: TapInfo,
): Verdict | undefined {
  if (delays.size === 0 || m.rpc !== "PushChanges" || m.part !== "req") return undefined;
  const delayMs = delays.get(`${m.from}>${m.to}`);
  if (delayMs === undefined || !onlyParents(m.message() as PushChangesRequest)) return undefined;
  return { delayMs };
}

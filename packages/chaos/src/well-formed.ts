// requests-well-formed: no peer refused another's call as malformed. The
// proxy forwards bytes unchanged (it delays and cuts, never alters), and
// invalid_argument is only for requests that break the message rules
// (PROTOCOL.md §10), so any such answer between peers is one peer's bug:
// its request, or the other's validator. Judged from the calls the proxy
// recorded, so it holds any implementation to it.
import type { PropertyFailure, TraceRecord } from "@tidemark/simulator";

export const WELL_FORMED = "requests-well-formed";

export function requestsWellFormed(
  records: readonly TraceRecord[],
  name: (peer: number) => string = (p) => `d${p}`,
): PropertyFailure | undefined {
  const refused = records.filter((r) => r.k === "send" && r.code === "invalid_argument");
  const [first] = refused;
  if (first === undefined) return undefined;
  const more = refused.length > 1 ? ` (${refused.length} calls in all)` : "";
  return {
    property: WELL_FORMED,
    devices: [Number(first.from), Number(first.to)],
    detail: `${name(Number(first.to))} refused ${name(Number(first.from))}'s ${String(first.rpc)} as malformed: ${String(first.error ?? "")}${more}`,
  };
}

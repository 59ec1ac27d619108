// requests-well-formed: no peer sent another a request that breaks the
// message rules, and none refused another's call as malformed. The proxy
// forwards bytes unchanged (it delays and cuts, never alters) and checks
// each request itself (request-check.ts: the receiver's validator may be
// as lax as the sender is wrong), and invalid_argument is only for
// malformed requests (PROTOCOL.md §10), so either is one peer's bug: its
// request, or the other's validator. Judged from the calls the proxy
// recorded, so it holds any implementation to it.
import type { PropertyFailure, TraceRecord } from "@tidemark/simulator";

export const WELL_FORMED = "requests-well-formed";

export function requestsWellFormed(
  records: readonly TraceRecord[],
  name: (peer: number) => string = (p) => `d${p}`,
): PropertyFailure | undefined {
  const wrong = records.filter(
    (r) => r.k === "send" && (r.code === "invalid_argument" || r.bad !== undefined),
  );
  const [first] = wrong;
  if (first === undefined) return undefined;
  const [from, to] = [Number(first.from), Number(first.to)];
  const more = wrong.length > 1 ? ` (${wrong.length} calls in all)` : "";
  const rpc = String(first.rpc);
  const detail =
    first.bad === undefined
      ? `${name(to)} refused ${name(from)}'s ${rpc} as malformed: ${String(first.error ?? "")}`
      : `${name(from)} sent ${name(to)} a malformed ${rpc} (${String(first.bad)}: ${String(first.badWhy ?? "")}), which ${name(to)} ${first.code === undefined ? "accepted" : `answered ${String(first.code)}`}`;
  return { property: WELL_FORMED, devices: [from, to], detail: `${detail}${more}` };
}

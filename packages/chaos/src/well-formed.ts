// requests-well-formed: no peer sent another a request that breaks the
// message rules, and none refused another's call as malformed. The proxy
// forwards bytes unchanged (it delays and cuts, never alters) and checks
// each request itself (request-check.ts: the receiver's validator may be
// as lax as the sender is wrong), and invalid_argument is only for
// malformed requests (PROTOCOL.md §10), so either is one peer's bug: its
// request, or the other's validator. Judged from the calls the proxy
// recorded, so it holds any implementation to it. answers-well-formed is
// its counterpart for what the called peer sent back.
import type { PropertyFailure, TraceRecord } from "@tidemark/simulator";

export const WELL_FORMED = "requests-well-formed";
export const ANSWERS_WELL_FORMED = "answers-well-formed";

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

/**
 * answers-well-formed: every answer the proxy forwarded whole keeps the
 * message rules for the request it answers (answer-check.ts), whatever the
 * caller made of it (a caller mostly refuses a bad answer and goes elsewhere).
 */
export function answersWellFormed(
  records: readonly TraceRecord[],
  name: (peer: number) => string = (p) => `d${p}`,
): PropertyFailure | undefined {
  const wrong = records.filter((r) => r.k === "send" && r.badAnswer !== undefined);
  const [first] = wrong;
  if (first === undefined) return undefined;
  const [from, to] = [Number(first.from), Number(first.to)];
  const more = wrong.length > 1 ? ` (${wrong.length} calls in all)` : "";
  return {
    property: ANSWERS_WELL_FORMED,
    devices: [to, from],
    detail: `${name(to)} answered ${name(from)}'s ${String(first.rpc)} with a malformed message (${String(first.badAnswer)}: ${String(first.badAnswerWhy ?? "")})${more}`,
  };
}

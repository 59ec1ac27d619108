// Which peer to pull a stream from: any peer that is ahead may serve it
// (relay), but the origin is preferred when it is at least as far ahead as
// the peer that told us about the data — and, for an unfinished pull, the
// peer its resume point holds with (BF-19). A pure function, tested alone.
import { maxDefined } from "../seq.js";
import type { ResumeSource } from "../store/store-api.js";
import { resumeHoldsWith } from "./decide.js";

export type SourceCandidate = {
  readonly peer: string;
  /** Connected, not failed, not backing off. */
  readonly usable: boolean;
  /** Its last known cursor for the stream. */
  readonly cursor: bigint | undefined;
};

export type SourceNeed = {
  readonly origin: string;
  /** The peer whose watermarks led to this pull. */
  readonly asked: string;
  readonly localCursor: bigint | undefined;
  /** An unfinished pull may only finish against a cursor >= maxAppliedSeq. */
  readonly pulling: boolean;
  readonly maxAppliedSeq: bigint | undefined;
  /**
   * An unfinished pull's resume point holds only with the peer that served
   * it, at that cursor or above (PROTOCOL.md BF-19): any other restarts at
   * the gap-free point, so that peer is preferred while it may finish.
   */
  readonly resumeSource?: ResumeSource | undefined;
};

/** The chosen peer, or undefined when no usable peer is known to be ahead. */
export function pickSource(
  candidates: readonly SourceCandidate[],
  need: SourceNeed,
): string | undefined {
  const floor = need.pulling ? maxDefined(need.localCursor, need.maxAppliedSeq) : need.localCursor;
  const eligible = candidates.filter(
    (c) =>
      c.usable &&
      c.cursor !== undefined &&
      (floor === undefined || c.cursor > floor || (need.pulling && c.cursor >= floor)),
  );
  if (eligible.length === 0) return undefined;
  const from = need.pulling ? need.resumeSource : undefined;
  const resume = eligible.find((c) => resumeHoldsWith(from, c.peer, c.cursor));
  if (resume !== undefined) return resume.peer;
  const asked = eligible.find((c) => c.peer === need.asked);
  const origin = eligible.find((c) => c.peer === need.origin);
  if (
    origin?.cursor !== undefined &&
    (asked?.cursor === undefined || origin.cursor >= asked.cursor)
  ) {
    return origin.peer;
  }
  let best = eligible[0] as SourceCandidate;
  for (const c of eligible) {
    const bc = best.cursor as bigint;
    const cc = c.cursor as bigint;
    if (cc > bc || (cc === bc && c.peer === need.asked)) best = c;
  }
  return best.peer;
}

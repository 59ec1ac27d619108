// range-rounds-within-limits: every range-round message an honest device
// sends — a request, or an answer — stays within the sender's own range
// and frame limits (PROTOCOL.md §7.5: the initiator paces its requests, a
// responder at its limit ends with a tail rather than exceed it; sizes of
// §7.6: each range's tag, length and body). The reference's limits are
// MAX_RANGES_PER_MESSAGE ranges in 1 MiB; a small-limit device's are its
// own (Scenario.smallLimits). A peer accepts anything the protocol's
// limits allow, so only the sender's side shows a pacing or cutting
// mistake. Liars' and the harness's messages, and coded symbols (their
// own batch sizes), are not judged.
import { create, toBinary } from "@bufbuild/protobuf";
import {
  MAX_RANGES_PER_MESSAGE,
  type ReconcileRange,
  type ReconcileRequest,
  ReconcileRequestSchema,
  type ReconcileResponse,
} from "@tidemark/protocol";
import type { TapInfo } from "../network/network.js";
import type { PropertyFailure } from "./property.js";

const NAME = "range-rounds-within-limits";

export type RangeLimits = { readonly maxRanges: number; readonly frameBytes: number };
/** The reference's defaults (engine reconcile/options.ts). */
export const DEFAULT_RANGE_LIMITS: RangeLimits = {
  maxRanges: MAX_RANGES_PER_MESSAGE,
  frameBytes: 1024 * 1024,
};

/** Encoded bytes of `ranges` inside a message (§7.6: tag, length, body each). */
function rangesBytes(ranges: readonly ReconcileRange[]): number {
  return toBinary(ReconcileRequestSchema, create(ReconcileRequestSchema, { ranges: [...ranges] }))
    .length;
}

export class RangeLimitsTracker {
  private readonly broken: string[] = [];
  /** Messages judged (tests see coverage). */
  judged = 0;

  constructor(
    private readonly limitsOf: (device: number) => RangeLimits,
    private readonly notJudged: (device: number) => boolean,
  ) {}

  /** The network tap: every Reconcile request and answer as it is sent. */
  observe(m: TapInfo, now: number): void {
    if (m.rpc !== "Reconcile" || (m.part !== "req" && m.part !== "res")) return;
    if (this.notJudged(m.from)) return;
    const ranges = (m.message() as ReconcileRequest | ReconcileResponse).ranges;
    if (ranges.length === 0) return;
    const coded = ranges.some(
      (r) => r.payload.case === "symbols" || r.payload.case === "symbolsRequest",
    );
    if (coded) return;
    this.judged++;
    const { maxRanges, frameBytes } = this.limitsOf(m.from);
    const bytes = rangesBytes(ranges);
    const what = `d${m.from}'s ${m.part === "req" ? "request to" : "answer to"} d${m.to} at ${Math.round(now)} ms`;
    if (ranges.length > maxRanges)
      this.broken.push(`${what} has ${ranges.length} ranges (its limit ${maxRanges})`);
    else if (bytes > frameBytes)
      this.broken.push(`${what} has ${bytes} bytes of ranges (its limit ${frameBytes})`);
  }

  check(): PropertyFailure | undefined {
    const first = this.broken[0];
    if (first === undefined) return undefined;
    return {
      property: NAME,
      detail: `${this.broken.length} range-round message(s) over their sender's limits (PROTOCOL §7.5): ${first}`,
    };
  }
}

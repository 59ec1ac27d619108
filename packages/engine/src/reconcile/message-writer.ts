// Builds one outgoing message: contiguous ranges covering the whole id
// space, adjacent skips merged, within a byte and range budget. When the
// next group would not fit, the sender ends the message with one tail range
// holding its fingerprint of everything not yet processed (Negentropy's
// frameSizeLimit rule), so the peer re-splits that tail in the next round.
import { create } from "@bufbuild/protobuf";
import { type ReconcileRange, ReconcileRangeSchema } from "@tidemark/protocol";
import { EMPTY_BOUND } from "./bounds.js";
import {
  encodedRangeSize,
  FINGERPRINT_PAYLOAD_SIZE,
  rangeWireSize,
  SKIP_PAYLOAD_SIZE,
} from "./wire-size.js";

export type Budget = {
  /** Max encoded bytes of the ranges; 0 = unlimited. */
  readonly maxBytes: number;
  /** Max ranges per message; 0 = unlimited. */
  readonly maxRanges: number;
};

// Worst case of the final tail: a fingerprint range with an empty bound.
const TAIL_SIZE = rangeWireSize(0, FINGERPRINT_PAYLOAD_SIZE);

/**
 * Room to keep for the peer's reply, when the sender paces itself so the
 * reply fits the same budget: estimated reply bytes and ranges so far.
 */
export type Reserve = { readonly bytes: number; readonly ranges: number };
const NO_RESERVE: Reserve = { bytes: 0, ranges: 0 };

export class MessageWriter {
  readonly ranges: ReconcileRange[] = [];
  private bytes = 0;
  // Lower bound of a pending (not yet written) skip run, if any.
  private skipPending = false;
  private work = false;
  private truncated = false;

  constructor(private readonly budget: Budget) {}

  /** Marks [lower, upper) as skip; merged with adjacent skips. */
  skip(): void {
    this.skipPending = true;
  }

  /**
   * Appends the ranges answering one incoming range whose lower bound is
   * `lower`, if they fit with room left for a tail. Returns false (writing
   * nothing) when they do not; the first group of a message always fits,
   * so every message makes progress.
   */
  tryAppend(
    lower: Uint8Array,
    group: readonly ReconcileRange[],
    reserve: Reserve = NO_RESERVE,
  ): boolean {
    let size = 0;
    for (const r of group) size += encodedRangeSize(r);
    const skipSize = this.skipPending ? rangeWireSize(lower.length, SKIP_PAYLOAD_SIZE) : 0;
    const count = group.length + (this.skipPending ? 1 : 0);
    if (this.work && !this.fits(size + skipSize, count, reserve)) return false;
    this.flushSkip(lower, skipSize);
    for (const r of group) this.ranges.push(r);
    this.bytes += size;
    this.work = true;
    return true;
  }

  /** Ends the message with the sender's fingerprint of [lower, end). */
  tail(lower: Uint8Array, fingerprint: Uint8Array): void {
    this.flushSkip(lower, rangeWireSize(lower.length, SKIP_PAYLOAD_SIZE));
    this.ranges.push(
      create(ReconcileRangeSchema, {
        upperBound: EMPTY_BOUND,
        payload: { case: "fingerprint", value: fingerprint },
      }),
    );
    this.bytes += TAIL_SIZE;
    this.truncated = true;
    this.work = true;
  }

  /**
   * The finished message, or [] when it would say nothing but "skip"
   * (reconciliation is done from the sender's side).
   */
  finish(): ReconcileRange[] {
    if (!this.work) return [];
    if (this.skipPending && !this.truncated) {
      this.ranges.push(
        create(ReconcileRangeSchema, {
          upperBound: EMPTY_BOUND,
          payload: { case: "skip", value: true },
        }),
      );
      this.bytes += rangeWireSize(0, SKIP_PAYLOAD_SIZE);
      this.skipPending = false;
    }
    return this.ranges;
  }

  /** Encoded size of the ranges written so far. */
  get size(): number {
    return this.bytes;
  }

  /** Own message and (estimated) reply must each fit, with room for a tail. */
  private fits(extraBytes: number, extraRanges: number, reply: Reserve): boolean {
    const { maxBytes, maxRanges } = this.budget;
    // Keep room for a skip before the tail and the tail itself.
    const reserveBytes = TAIL_SIZE + rangeWireSize(16, SKIP_PAYLOAD_SIZE);
    if (maxBytes > 0 && this.bytes + extraBytes + reserveBytes > maxBytes) return false;
    if (maxBytes > 0 && reply.bytes + reserveBytes > maxBytes) return false;
    if (maxRanges > 0 && this.ranges.length + extraRanges + 2 > maxRanges) return false;
    if (maxRanges > 0 && reply.ranges + 2 > maxRanges) return false;
    return true;
  }

  private flushSkip(lower: Uint8Array, skipSize: number): void {
    if (!this.skipPending) return;
    this.ranges.push(
      create(ReconcileRangeSchema, { upperBound: lower, payload: { case: "skip", value: true } }),
    );
    this.bytes += skipSize;
    this.skipPending = false;
  }
}

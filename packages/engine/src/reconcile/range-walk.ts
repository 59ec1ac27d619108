// The receive loop both roles share: walk a peer's contiguous ranges,
// matching each to own items [i, j), and let the role decide what to say
// about it. Handlers may record results only when they answer "skip":
// anything else may be cut off by the frame limit and revisited later.
import type { ReconcileRange } from "@tidemark/protocol";
import { type Bound, checkUpperBound, compareBounds, EMPTY_BOUND, invalid } from "./bounds.js";
import type { ReconcileSet } from "./item-set.js";
import { MessageWriter } from "./message-writer.js";
import type { ReconcileConfig } from "./options.js";

export type IncomingRange = {
  readonly index: number;
  readonly range: ReconcileRange;
  /** Lower bound (the previous range's upper bound; empty = start). */
  readonly lower: Uint8Array;
  /** Upper bound; null = the end of the id space. */
  readonly upper: Bound;
  /** Own items [i, j) fall in this range. */
  readonly i: number;
  readonly j: number;
};

export type RangeHandler = (range: IncomingRange) => readonly ReconcileRange[] | "skip";

/**
 * Validates a received message range by range (contiguous, strictly
 * ascending bounds, the last one open-ended) and matches each range to
 * own items [i, j). Lazy: a consumer that stops early skips the rest.
 */
export function* readRanges(
  set: ReconcileSet,
  incoming: readonly ReconcileRange[],
): Generator<IncomingRange> {
  let lower: Uint8Array = EMPTY_BOUND;
  let i = 0;
  for (let index = 0; index < incoming.length; index++) {
    const range = incoming[index] as ReconcileRange;
    const upper = checkUpperBound(range.upperBound, index === incoming.length - 1, index);
    if (upper !== null && compareBounds(upper, lower) <= 0)
      throw invalid("range bounds must be strictly ascending", index);
    if (range.payload.case === undefined) throw invalid("range has no payload", index);
    const j = upper === null ? set.size : set.lowerBound(upper, i);
    yield { index, range, lower, upper, i, j };
    lower = range.upperBound;
    i = j;
  }
}

/**
 * Runs `handle` over a received message and returns the reply ([] = nothing
 * to say). When the next answer would break the budget, the reply ends with
 * a tail fingerprint of everything from that range on.
 */
export function walkMessage(
  set: ReconcileSet,
  incoming: readonly ReconcileRange[],
  config: ReconcileConfig,
  handle: RangeHandler,
): ReconcileRange[] {
  const writer = new MessageWriter(config.budget);
  for (const r of readRanges(set, incoming)) {
    const out = handle(r);
    if (out === "skip") writer.skip();
    else if (!writer.tryAppend(r.lower, out)) {
      writer.tail(r.lower, set.fingerprint(r.i, set.size));
      break;
    }
  }
  return writer.finish();
}

/** Checks a received fingerprint's size. */
export function checkFingerprint(fp: Uint8Array, index: number): Uint8Array {
  if (fp.length !== 16) throw invalid(`fingerprint must be 16 bytes, got ${fp.length}`, index);
  return fp;
}

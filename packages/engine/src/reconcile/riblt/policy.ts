// How many coded symbols to ask for or send (reference values, PROTOCOL.md
// §7.9.5). Any size interoperates: the stream is rateless, and a prefix of
// any length is a valid IBLT. These sizes aim at few round trips without
// sending many more symbols than decoding needs (~1.35-1.45 per difference
// at large d, up to ~2 at small d).
import { MAX_CODED_SYMBOLS_PER_MESSAGE } from "@tidemark/protocol";

/** Worst-case wire bytes of one symbol: 24 sum bytes + count and seq varints. */
export const WORST_SYMBOL_BYTES = 24 + 5 + 10;
/** Symbols sent for a request with count 0 and no probes. */
export const DEFAULT_FIRST_BATCH = 64;
/**
 * Symbols the fingerprint opening asks for (§7.9.5): about 12 x 30 bytes,
 * enough to decode most differences of up to ~4 items in one round trip
 * and to tell a handful of differences from a large one.
 */
export const OPENING_BATCH = 12;

/**
 * After the fingerprint opening's batch did not decode, whether to send
 * the estimator next (the responder then sizes the batch) rather than
 * continue from the estimate `est` of the symbols. A few symbols measure
 * only small differences, and one empty difference symbol by chance pulls
 * their estimate down to about its index: trust them below half their number.
 */
export function wantsProbes(received: number, est: number): boolean {
  return est > received / 2;
}

/**
 * The responder's first batch from the estimated difference `est`: small
 * differences get a generous batch (decoded in one round trip); large ones
 * about 3/4 of the estimate (the estimate is within ~±25 %), after which the
 * initiator estimates d precisely from the symbols and asks for the rest.
 */
export function firstBatch(est: number): number {
  if (est <= 1000) return Math.ceil(2 * est) + 8;
  return Math.max(2008, Math.ceil(0.75 * est));
}

/**
 * The initiator's next request after `received` symbols did not decode,
 * `est` being the difference estimated from them and `attempt` the number
 * of continuation requests so far (0 for the first).
 */
export function nextBatch(received: number, est: number, attempt: number): number {
  const bounded = Math.min(est, 3 * received + 16);
  const factor = attempt === 0 ? 1.4 : 1.5;
  const growth = attempt === 0 ? 1.1 : 1.25;
  const target = Math.max(Math.ceil(factor * bounded) + 16, Math.ceil(growth * received) + 16);
  return target - received;
}

/** Most symbols one message may carry under a frame limit (0 = none). */
export function symbolsPerMessage(frameLimit: number): number {
  if (frameLimit === 0) return MAX_CODED_SYMBOLS_PER_MESSAGE;
  return Math.max(
    1,
    Math.min(MAX_CODED_SYMBOLS_PER_MESSAGE, Math.floor((frameLimit - 256) / WORST_SYMBOL_BYTES)),
  );
}

/**
 * Symbols after which the initiator gives up and falls back to range rounds
 * (a peer sending garbage, or a difference near the whole set, where
 * listing is as cheap): twice both sides' items.
 */
export function giveUpAfter(ownItems: number, theirItems: number): number {
  return 2 * (ownItems + theirItems) + 1024;
}

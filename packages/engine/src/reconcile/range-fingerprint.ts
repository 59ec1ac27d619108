// The range fingerprint, normative form (RECONCILE-SPEC §3).
import { fingerprintOf } from "../fingerprint/index.js";
import type { ReconcileItem } from "../store/store-api.js";

/**
 * Fingerprint of a range: sum over its items (live entries and retained
 * tombstones alike) of itemHash(id, seq) mod 2^128, 16 bytes big-endian;
 * 16 zero bytes for an empty range. No count is mixed in: the sum of
 * 128-bit hashes already differs whenever the multisets differ, barring a
 * 2^-128 accident, and keeping it a plain sum makes the whole-space value
 * of a tombstone-free stream equal its stream fingerprint.
 * ReconcileSet computes the same value in O(1) from prefix sums.
 */
export function rangeFingerprint(items: Iterable<ReconcileItem>): Uint8Array {
  return fingerprintOf(items);
}

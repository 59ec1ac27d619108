// How many rounds an honest reconciliation can need (PROTOCOL §7.5,
// "Termination"). The cap must grow with the sets and shrink with the
// limits: a fixed cap (it was 64) aborted every reconcile whose
// differences needed more than 64 × MAX_RANGES_PER_MESSAGE ranges, i.e.
// any stream missing a few thousand rows (the seed's 33K-row gap).
import { type ReconcileOptions, resolveOptions } from "./options.js";

// Worst encoded bytes one item costs over a whole run, both directions: a
// listing (16-byte id + seq varint) each way plus a needed id, and its
// share of the fingerprint ranges above it (a 23-28 byte range per node).
const WORST_BYTES_PER_ITEM = 2 * 42 + 2 * 28;

/**
 * The most rounds (request/reply pairs) a reconciliation between a side
 * holding `localItems` and a peer holding at most `remoteItems` may take
 * before the initiator gives up on the attempt:
 *
 *   2(⌈log_B n⌉ + 2) + 4·⌈n·W / frameLimit⌉ + 4·⌈n(B + 2) / rangeLimit⌉ + 8
 *
 * with n = localItems + remoteItems (an upper bound on the differences d
 * and on the items in play), W the worst bytes per item, and a term
 * dropped when its limit is 0 (none). It is the reference property test's
 * bound (§7.5) with d and the bytes replaced by their worst case, so only
 * a peer that makes no progress can exceed it. For the seed's 170K/137K
 * stream with the default limits it is ~48K rounds; an honest run takes
 * far fewer (about 4·d(B + 2)/rangeLimit at worst).
 */
export function maxReconcileRounds(
  localItems: number,
  remoteItems: number,
  options?: ReconcileOptions,
): number {
  const config = resolveOptions(options);
  const n = Math.max(2, localItems + remoteItems);
  const b = config.branching;
  const depth = Math.ceil(Math.log(n) / Math.log(b)) + 2;
  const { maxBytes, maxRanges } = config.budget;
  const byBytes = maxBytes === 0 ? 0 : 4 * Math.ceil((n * WORST_BYTES_PER_ITEM) / maxBytes);
  const byRanges = maxRanges === 0 ? 0 : 4 * Math.ceil((n * (b + 2)) / maxRanges);
  return 2 * depth + byBytes + byRanges + 8;
}

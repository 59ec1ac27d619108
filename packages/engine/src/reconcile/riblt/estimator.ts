// A difference-size estimator sent with the first RIBLT query (PROTOCOL.md
// §7.9.3), so the responder can size its first batch of coded symbols and
// most differences decode in one or two round trips. Items are split into
// disjoint slices by their checksum (h[0..8)): slice 16L + b holds the
// items whose checksum has L leading zero bits followed by the 4 bits b
// after the leading one, a share 2^-(L+5) of them. Each slice is summed as
// the last byte of h, mod 256; equal sums mean no difference in the slice
// (or a 1/256 collision), and the pattern of equal slices estimates d.
import { invalid } from "../bounds.js";
import type { ReconcileSet } from "../item-set.js";
import { maxLikelihood } from "./decoder.js";

/** Slices per octave, octaves (L = 0..19), and slices: one byte each. */
const PER_OCTAVE = 16;
export const PROBE_SLICES = 20 * PER_OCTAVE;
const COLLISION = 1 / 256;

/** The slice of a checksum (hi, lo), or -1 past the last slice (or zero). */
export function sliceOf(hi: number, lo: number): number {
  const lead = hi !== 0 ? Math.clz32(hi) : lo !== 0 ? 32 + Math.clz32(lo) : 64;
  if (PER_OCTAVE * lead >= PROBE_SLICES) return -1;
  const s = lead + 1;
  const top = s < 32 ? ((hi << s) | (lo >>> (32 - s))) >>> 0 : (lo << (s - 32)) >>> 0;
  return PER_OCTAVE * lead + (top >>> 28);
}

// The whole set's probe, per cached set: every first request of the
// reference initiator covers the whole set, so it is summed once.
const wholeProbes = new WeakMap<ReconcileSet, Uint8Array>();

/** The probe of own items [i, j): PROBE_SLICES one-byte sums. */
export function probesOf(set: ReconcileSet, i: number, j: number): Uint8Array {
  if (i !== 0 || j !== set.size) return sumProbes(set, i, j);
  let whole = wholeProbes.get(set);
  if (whole === undefined) {
    whole = sumProbes(set, 0, set.size);
    wholeProbes.set(set, whole);
  }
  return whole.slice();
}

function sumProbes(set: ReconcileSet, i: number, j: number): Uint8Array {
  const sums = new Uint32Array(PROBE_SLICES);
  const limbs = new Uint32Array(4);
  for (let k = i; k < j; k++) {
    set.hashLimbs(k, limbs);
    const slice = sliceOf(limbs[3] as number, limbs[2] as number);
    if (slice >= 0) sums[slice] = ((sums[slice] as number) + (limbs[0] as number)) & 0xff;
  }
  return Uint8Array.from(sums);
}

/** Estimated number of differing items between two probes (0 if all equal). */
export function estimateFromProbes(theirs: Uint8Array, own: Uint8Array): number {
  if (theirs.length !== PROBE_SLICES)
    throw invalid(`probes must be ${PROBE_SLICES} bytes, got ${theirs.length}`);
  const cells = [];
  for (let s = 0; s < PROBE_SLICES; s++)
    cells.push({ w: 2 ** -(Math.floor(s / PER_OCTAVE) + 5), equal: theirs[s] === own[s] });
  return maxLikelihood(cells, COLLISION);
}

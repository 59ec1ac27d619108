// Range bounds (RECONCILE-SPEC §2): an upper bound is an id prefix of
// 0..16 bytes compared as a big-endian string padded with zeros. `null`
// stands for "the end of the id space" (the empty bound of a last range).
import { EngineError, EngineErrorCode } from "../errors.js";

export const ID_BYTES = 16;
export const EMPTY_BOUND = new Uint8Array(0);

/** An upper bound; null is the end of the id space. */
export type Bound = Uint8Array | null;

/** Compares two bounds as zero-padded byte strings; null sorts last. */
export function compareBounds(a: Bound, b: Bound): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  const len = Math.max(a.length, b.length);
  for (let k = 0; k < len; k++) {
    const x = k < a.length ? (a[k] as number) : 0;
    const y = k < b.length ? (b[k] as number) : 0;
    if (x !== y) return x - y;
  }
  return 0;
}

/**
 * Compares the 16-byte id at `flat[off..off+16)` with a bound (zero-padded):
 * negative when the id sorts before it, i.e. the id lies below the bound.
 */
export function compareIdToBound(flat: Uint8Array, off: number, bound: Uint8Array): number {
  for (let k = 0; k < bound.length; k++) {
    const d = (flat[off + k] as number) - (bound[k] as number);
    if (d !== 0) return d;
  }
  // Equal on the prefix: the id's remaining bytes are >= the zero padding.
  return 0;
}

/**
 * The shortest bound b with prev < b <= next (both 16-byte ids, prev < next):
 * next's first (common prefix + 1) bytes. No shorter bound separates them.
 */
export function compactBound(flat: Uint8Array, prevOff: number, nextOff: number): Uint8Array {
  let k = 0;
  while (k < ID_BYTES - 1 && flat[prevOff + k] === flat[nextOff + k]) k++;
  return flat.slice(nextOff, nextOff + k + 1);
}

/** Checks a received upper bound: 1..16 bytes unless it ends the message. */
export function checkUpperBound(bound: Uint8Array, isLast: boolean, index: number): Bound {
  if (isLast) {
    if (bound.length !== 0)
      throw invalid("the last range must end at the end of the id space (empty bound)", index);
    return null;
  }
  if (bound.length === 0 || bound.length > ID_BYTES)
    throw invalid(`upper bound must be 1..${ID_BYTES} bytes, got ${bound.length}`, index);
  return bound;
}

export function invalid(message: string, rangeIndex?: number): EngineError {
  return new EngineError(
    EngineErrorCode.Invalid,
    `reconcile: ${message}`,
    rangeIndex === undefined ? {} : { rangeIndex },
  );
}

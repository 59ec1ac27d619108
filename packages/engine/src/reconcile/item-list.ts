// Decoding and diffing received item lists against own items.
import type { ItemList } from "@tidemark/protocol";
import { type Bound, compareIdToBound, ID_BYTES, invalid } from "./bounds.js";
import type { ReconcileSet } from "./item-set.js";

/**
 * Checks a received list: ids a multiple of 16 bytes, one seq per id,
 * strictly ascending, all within [lower, upper). Returns the item count.
 */
export function checkItemList(
  list: ItemList,
  lower: Uint8Array,
  upper: Bound,
  rangeIndex: number,
): number {
  const { ids, seqs } = list;
  if (ids.length % ID_BYTES !== 0) throw invalid("item ids must be 16 bytes each", rangeIndex);
  const n = ids.length / ID_BYTES;
  if (seqs.length !== n) throw invalid(`${n} ids but ${seqs.length} seqs`, rangeIndex);
  if (list.neededIds.length % ID_BYTES !== 0)
    throw invalid("needed ids must be 16 bytes each", rangeIndex);
  for (let k = 0; k < n; k++) {
    const off = k * ID_BYTES;
    if (
      k === 0 ? compareIdToBound(ids, off, lower) < 0 : compareFlat(ids, off - ID_BYTES, off) >= 0
    )
      throw invalid("item ids must be strictly ascending and inside their range", rangeIndex);
  }
  if (n > 0 && upper !== null && compareIdToBound(ids, (n - 1) * ID_BYTES, upper) >= 0)
    throw invalid("item ids must lie below the range's upper bound", rangeIndex);
  return n;
}

export type ListDiff = {
  /** Indexes into the received list: items the receiver lacks or holds older. */
  readonly theirNewer: number[];
  /** Own indexes: items the sender of the list lacks or holds older. */
  readonly ownNewer: number[];
};

/** Merge-walks a received full list against own items [i, j). */
export function diffList(set: ReconcileSet, i: number, j: number, list: ItemList): ListDiff {
  const theirs = list.ids;
  const n = theirs.length / ID_BYTES;
  const theirNewer: number[] = [];
  const ownNewer: number[] = [];
  let a = i;
  let b = 0;
  while (a < j || b < n) {
    let c: number;
    if (a === j) c = 1;
    else if (b === n) c = -1;
    else c = compareAcross(set.ids, a * ID_BYTES, theirs, b * ID_BYTES);
    if (c < 0) ownNewer.push(a++);
    else if (c > 0) theirNewer.push(b++);
    else {
      const mine = set.seqAt(a);
      const their = list.seqs[b] as bigint;
      if (mine > their) ownNewer.push(a);
      else if (their > mine) theirNewer.push(b);
      a++;
      b++;
    }
  }
  return { theirNewer, ownNewer };
}

function compareFlat(flat: Uint8Array, a: number, b: number): number {
  return compareAcross(flat, a, flat, b);
}

function compareAcross(x: Uint8Array, xo: number, y: Uint8Array, yo: number): number {
  for (let k = 0; k < ID_BYTES; k++) {
    const d = (x[xo + k] as number) - (y[yo + k] as number);
    if (d !== 0) return d;
  }
  return 0;
}

// One side's items for reconciliation, indexed for O(1) range fingerprints:
// ids in one flat buffer (cache-friendly binary search) and prefix sums of
// itemHash as 4 x 32-bit limbs, so fingerprint(i, j) = P[j] - P[i] mod 2^128.
import { FINGERPRINT_BYTES } from "../fingerprint/index.js";
import type { ReconcileItem } from "../store/store-api.js";
import { compareIdToBound, ID_BYTES, invalid } from "./bounds.js";
import { itemHashLimbs } from "./item-hash.js";

const U64_MAX = 0xffff_ffff_ffff_ffffn;
const SAFE_SEQ = BigInt(Number.MAX_SAFE_INTEGER);

export class ReconcileSet {
  /** Number of items. */
  readonly size: number;
  /** ids[16i .. 16i+16) is item i's id; ascending. */
  readonly ids: Uint8Array;
  readonly seqs: readonly bigint[];
  /** seqHalves[2i], seqHalves[2i+1]: item i's seq as u32 high and low halves. */
  readonly seqHalves: Uint32Array;
  // prefix[4k + l] = limb l (0 = least significant) of sum(h(0..k-1)) mod 2^128.
  private readonly prefix: Uint32Array;

  /**
   * Indexes `items`, which must be strictly ascending by id (the order of
   * ReplicaStore.reconcileItems), with 16-byte ids and u64 seqs.
   * O(n) hashing; throws an Invalid EngineError on unsorted or bad input.
   */
  constructor(items: readonly ReconcileItem[]) {
    const n = items.length;
    this.size = n;
    this.ids = new Uint8Array(n * ID_BYTES);
    const seqs: bigint[] = new Array(n);
    const seqHalves = new Uint32Array(2 * n);
    const prefix = new Uint32Array(4 * (n + 1));
    const limbs = new Uint32Array(4);
    for (let i = 0; i < n; i++) {
      const item = items[i] as ReconcileItem;
      if (item.id.length !== ID_BYTES) throw invalid(`item ${i}: id must be ${ID_BYTES} bytes`);
      if (item.seq < 0n || item.seq > U64_MAX) throw invalid(`item ${i}: seq out of u64 range`);
      this.ids.set(item.id, i * ID_BYTES);
      if (i > 0 && compareIds(this.ids, (i - 1) * ID_BYTES, i * ID_BYTES) >= 0)
        throw invalid(`items must be strictly ascending by id (item ${i})`);
      seqs[i] = item.seq;
      // Seq halves without bigint arithmetic when the seq is a safe integer.
      let hi: number;
      let lo: number;
      if (item.seq <= SAFE_SEQ) {
        const v = Number(item.seq);
        hi = Math.floor(v / 0x1_0000_0000);
        lo = v >>> 0;
      } else {
        hi = Number(item.seq >> 32n);
        lo = Number(item.seq & 0xffff_ffffn);
      }
      seqHalves[2 * i] = hi;
      seqHalves[2 * i + 1] = lo;
      itemHashLimbs(this.ids, i * ID_BYTES, hi, lo, limbs, 0);
      let carry = 0;
      for (let l = 0; l < 4; l++) {
        const s = (prefix[4 * i + l] as number) + (limbs[l] as number) + carry;
        prefix[4 * (i + 1) + l] = s >>> 0;
        carry = s > 0xffff_ffff ? 1 : 0;
      }
    }
    this.seqs = seqs;
    this.seqHalves = seqHalves;
    this.prefix = prefix;
  }

  /** Fingerprint of items [i, j): sum of itemHash mod 2^128, 16 bytes BE. */
  fingerprint(i: number, j: number): Uint8Array {
    const out = new Uint8Array(FINGERPRINT_BYTES);
    const p = this.prefix;
    let borrow = 0;
    for (let l = 0; l < 4; l++) {
      let d = (p[4 * j + l] as number) - (p[4 * i + l] as number) - borrow;
      borrow = d < 0 ? 1 : 0;
      if (d < 0) d += 0x1_0000_0000;
      const o = 12 - 4 * l;
      out[o] = d >>> 24;
      out[o + 1] = d >>> 16;
      out[o + 2] = d >>> 8;
      out[o + 3] = d;
    }
    return out;
  }

  /**
   * Item i's hash h(id, seq) (§6.1) as four 32-bit limbs, least significant
   * first, written to out[0..4): the difference of neighbouring prefix sums.
   */
  hashLimbs(i: number, out: Uint32Array): void {
    const p = this.prefix;
    let borrow = 0;
    for (let l = 0; l < 4; l++) {
      let d = (p[4 * (i + 1) + l] as number) - (p[4 * i + l] as number) - borrow;
      borrow = d < 0 ? 1 : 0;
      if (d < 0) d += 0x1_0000_0000;
      out[l] = d;
    }
  }

  /** The first index in [from, size) whose id is >= bound (zero-padded). */
  lowerBound(bound: Uint8Array, from: number): number {
    let lo = from;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIdToBound(this.ids, mid * ID_BYTES, bound) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of `id` in [from, to), or -1. */
  indexOf(id: Uint8Array, from: number, to: number): number {
    const k = this.lowerBound(id, from);
    return k < to && compareIdToBound(this.ids, k * ID_BYTES, id) === 0 ? k : -1;
  }

  /** A copy of item i's id. */
  idAt(i: number): Uint8Array {
    return this.ids.slice(i * ID_BYTES, (i + 1) * ID_BYTES);
  }

  seqAt(i: number): bigint {
    return this.seqs[i] as bigint;
  }
}

const built = new WeakMap<readonly ReconcileItem[], ReconcileSet>();

/**
 * The set of `items`, indexed once per array: the store returns the same
 * frozen array while the stream is unchanged (ReplicaStore.reconcileItems),
 * so later rounds and sessions (either role) reuse its fingerprints and
 * coded-symbol cache.
 */
export function reconcileSetOf(items: readonly ReconcileItem[]): ReconcileSet {
  let set = built.get(items);
  if (set === undefined) {
    set = new ReconcileSet(items);
    built.set(items, set);
  }
  return set;
}

function compareIds(flat: Uint8Array, a: number, b: number): number {
  for (let k = 0; k < ID_BYTES; k++) {
    const d = (flat[a + k] as number) - (flat[b + k] as number);
    if (d !== 0) return d;
  }
  return 0;
}

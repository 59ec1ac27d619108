// Per-set cache of what coded symbols need from each item (PROTOCOL.md
// §7.9.1-3): its 8 symbol words, PRNG seed and estimator slice, and the
// coded symbols of the whole set from index 0 with each item's mapping
// state at the end of them. The responder is stateless per request, but
// its item set is cached while the stream is unchanged (sync-service), so
// a continuation window costs O(items touched by its indices) plus one
// pass over the states, not a walk of every item from index 0.
import { ID_BYTES, invalid } from "../bounds.js";
import type { ReconcileSet } from "../item-set.js";
import { type Mapping, nextIndex } from "./mapping.js";
import { SYMBOL_WORDS, Symbols } from "./symbols.js";

/** The whole-set table holds at most this many symbols beyond the item count. */
const TABLE_SLACK = 1024;

const caches = new WeakMap<ReconcileSet, ItemCodes>();

/** The cache of `set`, built on first use (O(n)). */
export function itemCodes(set: ReconcileSet): ItemCodes {
  let codes = caches.get(set);
  if (codes === undefined) {
    codes = new ItemCodes(set);
    caches.set(set, codes);
  }
  return codes;
}

/** Coded symbols [start, end) of own items [i, j) of `set`. */
export function encodeSymbols(
  set: ReconcileSet,
  i: number,
  j: number,
  start: number,
  end: number,
): Symbols {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end))
    throw invalid(`bad symbol window [${start}, ${end})`);
  return itemCodes(set).encode(i, j, start, end);
}

export class ItemCodes {
  readonly size: number;
  /** words[8k .. 8k+8): item k as id (4), seq (hi, lo), checksum (hi, lo). */
  readonly words: Uint32Array;
  /** seeds[2k], seeds[2k+1]: item k's PRNG seed (h[8..16) of the §6.1 hash). */
  readonly seeds: Uint32Array;
  private whole: WholeTable | undefined;

  constructor(set: ReconcileSet) {
    const n = set.size;
    this.size = n;
    this.words = new Uint32Array(n * SYMBOL_WORDS);
    this.seeds = new Uint32Array(2 * n);
    const ids = set.ids;
    const limbs = new Uint32Array(4);
    for (let k = 0; k < n; k++) {
      const o = k * SYMBOL_WORDS;
      for (let x = 0; x < 4; x++) {
        const p = k * ID_BYTES + 4 * x;
        this.words[o + x] =
          (((ids[p] as number) << 24) |
            ((ids[p + 1] as number) << 16) |
            ((ids[p + 2] as number) << 8) |
            (ids[p + 3] as number)) >>>
          0;
      }
      this.words[o + 4] = set.seqHalves[2 * k] as number;
      this.words[o + 5] = set.seqHalves[2 * k + 1] as number;
      set.hashLimbs(k, limbs);
      this.words[o + 6] = limbs[3] as number;
      this.words[o + 7] = limbs[2] as number;
      this.seeds[2 * k] = limbs[1] as number;
      this.seeds[2 * k + 1] = limbs[0] as number;
    }
  }

  /** Coded symbols [start, end) of items [i, j). */
  encode(i: number, j: number, start: number, end: number): Symbols {
    // The table is bounded (a peer may ask for any window below 2^32).
    if (i === 0 && j === this.size && end <= this.size + TABLE_SLACK) {
      this.whole ??= new WholeTable(this);
      return this.whole.window(start, end);
    }
    return this.walk(i, j, start, end);
  }

  /** Items [i, j) walked from index 0: O((j - i) · log end). */
  walk(i: number, j: number, start: number, end: number): Symbols {
    const out = new Symbols(start, end - start);
    const m: Mapping = { hi: 0, lo: 0, index: 0 };
    for (let k = i; k < j; k++) {
      m.hi = this.seeds[2 * k] as number;
      m.lo = this.seeds[2 * k + 1] as number;
      m.index = 0;
      while (m.index < start) nextIndex(m);
      while (m.index < end) {
        xorItem(out.words, (m.index - start) * SYMBOL_WORDS, this.words, k * SYMBOL_WORDS);
        out.counts[m.index - start] = (out.counts[m.index - start] as number) + 1;
        nextIndex(m);
      }
    }
    return out;
  }
}

/**
 * Symbols [0, filled) of the whole set, grown on demand, and each item's
 * PRNG state at its first index >= filled.
 */
class WholeTable {
  private filled = 0;
  private counts = new Float64Array(0);
  private sums = new Uint32Array(0);
  private readonly stateHi: Uint32Array;
  private readonly stateLo: Uint32Array;
  private readonly stateIndex: Float64Array;

  constructor(private readonly codes: ItemCodes) {
    const n = codes.size;
    this.stateHi = new Uint32Array(n);
    this.stateLo = new Uint32Array(n);
    this.stateIndex = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      this.stateHi[k] = codes.seeds[2 * k] as number;
      this.stateLo[k] = codes.seeds[2 * k + 1] as number;
    }
  }

  window(start: number, end: number): Symbols {
    if (end > this.filled) this.grow(end);
    const out = new Symbols(start, end - start);
    out.counts.set(this.counts.subarray(start, end));
    out.words.set(this.sums.subarray(start * SYMBOL_WORDS, end * SYMBOL_WORDS));
    return out;
  }

  /** Adds every item's indices in [filled, end): one pass over the states. */
  private grow(end: number): void {
    if (end > this.counts.length) {
      const cap = Math.min(Math.max(end, 2 * this.counts.length), this.codes.size + TABLE_SLACK);
      const counts = new Float64Array(cap);
      counts.set(this.counts.subarray(0, this.filled));
      const sums = new Uint32Array(cap * SYMBOL_WORDS);
      sums.set(this.sums.subarray(0, this.filled * SYMBOL_WORDS));
      this.counts = counts;
      this.sums = sums;
    }
    const { words } = this.codes;
    const m: Mapping = { hi: 0, lo: 0, index: 0 };
    for (let k = 0; k < this.codes.size; k++) {
      if ((this.stateIndex[k] as number) >= end) continue;
      m.hi = this.stateHi[k] as number;
      m.lo = this.stateLo[k] as number;
      m.index = this.stateIndex[k] as number;
      while (m.index < end) {
        xorItem(this.sums, m.index * SYMBOL_WORDS, words, k * SYMBOL_WORDS);
        this.counts[m.index] = (this.counts[m.index] as number) + 1;
        nextIndex(m);
      }
      this.stateHi[k] = m.hi;
      this.stateLo[k] = m.lo;
      this.stateIndex[k] = m.index;
    }
    this.filled = end;
  }
}

function xorItem(dst: Uint32Array, d: number, src: Uint32Array, s: number): void {
  for (let x = 0; x < SYMBOL_WORDS; x++)
    dst[d + x] = ((dst[d + x] as number) ^ (src[s + x] as number)) >>> 0;
}

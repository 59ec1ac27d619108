// Coded symbols of Rateless IBLT over reconcile items (PROTOCOL.md §7.9):
// the item is id (16 bytes) || seq (8 bytes, big-endian); a symbol holds
// the count of items mapped to it, the XOR of their 24-byte items and the
// XOR of their 8-byte checksums. Words are u32, big-endian within the item.
import { ID_BYTES, invalid } from "../bounds.js";
import type { ReconcileSet } from "../item-set.js";

/** u32 words per symbol: id (4), seq (hi, lo), checksum (hi, lo). */
export const SYMBOL_WORDS = 8;
/** Bytes of a symbol in `sums`: 16-byte id XOR + 8-byte checksum XOR (the seq XOR is a varint). */
export const SYMBOL_SUM_BYTES = 24;

/** Symbols [start, start + size) of one side, or a difference of two sides. */
export class Symbols {
  readonly counts: Float64Array;
  readonly words: Uint32Array;
  constructor(
    readonly start: number,
    readonly size: number,
  ) {
    this.counts = new Float64Array(size);
    this.words = new Uint32Array(size * SYMBOL_WORDS);
  }

  /** XORs one item's 8 words into symbol `k` (relative) and adds `sign` to its count. */
  add(k: number, item: Uint32Array, sign: number): void {
    const w = this.words;
    const o = k * SYMBOL_WORDS;
    for (let x = 0; x < SYMBOL_WORDS; x++)
      w[o + x] = ((w[o + x] as number) ^ (item[x] as number)) >>> 0;
    this.counts[k] = (this.counts[k] as number) + sign;
  }

  /** True when symbol k (relative) has count 0 and all-zero sums. */
  isZero(k: number): boolean {
    if (this.counts[k] !== 0) return false;
    const o = k * SYMBOL_WORDS;
    for (let x = 0; x < SYMBOL_WORDS; x++) if (this.words[o + x] !== 0) return false;
    return true;
  }
}

const limbs = new Uint32Array(4);
const SAFE_SEQ = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Item k of `set` as 8 words (id, seq, checksum) into `out`, returning its
 * PRNG seed: checksum = h[0..8), seed = h[8..16) of the §6.1 item hash.
 */
export function itemWords(set: ReconcileSet, k: number, out: Uint32Array): [number, number] {
  const ids = set.ids;
  for (let x = 0; x < 4; x++) {
    const p = k * ID_BYTES + 4 * x;
    out[x] =
      (((ids[p] as number) << 24) |
        ((ids[p + 1] as number) << 16) |
        ((ids[p + 2] as number) << 8) |
        (ids[p + 3] as number)) >>>
      0;
  }
  const seq = set.seqAt(k);
  if (seq <= SAFE_SEQ) {
    // Seq halves without bigint arithmetic when the seq is a safe integer.
    const v = Number(seq);
    out[4] = Math.floor(v / 0x1_0000_0000);
    out[5] = v >>> 0;
  } else {
    out[4] = Number(seq >> 32n) >>> 0;
    out[5] = Number(seq & 0xffff_ffffn) >>> 0;
  }
  set.hashLimbs(k, limbs);
  out[6] = limbs[3] as number;
  out[7] = limbs[2] as number;
  return [limbs[1] as number, limbs[0] as number];
}

export type SymbolsWire = { counts: bigint[]; sums: Uint8Array; seqSums: bigint[] };

/** Symbols as wire fields: counts, 24 bytes of id and checksum sums, seq sums. */
export function symbolsToWire(s: Symbols): SymbolsWire {
  const sums = new Uint8Array(s.size * SYMBOL_SUM_BYTES);
  const view = new DataView(sums.buffer);
  const seqSums: bigint[] = new Array(s.size);
  for (let k = 0; k < s.size; k++) {
    const w = k * SYMBOL_WORDS;
    const o = k * SYMBOL_SUM_BYTES;
    for (let x = 0; x < 4; x++) view.setUint32(o + 4 * x, s.words[w + x] as number);
    view.setUint32(o + 16, s.words[w + 6] as number);
    view.setUint32(o + 20, s.words[w + 7] as number);
    seqSums[k] = (BigInt(s.words[w + 4] as number) << 32n) | BigInt(s.words[w + 5] as number);
  }
  return { counts: Array.from(s.counts, (c) => BigInt(c)), sums, seqSums };
}

/** Wire fields back to symbols; throws Invalid on inconsistent sizes. */
export function symbolsFromWire(start: number, wire: SymbolsWire): Symbols {
  const n = wire.counts.length;
  if (wire.sums.length !== n * SYMBOL_SUM_BYTES || wire.seqSums.length !== n)
    throw invalid(
      `coded symbols: ${n} counts need ${n * SYMBOL_SUM_BYTES} sum bytes and ${n} seq sums, got ${wire.sums.length} and ${wire.seqSums.length}`,
    );
  const s = new Symbols(start, n);
  const sums = wire.sums;
  const view = new DataView(sums.buffer, sums.byteOffset, sums.byteLength);
  for (let k = 0; k < n; k++) {
    const w = k * SYMBOL_WORDS;
    const o = k * SYMBOL_SUM_BYTES;
    for (let x = 0; x < 4; x++) s.words[w + x] = view.getUint32(o + 4 * x);
    const seq = wire.seqSums[k] as bigint;
    s.words[w + 4] = Number(seq >> 32n) >>> 0;
    s.words[w + 5] = Number(seq & 0xffff_ffffn) >>> 0;
    s.words[w + 6] = view.getUint32(o + 16);
    s.words[w + 7] = view.getUint32(o + 20);
    const c = wire.counts[k] as bigint;
    if (c > 0xffff_ffffn) throw invalid(`coded symbol ${start + k}: count ${c} too large`);
    s.counts[k] = Number(c);
  }
  return s;
}

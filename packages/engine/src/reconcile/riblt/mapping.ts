// The index mapping of Rateless IBLT (Yang, Gilad, Alizadeh, SIGCOMM 2024):
// every item maps to coded symbol 0 and then to a sparser and sparser
// pseudo-random sequence of indices, so a prefix of any length is a good
// IBLT. PROTOCOL.md §7.9.2 pins the arithmetic so other languages agree:
// a 64-bit multiplicative PRNG and IEEE-754 double steps.

/** Multiplier of the PRNG (the paper's reference implementation). */
const MUL_HI = 0xda942042;
const MUL_LO = 0xe4dd58b5;
const MUL_LO_0 = MUL_LO & 0xffff;
const MUL_LO_1 = MUL_LO >>> 16;
const TWO_32 = 4_294_967_296;
/** Indices at or above this are never produced (the item stops mapping). */
export const MAX_SYMBOL_INDEX = TWO_32;

/**
 * One item's position in its index sequence. `hi`/`lo` are the PRNG state
 * (u64 as two u32 halves); `index` is the last index produced.
 */
export type Mapping = { hi: number; lo: number; index: number };

/** The mapping of an item whose 64-bit seed is (hi, lo): at index 0. */
export function startMapping(seedHi: number, seedLo: number): Mapping {
  return { hi: seedHi >>> 0, lo: seedLo >>> 0, index: 0 };
}

/**
 * Advances to the next index: r = state * MUL mod 2^64; state = r;
 * index += ceil((index + 1.5) * (2^32 / sqrt(double(r) + 1) - 1)).
 * Sets index to MAX_SYMBOL_INDEX when it would reach or pass it.
 */
export function nextIndex(m: Mapping): void {
  mul64(m);
  const r = m.hi * TWO_32 + m.lo;
  const step = Math.ceil((m.index + 1.5) * (TWO_32 / Math.sqrt(r + 1) - 1));
  const next = m.index + step;
  m.index = next >= MAX_SYMBOL_INDEX || !(step >= 0) ? MAX_SYMBOL_INDEX : next;
}

/**
 * state = state * MUL mod 2^64: the low halves' full 64-bit product from
 * 16-bit limbs (every partial product exact in a double), the high half
 * mod 2^32 with Math.imul.
 */
function mul64(m: Mapping): void {
  const lo = m.lo;
  const a0 = lo & 0xffff;
  const a1 = lo >>> 16;
  const mid = a0 * MUL_LO_1 + a1 * MUL_LO_0;
  const low = a0 * MUL_LO_0 + (mid & 0xffff) * 0x10000;
  const carry = low >= TWO_32 ? 1 : 0;
  const high = a1 * MUL_LO_1 + Math.floor(mid / 0x10000) + carry;
  m.hi = (Math.imul(m.hi, MUL_LO) + Math.imul(lo, MUL_HI) + high) >>> 0;
  m.lo = low >>> 0;
}

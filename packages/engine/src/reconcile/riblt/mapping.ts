// The index mapping of Rateless IBLT (Yang, Gilad, Alizadeh, SIGCOMM 2024):
// every item maps to coded symbol 0 and then to a sparser and sparser
// pseudo-random sequence of indices, so a prefix of any length is a good
// IBLT. PROTOCOL.md §7.9.2 pins the arithmetic so other languages agree:
// a 64-bit multiplicative PRNG and IEEE-754 double steps.

/** Multiplier of the PRNG (the paper's reference implementation). */
const MUL_HI = 0xda942042;
const MUL_LO = 0xe4dd58b5;
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

/** state = state * MUL mod 2^64, in 16-bit limbs so every product is exact. */
function mul64(m: Mapping): void {
  const a0 = m.lo & 0xffff;
  const a1 = m.lo >>> 16;
  const a2 = m.hi & 0xffff;
  const a3 = m.hi >>> 16;
  const c0 = MUL_LO & 0xffff;
  const c1 = MUL_LO >>> 16;
  const c2 = MUL_HI & 0xffff;
  const c3 = MUL_HI >>> 16;
  let t = a0 * c0;
  const r0 = t % 0x10000;
  t = Math.floor(t / 0x10000) + a0 * c1 + a1 * c0;
  const r1 = t % 0x10000;
  t = Math.floor(t / 0x10000) + a0 * c2 + a1 * c1 + a2 * c0;
  const r2 = t % 0x10000;
  t = Math.floor(t / 0x10000) + a0 * c3 + a1 * c2 + a2 * c1 + a3 * c0;
  const r3 = t % 0x10000;
  m.lo = (r1 * 0x10000 + r0) >>> 0;
  m.hi = (r3 * 0x10000 + r2) >>> 0;
}

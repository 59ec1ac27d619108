// An independent model of PROTOCOL.md §7.9.2–§7.9.3, written from the text
// alone: item hashes, the index mapping, coded symbols and the probes. The
// simulator judges a peer's wire against it, never against the engine's
// own riblt code (both ends of a simulated exchange run that code, so a
// slip in it would agree with itself).
import { createHash } from "node:crypto";
import { ID_BYTES, RIBLT_PROBE_BYTES } from "@tidemark/protocol";

/** One item of a range: its 16-byte id and its seq (§7.9.2). */
export type SpecItem = { readonly id: Uint8Array; readonly seq: bigint };

/** One coded symbol: count, id XOR, checksum XOR and seq XOR (§7.9.2). */
export type SpecSymbol = { count: number; ids: Uint8Array; checksum: bigint; seq: bigint };

const U64 = (1n << 64n) - 1n;
/** The multiplier of the index mapping's state (§7.9.2). */
const MULTIPLIER = 0xda942042e4dd58b5n;
/** Indices stop at 2^32 (MAX_CODED_SYMBOL_INDEX). */
const INDEX_END = 2 ** 32;
/** Slices stop past 19 leading zero bits of the checksum (§7.9.3). */
const MAX_LEADING_ZEROS = 19;

/** h(id, seq): the first 16 bytes of SHA-256(id ‖ seq as u64 big-endian) (§6.1). */
export function specHash(item: SpecItem): Uint8Array {
  const seq = Buffer.alloc(8);
  seq.writeBigUInt64BE(item.seq);
  const digest = createHash("sha256").update(item.id).update(seq).digest();
  return new Uint8Array(digest.subarray(0, 16));
}

const u64At = (h: Uint8Array, at: number) => Buffer.from(h).readBigUInt64BE(at);

/** The item's checksum (h[0..8)) and seed (h[8..16)), big-endian u64s. */
export function checksumAndSeed(item: SpecItem): { checksum: bigint; seed: bigint } {
  const h = specHash(item);
  return { checksum: u64At(h, 0), seed: u64At(h, 8) };
}

/** The indices an item with `seed` maps to, ascending, below `end` (symbol 0 first). */
export function* specIndices(seed: bigint, end: number): Generator<number> {
  let state = seed;
  let index = 0;
  while (index < end && index < INDEX_END) {
    yield index;
    state = (state * MULTIPLIER) & U64;
    // Number(bigint) rounds to nearest, ties to even: double(state) of the text.
    index += Math.ceil((index + 1.5) * (2 ** 32 / Math.sqrt(Number(state) + 1) - 1));
  }
}

export const emptySymbol = (): SpecSymbol => ({
  count: 0,
  ids: new Uint8Array(ID_BYTES),
  checksum: 0n,
  seq: 0n,
});

/** Adds (sign +1) or removes (sign −1) one item in `s`: XORs are their own inverse. */
export function toggle(s: SpecSymbol, item: SpecItem, checksum: bigint, sign: 1 | -1): void {
  s.count += sign;
  for (let k = 0; k < ID_BYTES; k++) s.ids[k] = (s.ids[k] as number) ^ (item.id[k] as number);
  s.checksum ^= checksum;
  s.seq ^= item.seq;
}

/** Symbols start … start + n − 1 of `items` (RC-24). */
export function specSymbols(items: readonly SpecItem[], start: number, n: number): SpecSymbol[] {
  const out = Array.from({ length: n }, emptySymbol);
  for (const item of items) {
    const { checksum, seed } = checksumAndSeed(item);
    for (const i of specIndices(seed, start + n))
      if (i >= start) toggle(out[i - start] as SpecSymbol, item, checksum, 1);
  }
  return out;
}

/** The item's probe slice (§7.9.3), or undefined when its checksum has too many leading zeros. */
export function specSlice(checksum: bigint): number | undefined {
  if (checksum === 0n) return undefined;
  const leading = 64 - checksum.toString(2).length;
  if (leading > MAX_LEADING_ZEROS) return undefined;
  const top = 63 - leading;
  return 16 * leading + Number((checksum >> BigInt(top - 4)) & 0xfn);
}

/** The RIBLT_PROBE_BYTES probe bytes of `items`: per slice, the sum of h's last bytes mod 256. */
export function specProbes(items: readonly SpecItem[]): Uint8Array {
  const out = new Uint8Array(RIBLT_PROBE_BYTES);
  for (const item of items) {
    const h = specHash(item);
    const slice = specSlice(u64At(h, 0));
    if (slice !== undefined) out[slice] = ((out[slice] as number) + (h[15] as number)) & 0xff;
  }
  return out;
}

/** The symbol as it sits on the wire (counts[k], sums[24k..24k+24), seq_sums[k]), as hex text. */
export function symbolText(s: SpecSymbol): string {
  const sum = Buffer.alloc(8);
  sum.writeBigUInt64BE(s.checksum);
  return `${s.count} ${Buffer.from(s.ids).toString("hex")} ${sum.toString("hex")} ${s.seq}`;
}

// itemHash specialised for ReconcileSet's bulk indexing: the input
// id (16) || seq (8 BE) is always 24 bytes, so SHA-256 is one block whose
// padding words are constants, and the result is written as the four
// 32-bit limbs the prefix sums need. Equal to fingerprint/itemHash by
// construction and by property test (item-hash.test.ts).

import { compressWords, SHA256_IV } from "@tidemark/protocol/sha256";

const W = new Int32Array(64);
const H = new Int32Array(8);

/**
 * Writes limbs of itemHash(id, seq) — the first 16 bytes of
 * SHA-256(id || seq u64 BE) as a 128-bit integer — into out[at..at+4),
 * least significant limb first. `ids[off..off+16)` is the id; the seq is
 * given as its high and low 32-bit halves.
 */
export function itemHashLimbs(
  ids: Uint8Array,
  off: number,
  seqHi: number,
  seqLo: number,
  out: Uint32Array,
  at: number,
): void {
  for (let i = 0; i < 4; i++) {
    const p = off + 4 * i;
    W[i] =
      ((ids[p] as number) << 24) |
      ((ids[p + 1] as number) << 16) |
      ((ids[p + 2] as number) << 8) |
      (ids[p + 3] as number);
  }
  W[4] = seqHi | 0;
  W[5] = seqLo | 0;
  W[6] = 0x80000000 | 0;
  for (let i = 7; i < 15; i++) W[i] = 0;
  W[15] = 24 * 8;
  H.set(SHA256_IV);
  compressWords(W, H);
  // The first 16 bytes are H0..H3 (big-endian): H3 is the low limb.
  out[at] = (H[3] as number) >>> 0;
  out[at + 1] = (H[2] as number) >>> 0;
  out[at + 2] = (H[1] as number) >>> 0;
  out[at + 3] = (H[0] as number) >>> 0;
}

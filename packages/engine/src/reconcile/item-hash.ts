// itemHash specialised for ReconcileSet's bulk indexing: the input
// id (16) || seq (8 BE) is always 24 bytes, so SHA-256 is one block whose
// padding words are constants, and the result is written as the four
// 32-bit limbs the prefix sums need. Equal to fingerprint/itemHash by
// construction and by property test (item-hash.test.ts).

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const W = new Int32Array(64);

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
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15] as number;
    const w2 = W[i - 2] as number;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = ((W[i - 16] as number) + s0 + (W[i - 7] as number) + s1) | 0;
  }
  let a = 0x6a09e667 | 0;
  let b = 0xbb67ae85 | 0;
  let c = 0x3c6ef372 | 0;
  let d = 0xa54ff53a | 0;
  let e = 0x510e527f | 0;
  let f = 0x9b05688c | 0;
  let g = 0x1f83d9ab | 0;
  let h = 0x5be0cd19 | 0;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + (K[i] as number) + (W[i] as number)) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  // The first 16 bytes are H0..H3 (big-endian): H3 is the low limb.
  out[at] = (d + (0xa54ff53a | 0)) >>> 0;
  out[at + 1] = (c + (0x3c6ef372 | 0)) >>> 0;
  out[at + 2] = (b + (0xbb67ae85 | 0)) >>> 0;
  out[at + 3] = (a + (0x6a09e667 | 0)) >>> 0;
}

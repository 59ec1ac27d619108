// Pure-JS SHA-256 (FIPS 180-4): the protocol and the sans-IO engine run
// without node:crypto; this runs once per row on bulk apply, so it avoids
// allocations in the compression loop and works on 32-bit ints throughout.

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

const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

// Scratch state reused across calls: hashing is synchronous, never re-entrant.
const W = new Int32Array(64);
const H = new Int32Array(8);
const TAIL = new Uint8Array(128);

/** Compresses `blocks` 64-byte blocks of `buf` starting at `off` into H. */
function compress(buf: Uint8Array, off: number, blocks: number): void {
  for (let b = 0; b < blocks; b++) {
    let p = off + b * 64;
    for (let i = 0; i < 16; i++, p += 4) {
      W[i] =
        ((buf[p] as number) << 24) |
        ((buf[p + 1] as number) << 16) |
        ((buf[p + 2] as number) << 8) |
        (buf[p + 3] as number);
    }
    compressWords(W, H);
  }
}

/** SHA-256's initial hash state (FIPS 180-4 §5.3.3), read-only. */
export const SHA256_IV: Readonly<Int32Array> = IV;

/**
 * One SHA-256 compression: `w[0..16)` holds the block as big-endian words
 * (w[16..64) is scratch for the message schedule); `state` (8 words) is
 * updated in place. Shared with the reconcile indexer's one-block hash.
 */
export function compressWords(w: Int32Array, state: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const w15 = w[i - 15] as number;
    const w2 = w[i - 2] as number;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) | 0;
  }
  let a = state[0] as number;
  let bb = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  let e = state[4] as number;
  let f = state[5] as number;
  let g = state[6] as number;
  let h = state[7] as number;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + (K[i] as number) + (w[i] as number)) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & bb) ^ (a & c) ^ (bb & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = bb;
    bb = a;
    a = (t1 + t2) | 0;
  }
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + bb) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
  state[4] = ((state[4] as number) + e) | 0;
  state[5] = ((state[5] as number) + f) | 0;
  state[6] = ((state[6] as number) + g) | 0;
  state[7] = ((state[7] as number) + h) | 0;
}

/** SHA-256 of `data`, 32 bytes. Pure JS, synchronous, any length. */
export function sha256(data: Uint8Array): Uint8Array {
  return sha256Prefix(data, 32);
}

/**
 * The first `outLen` (<= 32) bytes of SHA-256(data). Internal: itemHash
 * needs 16 bytes and skips building the other half.
 */
export function sha256Prefix(data: Uint8Array, outLen: number): Uint8Array {
  H.set(IV);
  const full = data.length >>> 6;
  compress(data, 0, full);
  // Tail: remaining bytes, 0x80, zeros, then the bit length (64-bit BE).
  const rest = data.length - full * 64;
  const tailBlocks = rest + 9 <= 64 ? 1 : 2;
  const tail = TAIL;
  tail.fill(0);
  tail.set(data.subarray(full * 64));
  tail[rest] = 0x80;
  const bitLen = data.length * 8;
  const end = tailBlocks * 64;
  // Lengths up to 2^53 bits: the high word from a float division.
  const hi = Math.floor(bitLen / 0x100000000);
  const lo = bitLen >>> 0;
  tail[end - 8] = hi >>> 24;
  tail[end - 7] = hi >>> 16;
  tail[end - 6] = hi >>> 8;
  tail[end - 5] = hi;
  tail[end - 4] = lo >>> 24;
  tail[end - 3] = lo >>> 16;
  tail[end - 2] = lo >>> 8;
  tail[end - 1] = lo;
  compress(tail, 0, tailBlocks);
  const out = new Uint8Array(outLen);
  for (let i = 0; i < outLen; i++) {
    out[i] = ((H[i >>> 2] as number) >>> (24 - 8 * (i & 3))) & 0xff;
  }
  return out;
}

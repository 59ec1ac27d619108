// A small context-mixing coder for tiny blocks (docs/tdlz-format.md, kind
// Modeled). Below a few KB brotli and zstd spend more on describing their
// codes than they save; a bitwise model that learns as it goes has no such
// cost. Each bit is predicted from orders 0-4 and the current word, the
// predictions are mixed by a learned logistic mixer and coded by a binary
// arithmetic coder (after lpaq1, Mahoney 2007). Integer arithmetic only: the
// decoder must predict exactly what the encoder did on any engine.

// p = 4096 / (1 + e^-(d/256)), interpolated; d in [-2047, 2047].
const SQUASH_KNOTS = [
  1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546, 2047, 2549, 2994, 3348, 3607,
  3785, 3901, 3975, 4022, 4050, 4068, 4079, 4085, 4089, 4092, 4093, 4094,
];

function squash(d: number): number {
  if (d > 2047) return 4095;
  if (d < -2047) return 1;
  const w = d & 127;
  const i = (d >> 7) + 16;
  return ((SQUASH_KNOTS[i] as number) * (128 - w) + (SQUASH_KNOTS[i + 1] as number) * w + 64) >> 7;
}

// The inverse of squash, by table.
const STRETCH = new Int16Array(4096);
{
  let pi = 0;
  for (let x = -2047; x <= 2047; x++) {
    const v = squash(x);
    for (let j = pi; j <= v; j++) STRETCH[j] = x;
    pi = v + 1;
  }
  for (let j = pi; j < 4096; j++) STRETCH[j] = 2047;
}

const TABLE_BITS = 18;
const TABLE_MASK = (1 << TABLE_BITS) - 1;
// Inputs: orders 1-4 and the word hashed, order 0 direct, and a bias.
const HASHED = 5;
const INPUTS = HASHED + 2;
const COUNT_LIMIT = 60;
// 65536 / (n + 1.5): the adaptation rate of a context seen n times.
const RATE = Int32Array.from({ length: COUNT_LIMIT + 1 }, (_, n) => Math.floor(65536 / (n + 1.5)));
const MIXER_RATE = 2;
const MIXER_SETS = 256;

/** The shared model: encoder and decoder drive it bit by bit in the same order. */
class Model {
  private readonly probs = new Uint16Array(HASHED << TABLE_BITS).fill(32768);
  private readonly counts = new Uint8Array(HASHED << TABLE_BITS);
  private readonly order0 = new Uint16Array(256).fill(32768);
  private readonly order0Counts = new Uint8Array(256);
  private readonly weights = new Int32Array(MIXER_SETS * INPUTS).fill(Math.floor(65536 / 4));
  private readonly base = new Int32Array(HASHED);
  private readonly slot = new Int32Array(HASHED);
  private readonly st = new Int32Array(INPUTS);
  private c0 = 1;
  private history = 0;
  private c4 = 0;
  private word = 0;
  private pr = 2048;
  private wbase = 0;

  constructor() {
    this.setContexts();
  }

  /** P(next bit = 1), 12 bits. */
  predict(): number {
    const c0 = this.c0;
    for (let i = 0; i < HASHED; i++) {
      const s = (this.base[i] as number) + Math.imul(c0, 0x2f0b4c13);
      const idx = (i << TABLE_BITS) | ((s ^ (s >>> 15)) & TABLE_MASK);
      this.slot[i] = idx;
      this.st[i] = STRETCH[(this.probs[idx] as number) >>> 4] as number;
    }
    this.st[HASHED] = STRETCH[(this.order0[c0] as number) >>> 4] as number;
    this.st[HASHED + 1] = 256;
    this.wbase = (this.history & 0xff) * INPUTS;
    let dot = 0;
    for (let i = 0; i < INPUTS; i++)
      dot += (this.st[i] as number) * (this.weights[this.wbase + i] as number);
    let p = squash(Math.floor(dot / 65536));
    if (p < 1) p = 1;
    else if (p > 4095) p = 4095;
    this.pr = p;
    return p;
  }

  /** Learns the bit just coded. */
  update(bit: number): void {
    const err = ((bit << 12) - this.pr) * MIXER_RATE;
    for (let i = 0; i < INPUTS; i++) {
      const k = this.wbase + i;
      this.weights[k] =
        (this.weights[k] as number) + Math.floor(((this.st[i] as number) * err) / 1024);
    }
    for (let i = 0; i < HASHED; i++) {
      const idx = this.slot[i] as number;
      const n = this.counts[idx] as number;
      const p = this.probs[idx] as number;
      this.probs[idx] = p + Math.floor((((bit ? 65535 : 0) - p) * (RATE[n] as number)) / 65536);
      if (n < COUNT_LIMIT) this.counts[idx] = n + 1;
    }
    const c0 = this.c0;
    const n0 = this.order0Counts[c0] as number;
    const p0 = this.order0[c0] as number;
    this.order0[c0] = p0 + Math.floor((((bit ? 65535 : 0) - p0) * (RATE[n0] as number)) / 65536);
    if (n0 < COUNT_LIMIT) this.order0Counts[c0] = n0 + 1;
    this.c0 = (c0 << 1) | bit;
    if (this.c0 >= 256) {
      const c = this.c0 & 0xff;
      this.c0 = 1;
      this.c4 = ((this.c4 << 8) | c) >>> 0;
      this.history = c;
      const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c >= 128;
      this.word = letter ? Math.imul(this.word ^ c, 0x01000193) : 0;
      this.setContexts();
    }
  }

  private setContexts(): void {
    const c4 = this.c4;
    this.base[0] = Math.imul((c4 & 0xff) + 0x100, 0x9e3779b1);
    this.base[1] = Math.imul((c4 & 0xffff) + 0x20000, 0x85ebca6b);
    this.base[2] = Math.imul((c4 & 0xffffff) + 0x3000000, 0xc2b2ae35);
    this.base[3] = Math.imul(c4 ^ 0x7feb352d, 0x27d4eb2f) ^ 0x4000000;
    this.base[4] = Math.imul(this.word + 0x5000000, 0x165667b1);
  }
}

/** Codes `data` with the model; the output omits trailing 0xff bytes (the decoder pads with them). */
export function cmEncode(data: Uint8Array): Uint8Array {
  const m = new Model();
  const out: number[] = [];
  let x1 = 0;
  let x2 = 0xffffffff;
  for (let k = 0; k < data.length; k++) {
    const c = data[k] as number;
    for (let b = 7; b >= 0; b--) {
      const bit = (c >> b) & 1;
      const xmid = x1 + Math.floor((x2 - x1) / 4096) * m.predict();
      if (bit) x2 = xmid;
      else x1 = xmid + 1;
      m.update(bit);
      while ((x1 ^ x2) >>> 24 === 0) {
        out.push(x2 >>> 24);
        x1 = (x1 << 8) >>> 0;
        x2 = ((x2 << 8) | 255) >>> 0;
      }
    }
  }
  // Any value in [x1, x2] decodes the same: x1's top byte padded with 0xff is one.
  if (data.length > 0) out.push(x1 >>> 24);
  while (out.length > 0 && out[out.length - 1] === 0xff) out.pop();
  return Uint8Array.from(out);
}

/** Decodes `length` bytes from `coded` (reads past its end as 0xff). */
export function cmDecode(coded: Uint8Array, length: number): Uint8Array {
  const m = new Model();
  const out = new Uint8Array(length);
  let pos = 0;
  const next = (): number => (pos < coded.length ? (coded[pos++] as number) : 0xff);
  let x1 = 0;
  let x2 = 0xffffffff;
  let x = 0;
  for (let i = 0; i < 4; i++) x = ((x << 8) | next()) >>> 0;
  for (let k = 0; k < length; k++) {
    let c = 0;
    for (let b = 0; b < 8; b++) {
      const xmid = x1 + Math.floor((x2 - x1) / 4096) * m.predict();
      const bit = x <= xmid ? 1 : 0;
      if (bit) x2 = xmid;
      else x1 = xmid + 1;
      m.update(bit);
      c = (c << 1) | bit;
      while ((x1 ^ x2) >>> 24 === 0) {
        x1 = (x1 << 8) >>> 0;
        x2 = ((x2 << 8) | 255) >>> 0;
        x = ((x << 8) | next()) >>> 0;
      }
    }
    out[k] = c;
  }
  return out;
}

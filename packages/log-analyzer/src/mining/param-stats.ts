// Bounded statistics of one template position: memory stays constant however
// many lines a template has (frequent values by Misra–Gries, distinct count by a
// k-minimum-values sketch, numeric range when every value is a number).

import { ownString } from "./own-string.js";

/** Public snapshot of a position's statistics. */
export interface ParamSummary {
  readonly position: number;
  readonly count: number;
  /** Exact when `distinctExact`, else a KMV estimate. */
  readonly distinct: number;
  readonly distinctExact: boolean;
  /** Frequent values (Misra–Gries counts, sampled 1 in 8 after 4096 values: approximate). */
  readonly top: readonly { readonly value: string; readonly count: number }[];
  readonly numeric: { readonly min: number; readonly max: number; readonly mean: number } | null;
}

const TOP_K = 12;
// A power of two: the sketch search halves it.
const KMV_K = 64;
const MAX_VALUE_CHARS = 200;
const SAMPLE_AFTER = 4096;
const SAMPLE = 8;
/** Texts up to this long may hold a frequent-value key seen once as a range (a copy past it). */
const LAZY_TEXT = 256;
/** An unused slot of the distinct sketch: the largest key, so it sorts after every used one. */
const EMPTY = 0x7fffffff;

// hash32 (unsigned) minus 2^31 of s[start, end), as an int32: the same order
// as the unsigned hash, but a small integer, so V8 never boxes it on its way through.
function hashKey(s: string, start: number, end: number): number {
  // FNV-1a over the first 64 chars and the length, then a murmur finaliser.
  const len = end - start;
  let h = 0x811c9dc5 ^ len;
  const n = start + Math.min(len, 64);
  for (let i = start; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return finishHash(h);
}

// The murmur finaliser of hashKey, as an int32 key.
function finishHash(fnv: number): number {
  let h = fnv;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h ^ 0x80000000) | 0;
}

// s[from, to) equals t[tFrom, tTo).
function rangesEqual(
  s: string,
  from: number,
  to: number,
  t: string,
  tFrom: number,
  tTo: number,
): boolean {
  const n = to - from;
  if (tTo - tFrom !== n) return false;
  for (let i = 0; i < n; i++) if (s.charCodeAt(from + i) !== t.charCodeAt(tFrom + i)) return false;
  return true;
}

/** The unsigned 32-bit hash a key stands for. */
function unsignedHash(key: number): number {
  return (key ^ 0x80000000) >>> 0;
}

/** Statistics of the values seen at one template position. */
export class ParamStats {
  readonly position: number;
  count = 0;
  // Frequent values and their counts, parallel fixed-size arrays, the first
  // `topSize` in use (order is irrelevant: summary sorts). Fixed sizes: the
  // Misra–Gries churn on a high-cardinality position never reallocates them.
  // A key is topKeys[k][topFrom[k], topTo[k]): until it is seen a second
  // time, a range of the short text it came in (most keys on a
  // high-cardinality position are dropped before that, never copied);
  // then an own copy, from 0.
  private readonly topKeys: string[] = new Array<string>(TOP_K).fill("");
  private readonly topFrom = new Int32Array(TOP_K);
  private readonly topTo = new Int32Array(TOP_K);
  private readonly topOwned = new Uint8Array(TOP_K);
  private readonly topCounts = new Float64Array(TOP_K);
  // hash32 of each key: compared first, so most misses cost no string compare.
  private readonly topHashes = new Int32Array(TOP_K);
  private topSize = 0;
  // The KMV_K smallest distinct hash keys, ascending; `minCount` of them so
  // far, the unused slots EMPTY (so a search can always run over all KMV_K).
  private readonly mins = new Int32Array(KMV_K).fill(EMPTY);
  private minCount = 0;
  // The hash key of the last value: the same key again leaves the sketch as it is.
  private lastKey = EMPTY;
  private numMin = Number.POSITIVE_INFINITY;
  private numMax = Number.NEGATIVE_INFINITY;
  private numSum = 0;
  private allNumeric = true;
  private misses = 0;
  private skip = 0;

  constructor(position: number) {
    this.position = position;
  }

  /** Records `value` `times` times. */
  add(value: string, times = 1): void {
    this.addRange(value, 0, value.length, times);
  }

  /**
   * Records the value s[start, end) `times` times, reading it in place: a
   * value cut from its line is never sliced unless it becomes a frequent value.
   */
  addRange(s: string, start: number, end: number, times = 1): void {
    this.count += times;
    const len = end - start;
    const c = len > 0 ? s.charCodeAt(start) : -1;
    let h: number;
    if (this.allNumeric && len <= 15 && c >= 48 && c <= 57)
      h = this.addShortNumber(s, start, end, times);
    else {
      h = hashKey(s, start, end);
      if (this.allNumeric) this.addNumber(s, start, end, c, times);
    }
    // Most values, once the sketch is full, hash above its largest minimum.
    // A repeat of the last key changes nothing: it is in the sketch, or was too large for it.
    if (h !== this.lastKey || this.minCount === 0) {
      this.lastKey = h;
      if (this.minCount < KMV_K || h < (this.mins[KMV_K - 1] as number)) this.addHash(h);
    }
    // Past the first values, frequent-value counting samples 1 in SAMPLE (scaled back up).
    let weight = times;
    if (this.count > SAMPLE_AFTER) {
      this.skip += times;
      if (this.skip < SAMPLE) return;
      weight = this.skip;
      this.skip = 0;
    }
    this.addTop(s, start, end, weight, h);
  }

  /**
   * A value of at most 15 chars starting with a digit, read once for its
   * hash key (returned) and its number. Digits with at most one `.` (sizes,
   * durations) skip the generic string-to-number conversion and stay exact:
   * at most 15 digits form an exact integer and the power of ten is exact,
   * so one correctly rounded division gives the double nearest the decimal,
   * as Number does. Anything else is converted by Number.
   */
  private addShortNumber(s: string, start: number, end: number, times: number): number {
    let h = 0x811c9dc5 ^ (end - start);
    let x = 0;
    let scale = 0;
    let plain = true;
    for (let i = start; i < end; i++) {
      const c = s.charCodeAt(i);
      h = Math.imul(h ^ c, 0x01000193);
      const d = c - 48;
      if (d >= 0 && d <= 9) {
        x = x * 10 + d;
        if (scale > 0) scale *= 10;
      } else if (d === -2 && scale === 0) scale = 1;
      else plain = false;
    }
    this.addValue(plain ? (scale > 1 ? x / scale : x) : Number(s.slice(start, end)), times);
    return finishHash(h);
  }

  // A value that is not a short number starting with a digit; c is its first char (-1: empty).
  private addNumber(s: string, start: number, end: number, c: number, times: number): void {
    const len = end - start;
    const numeric =
      len > 0 && len < 24 && ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46);
    this.addValue(numeric ? Number(s.slice(start, end)) : Number.NaN, times);
  }

  private addValue(x: number, times: number): void {
    if (Number.isFinite(x)) {
      if (x < this.numMin) this.numMin = x;
      if (x > this.numMax) this.numMax = x;
      this.numSum += x * times;
    } else this.allNumeric = false;
  }

  private addTop(s: string, start: number, end: number, times: number, valueHash: number): void {
    const cut = end - start > MAX_VALUE_CHARS ? start + MAX_VALUE_CHARS : end;
    const h = cut === end ? valueHash : hashKey(s, start, cut);
    // At most TOP_K entries: a linear scan beats hashing a fresh string for a Map.
    const keys = this.topKeys;
    const from = this.topFrom;
    const to = this.topTo;
    const counts = this.topCounts;
    const hashes = this.topHashes;
    const size = this.topSize;
    for (let k = 0; k < size; k++) {
      if (
        hashes[k] === h &&
        rangesEqual(s, start, cut, keys[k] as string, from[k] as number, to[k] as number)
      ) {
        counts[k] = (counts[k] as number) + times;
        if (this.topOwned[k] === 0) this.own(k);
        return;
      }
    }
    if (size < TOP_K) {
      keys[size] = s;
      from[size] = start;
      to[size] = cut;
      this.topOwned[size] = 0;
      // A range of a long text would keep all of it alive: copy it now.
      if (s.length > LAZY_TEXT) this.own(size);
      counts[size] = times;
      hashes[size] = h;
      this.topSize = size + 1;
      return;
    }
    // Misra–Gries, amortised: every TOP_K misses decrement all counters once.
    this.misses += times;
    if (this.misses >= TOP_K) {
      const dec = Math.floor(this.misses / TOP_K);
      this.misses -= dec * TOP_K;
      let w = 0;
      for (let k = 0; k < size; k++) {
        const c = counts[k] as number;
        if (c <= dec) continue;
        keys[w] = keys[k] as string;
        from[w] = from[k] as number;
        to[w] = to[k] as number;
        this.topOwned[w] = this.topOwned[k] as number;
        counts[w] = c - dec;
        hashes[w] = hashes[k] as number;
        w++;
      }
      // Dropped keys are released.
      for (let k = w; k < size; k++) keys[k] = "";
      this.topSize = w;
    }
  }

  // Key k becomes an own copy of its text.
  private own(k: number): void {
    const key = this.topKeys[k] as string;
    const to = this.topTo[k] as number;
    this.topKeys[k] = ownString(key.slice(this.topFrom[k], to));
    this.topTo[k] = to - (this.topFrom[k] as number);
    this.topFrom[k] = 0;
    this.topOwned[k] = 1;
  }

  private addHash(h: number): void {
    const m = this.mins;
    const n = this.minCount;
    let lo: number;
    if (h !== EMPTY) {
      // Branch-free over all KMV_K slots (EMPTY sorts last): the first slot >= h.
      lo = 0;
      for (let half = KMV_K >> 1; half > 0; half >>= 1) {
        lo += half & -((m[lo + half - 1] as number) < h ? 1 : 0);
      }
      if (lo < n && m[lo] === h) return;
    } else {
      lo = n;
      if (n === KMV_K) return; // the largest possible key never enters a full sketch
      if (n > 0 && m[n - 1] === h) return;
    }
    // Shift the larger ones up (the largest falls off when full) and insert.
    m.copyWithin(lo + 1, lo, n < KMV_K ? n : KMV_K - 1);
    m[lo] = h;
    if (n < KMV_K) this.minCount = n + 1;
  }

  /** A plain snapshot for reports. */
  summary(): ParamSummary {
    const exact = this.minCount < KMV_K;
    const kth = unsignedHash(this.mins[KMV_K - 1] as number);
    const distinct = exact ? this.minCount : Math.round(((KMV_K - 1) * 4294967296) / (kth + 1));
    const top = this.topKeys
      .slice(0, this.topSize)
      .map((key, k) => ({
        value: ownString(key.slice(this.topFrom[k], this.topTo[k])),
        count: this.topCounts[k] as number,
      }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
    const numeric =
      this.allNumeric && this.count > 0
        ? { min: this.numMin, max: this.numMax, mean: this.numSum / this.count }
        : null;
    return {
      position: this.position,
      count: this.count,
      distinct,
      distinctExact: exact,
      top,
      numeric,
    };
  }
}

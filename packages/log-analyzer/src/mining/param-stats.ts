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
const KMV_K = 64;
const MAX_VALUE_CHARS = 200;
const SAMPLE_AFTER = 4096;
const SAMPLE = 8;

// hash32 (unsigned) minus 2^31, as an int32: the same order as the unsigned
// hash, but a small integer, so V8 never boxes it on its way through.
function hashKey(s: string): number {
  // FNV-1a over the first 64 chars and the length, then a murmur finaliser.
  let h = 0x811c9dc5 ^ s.length;
  const n = Math.min(s.length, 64);
  for (let i = 0; i < n; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h ^ 0x80000000) | 0;
}

/** The unsigned 32-bit hash a key stands for. */
function unsignedHash(key: number): number {
  return (key ^ 0x80000000) >>> 0;
}

/**
 * Number(value) for a short string of digits with at most one `.` (sizes,
 * durations), computed without the generic string-to-number conversion;
 * otherwise Number(value). Exact: with at most 15 digits the digits form an
 * exact integer and the power of ten is exact, so one correctly rounded
 * division gives the double nearest the decimal, as Number does.
 */
function digitsValue(value: string): number {
  let x = 0;
  let scale = 0;
  for (let i = 0; i < value.length; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d >= 0 && d <= 9) {
      x = x * 10 + d;
      if (scale > 0) scale *= 10;
    } else if (d === -2 && scale === 0) scale = 1;
    else return Number(value);
  }
  return scale > 1 ? x / scale : x;
}

/** Statistics of the values seen at one template position. */
export class ParamStats {
  readonly position: number;
  count = 0;
  // Frequent values and their counts, parallel arrays (order is irrelevant: summary sorts).
  private readonly topKeys: string[] = [];
  private readonly topCounts: number[] = [];
  // hash32 of each key: compared first, so most misses cost no string compare.
  private readonly topHashes: number[] = [];
  // The KMV_K smallest distinct hash keys, ascending; `minCount` of them so far.
  private readonly mins = new Int32Array(KMV_K);
  private minCount = 0;
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
    this.count += times;
    const h = hashKey(value);
    // Most values, once the sketch is full, hash above its largest minimum.
    if (this.minCount < KMV_K || h < (this.mins[KMV_K - 1] as number)) this.addHash(h);
    if (this.allNumeric) this.addNumber(value, times);
    // Past the first values, frequent-value counting samples 1 in SAMPLE (scaled back up).
    let weight = times;
    if (this.count > SAMPLE_AFTER) {
      this.skip += times;
      if (this.skip < SAMPLE) return;
      weight = this.skip;
      this.skip = 0;
    }
    this.addTop(value, weight, h);
  }

  private addNumber(value: string, times: number): void {
    const c = value.charCodeAt(0);
    const x =
      value.length <= 15 && c >= 48 && c <= 57
        ? digitsValue(value)
        : value.length > 0 &&
            value.length < 24 &&
            ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46)
          ? Number(value)
          : Number.NaN;
    if (Number.isFinite(x)) {
      if (x < this.numMin) this.numMin = x;
      if (x > this.numMax) this.numMax = x;
      this.numSum += x * times;
    } else this.allNumeric = false;
  }

  private addTop(value: string, times: number, valueHash: number): void {
    const v = value.length > MAX_VALUE_CHARS ? value.slice(0, MAX_VALUE_CHARS) : value;
    const h = v === value ? valueHash : hashKey(v);
    // At most TOP_K entries: a linear scan beats hashing a fresh string for a Map.
    const keys = this.topKeys;
    const counts = this.topCounts;
    const hashes = this.topHashes;
    for (let k = 0; k < keys.length; k++) {
      if (hashes[k] === h && keys[k] === v) {
        counts[k] = (counts[k] as number) + times;
        return;
      }
    }
    if (keys.length < TOP_K) {
      keys.push(ownString(v));
      counts.push(times);
      hashes.push(h);
      return;
    }
    // Misra–Gries, amortised: every TOP_K misses decrement all counters once.
    this.misses += times;
    if (this.misses >= TOP_K) {
      const dec = Math.floor(this.misses / TOP_K);
      this.misses -= dec * TOP_K;
      let w = 0;
      for (let k = 0; k < keys.length; k++) {
        const c = counts[k] as number;
        if (c <= dec) continue;
        keys[w] = keys[k] as string;
        counts[w] = c - dec;
        hashes[w] = hashes[k] as number;
        w++;
      }
      keys.length = w;
      counts.length = w;
      hashes.length = w;
    }
  }

  private addHash(h: number): void {
    const m = this.mins;
    const n = this.minCount;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((m[mid] as number) < h) lo = mid + 1;
      else hi = mid;
    }
    if (lo < n && m[lo] === h) return;
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
      .map((value, k) => ({ value, count: this.topCounts[k] as number }))
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

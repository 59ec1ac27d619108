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

function hash32(s: string): number {
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
  return h >>> 0;
}

/** Statistics of the values seen at one template position. */
export class ParamStats {
  readonly position: number;
  count = 0;
  private readonly top = new Map<string, number>();
  private readonly mins: number[] = []; // sorted ascending, at most KMV_K distinct hashes
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
    this.addHash(hash32(value));
    if (this.allNumeric) this.addNumber(value, times);
    // Past the first values, frequent-value counting samples 1 in SAMPLE (scaled back up).
    let weight = times;
    if (this.count > SAMPLE_AFTER) {
      this.skip += times;
      if (this.skip < SAMPLE) return;
      weight = this.skip;
      this.skip = 0;
    }
    this.addTop(value, weight);
  }

  private addNumber(value: string, times: number): void {
    const c = value.charCodeAt(0);
    const x =
      value.length > 0 &&
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

  private addTop(value: string, times: number): void {
    const v = value.length > MAX_VALUE_CHARS ? value.slice(0, MAX_VALUE_CHARS) : value;
    const cur = this.top.get(v);
    if (cur !== undefined) this.top.set(v, cur + times);
    else if (this.top.size < TOP_K) this.top.set(ownString(v), times);
    else {
      // Misra–Gries, amortised: every TOP_K misses decrement all counters once.
      this.misses += times;
      if (this.misses >= TOP_K) {
        const dec = Math.floor(this.misses / TOP_K);
        this.misses -= dec * TOP_K;
        for (const [k, c] of this.top) {
          if (c <= dec) this.top.delete(k);
          else this.top.set(k, c - dec);
        }
      }
    }
  }

  private addHash(h: number): void {
    const m = this.mins;
    if (m.length === KMV_K && h >= (m[KMV_K - 1] as number)) return;
    let lo = 0;
    let hi = m.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((m[mid] as number) < h) lo = mid + 1;
      else hi = mid;
    }
    if (m[lo] === h) return;
    m.splice(lo, 0, h);
    if (m.length > KMV_K) m.pop();
  }

  /** A plain snapshot for reports. */
  summary(): ParamSummary {
    const exact = this.mins.length < KMV_K;
    const kth = this.mins[KMV_K - 1] ?? 0;
    const distinct = exact ? this.mins.length : Math.round(((KMV_K - 1) * 4294967296) / (kth + 1));
    const top = [...this.top.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([value, count]) => ({ value, count }));
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

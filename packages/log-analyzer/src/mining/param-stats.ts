// Bounded statistics of one template position: memory stays constant however
// many lines a template has (top values by space-saving, distinct count by a
// k-minimum-values sketch, numeric range when every value is a number).

/** Public snapshot of a position's statistics. */
export interface ParamSummary {
  readonly position: number;
  readonly count: number;
  /** Exact when `distinctExact`, else a KMV estimate. */
  readonly distinct: number;
  readonly distinctExact: boolean;
  /** Most frequent values (space-saving counts: upper bounds). */
  readonly top: readonly { readonly value: string; readonly count: number }[];
  readonly numeric: { readonly min: number; readonly max: number; readonly mean: number } | null;
}

const TOP_K = 12;
const KMV_K = 64;
const MAX_VALUE_CHARS = 200;

function hash32(s: string): number {
  // FNV-1a, then a murmur finaliser for better low-bit spread.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
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

  constructor(position: number) {
    this.position = position;
  }

  /** Records `value` `times` times. */
  add(value: string, times = 1): void {
    this.count += times;
    const v = value.length > MAX_VALUE_CHARS ? value.slice(0, MAX_VALUE_CHARS) : value;
    const cur = this.top.get(v);
    if (cur !== undefined) this.top.set(v, cur + times);
    else if (this.top.size < TOP_K) this.top.set(v, times);
    else {
      // Space-saving: the new value replaces the current minimum.
      let minKey = "";
      let minVal = Number.POSITIVE_INFINITY;
      for (const [k, c] of this.top) {
        if (c < minVal) {
          minVal = c;
          minKey = k;
        }
      }
      this.top.delete(minKey);
      this.top.set(v, minVal + times);
    }
    this.addHash(hash32(value));
    if (this.allNumeric) {
      const x = value.length > 0 && value.length < 24 ? Number(value) : Number.NaN;
      if (Number.isFinite(x)) {
        if (x < this.numMin) this.numMin = x;
        if (x > this.numMax) this.numMax = x;
        this.numSum += x * times;
      } else this.allNumeric = false;
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

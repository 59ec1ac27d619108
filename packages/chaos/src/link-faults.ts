// The state of every directed link between peers: what the proxy does to
// bytes flowing from peer a towards peer b. Steps of the schedule set it;
// the proxy reads it on each call. Decisions that need chance (jitter,
// drops) come from one seeded PRNG per direction.
import { Prng } from "@tidemark/simulator";

export type LinkState = {
  blocked: boolean;
  latencyMs: number;
  jitterMs: number;
  /** Extra uniform delay in [0, window) before a request goes on: concurrent calls overtake. */
  reorderWindowMs: number;
  /** Probability that a call crossing this direction is cut. */
  dropRate: number;
  /** Delay before each response chunk flowing this direction. */
  msPerChunk: number;
  /** Cut the next Backfill whose pages flow this way after this many chunks (0: none armed). */
  resetBackfillAfter: number;
};

const calm = (): LinkState => ({
  blocked: false,
  latencyMs: 0,
  jitterMs: 0,
  reorderWindowMs: 0,
  dropRate: 0,
  msPerChunk: 0,
  resetBackfillAfter: 0,
});

export class LinkTable {
  private readonly links = new Map<string, LinkState>();
  private readonly rngs = new Map<string, Prng>();

  constructor(
    readonly peers: number,
    private readonly seed: number,
  ) {}

  get(a: number, b: number): LinkState {
    const key = `${a}>${b}`;
    let s = this.links.get(key);
    if (s === undefined) {
      s = calm();
      this.links.set(key, s);
    }
    return s;
  }

  rng(a: number, b: number): Prng {
    const key = `${a}>${b}`;
    let r = this.rngs.get(key);
    if (r === undefined) {
      r = new Prng(this.seed).fork(key);
      this.rngs.set(key, r);
    }
    return r;
  }

  /** Delay before data goes on from a towards b. */
  delay(a: number, b: number): number {
    const s = this.get(a, b);
    const r = this.rng(a, b);
    const jitter = s.jitterMs > 0 ? r.next() * s.jitterMs : 0;
    const reorder = s.reorderWindowMs > 0 ? r.next() * s.reorderWindowMs : 0;
    return s.latencyMs + jitter + reorder;
  }

  /** True when a call crossing a towards b is cut (partition, or a drop by chance). */
  cut(a: number, b: number): "partition" | "drop" | undefined {
    const s = this.get(a, b);
    if (s.blocked) return "partition";
    if (s.dropRate > 0 && this.rng(a, b).chance(s.dropRate)) return "drop";
    return undefined;
  }

  /** Takes the armed Backfill reset of a towards b, if any. */
  takeBackfillReset(a: number, b: number): number {
    const s = this.get(a, b);
    const n = s.resetBackfillAfter;
    s.resetBackfillAfter = 0;
    return n;
  }

  /** Every link back to calm (the heal phase). */
  healAll(): void {
    for (const s of this.links.values()) Object.assign(s, calm());
  }
}

// The typical spacing of a lane's events in bounded memory: positive
// spacings go into buckets a quarter of a power of two wide, so the median
// is known to within 19% however long the log. Zero spacings (events logged
// in the same millisecond) are counted apart: they say nothing about how long
// a quiet stretch has to be before it is unusual.
const PER_OCTAVE = 4;
const MIN_EXP = -40;
const BUCKETS = (64 - MIN_EXP) * PER_OCTAVE;

export class SpacingHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  private positive = 0;

  add(spacing: number): void {
    if (!(spacing > 0)) return;
    const b = Math.floor((Math.log2(spacing) - MIN_EXP) * PER_OCTAVE);
    const i = Math.min(BUCKETS - 1, Math.max(0, b));
    this.counts[i] = (this.counts[i] as number) + 1;
    this.positive++;
  }

  /** The median positive spacing (its bucket's upper edge), or 0 when there is none. */
  medianPositive(): number {
    if (this.positive === 0) return 0;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] as number;
      if (2 * seen >= this.positive) return 2 ** ((i + 1) / PER_OCTAVE + MIN_EXP);
    }
    return 0;
  }
}

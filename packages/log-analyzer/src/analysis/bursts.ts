// Error bursts: stretches where errors come clearly faster than the run's
// own baseline. Errors closer than half the run's mean gap between errors
// are chained; a chain is a burst when it holds at least `minErrors`, at
// least `factor` times what the baseline rate predicts over its span, and
// that many would arise by chance (Poisson, at the baseline rate) with
// probability below 1% divided by the number of errors (so a long run's
// many chances to cluster do not make a steady rate look bursty).

/** An error's position on the run's clock (ms or line) and its line. */
export interface ErrorPoint {
  readonly at: number;
  readonly line: number;
}

/** Tuning of {@link findBursts}. */
export interface BurstOptions {
  /** Fewest errors in a burst (default 5). */
  readonly minErrors?: number | undefined;
  /** How many times the baseline rate a burst must reach (default 3). */
  readonly factor?: number | undefined;
  /** Largest gap between two errors of one burst (default: half the mean gap). */
  readonly maxGap?: number | undefined;
}

/** A burst, in the clock's unit. */
export interface BurstSpan {
  readonly start: number;
  readonly end: number;
  readonly errors: number;
  /** Errors the run's baseline rate predicts over the burst's span. */
  readonly expected: number;
  readonly firstLine: number;
  readonly lastLine: number;
}

const ALPHA = 0.01;

/**
 * Bursts among `errors` of one run whose clock covers `span` units with a
 * resolution of `tick` (1 for lines; the smallest step between stamps for times).
 */
export function findBursts(
  errors: readonly ErrorPoint[],
  span: number,
  tick: number,
  opts: BurstOptions = {},
): BurstSpan[] {
  const minErrors = opts.minErrors ?? 5;
  const factor = opts.factor ?? 3;
  const n = errors.length;
  if (n < minErrors || span <= 0) return [];
  // Times may run backwards (threads, merged files): order by clock, then line.
  const pts = [...errors].sort((a, b) => a.at - b.at || a.line - b.line);
  const rate = n / Math.max(span, tick);
  const maxGap = opts.maxGap ?? span / n / 2;
  const logAlpha = Math.log(ALPHA / n);
  const out: BurstSpan[] = [];
  let from = 0;
  for (let i = 1; i <= n; i++) {
    const gap =
      i < n ? (pts[i] as ErrorPoint).at - (pts[i - 1] as ErrorPoint).at : Number.POSITIVE_INFINITY;
    if (gap <= maxGap) continue;
    const count = i - from;
    const first = pts[from] as ErrorPoint;
    const last = pts[i - 1] as ErrorPoint;
    const expected = rate * (last.at - first.at + tick);
    if (
      count >= minErrors &&
      count >= factor * expected &&
      logPoissonTail(count, expected) < logAlpha
    ) {
      let firstLine = first.line;
      let lastLine = last.line;
      for (let k = from; k < i; k++) {
        firstLine = Math.min(firstLine, (pts[k] as ErrorPoint).line);
        lastLine = Math.max(lastLine, (pts[k] as ErrorPoint).line);
      }
      out.push({ start: first.at, end: last.at, errors: count, expected, firstLine, lastLine });
    }
    from = i;
  }
  return out;
}

/**
 * log P(X ≥ k) for X ~ Poisson(mu), k > mu: the first term bounds a
 * geometric series whose ratio is at most mu/(k+1).
 */
export function logPoissonTail(k: number, mu: number): number {
  if (mu <= 0) return k > 0 ? Number.NEGATIVE_INFINITY : 0;
  let logFact = 0;
  for (let j = 2; j <= k; j++) logFact += Math.log(j);
  const first = -mu + k * Math.log(mu) - logFact;
  const ratio = mu / (k + 1);
  return ratio >= 1 ? 0 : Math.min(0, first - Math.log(1 - ratio));
}

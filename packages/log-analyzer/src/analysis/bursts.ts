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
  const logFact = logFactorials(n);
  // How unlikely pts[a..b] are at the baseline rate (log probability).
  const score = (a: number, b: number): number =>
    logPoissonTail(
      b - a + 1,
      rate * ((pts[b] as ErrorPoint).at - (pts[a] as ErrorPoint).at + tick),
      logFact,
    );
  const out: BurstSpan[] = [];
  let from = 0;
  for (let i = 1; i <= n; i++) {
    const gap =
      i < n ? (pts[i] as ErrorPoint).at - (pts[i - 1] as ErrorPoint).at : Number.POSITIVE_INFINITY;
    if (gap <= maxGap) continue;
    // A chain can pick up a baseline error at either end: drop ends while
    // that makes the rest less likely by chance.
    let a = from;
    let b = i - 1;
    while (b - a + 1 > minErrors) {
      const whole = score(a, b);
      const left = score(a + 1, b);
      const right = score(a, b - 1);
      if (left < whole && left <= right) a++;
      else if (right < whole) b--;
      else break;
    }
    const count = b - a + 1;
    const first = pts[a] as ErrorPoint;
    const last = pts[b] as ErrorPoint;
    const expected = rate * (last.at - first.at + tick);
    if (count >= minErrors && count >= factor * expected && score(a, b) < logAlpha) {
      let firstLine = first.line;
      let lastLine = last.line;
      for (let k = a; k <= b; k++) {
        firstLine = Math.min(firstLine, (pts[k] as ErrorPoint).line);
        lastLine = Math.max(lastLine, (pts[k] as ErrorPoint).line);
      }
      out.push({ start: first.at, end: last.at, errors: count, expected, firstLine, lastLine });
    }
    from = i;
  }
  return out;
}

function logFactorials(n: number): Float64Array {
  const f = new Float64Array(n + 1);
  for (let j = 2; j <= n; j++) f[j] = (f[j - 1] as number) + Math.log(j);
  return f;
}

/**
 * log P(X ≥ k) for X ~ Poisson(mu), k > mu: the first term bounds a
 * geometric series whose ratio is at most mu/(k+1).
 */
export function logPoissonTail(k: number, mu: number, logFact = logFactorials(k)): number {
  if (mu <= 0) return k > 0 ? Number.NEGATIVE_INFINITY : 0;
  const first = -mu + k * Math.log(mu) - (logFact[k] as number);
  const ratio = mu / (k + 1);
  return ratio >= 1 ? 0 : Math.min(0, first - Math.log(1 - ratio));
}

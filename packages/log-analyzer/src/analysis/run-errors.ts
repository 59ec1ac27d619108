// One run's errors on both clocks (time and line) and the extent of each:
// what error-burst detection (bursts.ts) needs at the run's end. A run
// starts with a fresh one, so nothing is reset by hand.
import { type BurstOptions, type BurstSpan, type ErrorPoint, findBursts } from "./bursts.js";

/** A run's bursts, on the clock they were found on. */
export interface RunBursts {
  /** Epoch ms when (nearly) every error of the run has a time, else line numbers. */
  readonly unit: "ms" | "line";
  readonly spans: readonly BurstSpan[];
}

export class RunErrors {
  private readonly byTime: ErrorPoint[] = [];
  private readonly byLine: ErrorPoint[] = [];
  private lines = 0;
  private minTime = Number.POSITIVE_INFINITY;
  private maxTime = Number.NEGATIVE_INFINITY;
  private lastTime = Number.NaN;
  /** The smallest step between two stamps: the time clock's resolution. */
  private tick = Number.POSITIVE_INFINITY;

  /** Every line of the run, in order: its time when it has one, and whether it is an error. */
  note(line: number, time: number | undefined, error: boolean): void {
    this.lines++;
    if (time !== undefined) this.noteTime(time);
    if (!error) return;
    this.byLine.push({ at: line, line });
    if (time !== undefined) this.byTime.push({ at: time, line });
  }

  private noteTime(at: number): void {
    if (at < this.minTime) this.minTime = at;
    if (at > this.maxTime) this.maxTime = at;
    const step = Math.abs(at - this.lastTime);
    if (step > 0 && step < this.tick) this.tick = step;
    this.lastTime = at;
  }

  // In time when (nearly) all the run's errors have times: a few unstamped
  // lines (stack traces) must not push a timed run onto the line clock.
  bursts(opts: BurstOptions): RunBursts {
    const timed = this.byTime.length > 0 && this.byTime.length >= 0.9 * this.byLine.length;
    if (!timed) return { unit: "line", spans: findBursts(this.byLine, this.lines, 1, opts) };
    const tick = Number.isFinite(this.tick) ? this.tick : 1;
    return {
      unit: "ms",
      spans: findBursts(this.byTime, this.maxTime - this.minTime + tick, tick, opts),
    };
  }
}

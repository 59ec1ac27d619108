// `timeline`: one lane per device; phases from state/phase transitions;
// gaps in activity; event density for the chart. Memory stays bounded: the
// density samples are decimated (every other one dropped) when they fill up,
// and spacings are kept as a histogram.
import { isErrorLevel } from "../mining/pino-line.js";
import type { Template } from "../mining/template-miner.js";
import { type Collector, type RunEvent, strField } from "./scan.js";
import { SpacingHistogram } from "./spacing.js";

export interface Phase {
  readonly state: string;
  readonly start: number;
  readonly end: number;
  /** Events in the lane during the phase. */
  readonly events: number;
}

export interface Gap {
  readonly start: number;
  readonly end: number;
  readonly duration: number;
}

export interface Lane {
  readonly lane: string;
  readonly events: number;
  readonly errors: number;
  readonly warnings: number;
  readonly start: number;
  readonly end: number;
  readonly phases: readonly Phase[];
  readonly gaps: readonly Gap[];
  /** The shortest silence reported as a gap in this lane. */
  readonly gapThreshold: number;
  /** Sampled points for the chart: [time, level rank (0 info, 1 warn, 2 error)]. */
  readonly points: readonly (readonly [number, number])[];
}

export interface TimelineReport {
  /** "ms" when events carry times (epoch ms), else "line". */
  readonly unit: "ms" | "line";
  /** Which clock places the events, in words ("line stamps \"iso\" (UTC…)", "line numbers…"). */
  readonly clock: string;
  /** Events without a time in a timed report (before a file's first stamp): counted, not placed. */
  readonly untimed: number;
  readonly start: number;
  readonly end: number;
  readonly lanes: readonly Lane[];
  /** The largest of the lanes' gap thresholds. */
  readonly gapThreshold: number;
}

export interface TimelineOptions {
  /**
   * Minimum gap to report, in the report's unit. Default, per lane: the
   * largest of 10× the median positive spacing, 2% of the lane's span, and
   * 100 ms (1 line for text logs).
   */
  readonly gap?: number;
  /** Field naming the lane (default "device"). */
  readonly laneField?: string;
}

const MAX_POINTS = 4096;
const MAX_PHASES = 2000;
const MAX_GAPS = 50;
const TYPICAL_FACTOR = 10;
const SPAN_SHARE = 0.02;
/** Shorter than this is never silence, however busy the lane (issue 17: 4 ms gaps were). */
const MIN_GAP = { ms: 100, line: 1 } as const;

interface LaneState {
  events: number;
  errors: number;
  warnings: number;
  start: number;
  end: number;
  last: number;
  phases: Phase[];
  current: { state: string; start: number; events: number } | null;
  gaps: Gap[];
  spacing: SpacingHistogram;
  points: [number, number][];
  stride: number;
  tick: number;
  /** Events placed on the clock (the rest had no time). */
  placed: number;
}

function newLane(): LaneState {
  return {
    events: 0,
    errors: 0,
    warnings: 0,
    start: 0,
    end: 0,
    last: 0,
    phases: [],
    current: null,
    gaps: [],
    spacing: new SpacingHistogram(),
    points: [],
    stride: 1,
    tick: 0,
    placed: 0,
  };
}

function defaultThreshold(l: LaneState, unit: "ms" | "line"): number {
  return Math.max(
    TYPICAL_FACTOR * l.spacing.medianPositive(),
    SPAN_SHARE * (l.end - l.start),
    MIN_GAP[unit],
  );
}

/** Collects lanes, phases, gaps and chart points. */
export class TimelineCollector implements Collector {
  private readonly lanes = new Map<string, LaneState>();
  private hasTime = false;
  private untimed = 0;
  private placedBeforeTime = 0;
  private readonly laneField: string;

  constructor(private readonly opts: TimelineOptions = {}) {
    this.laneField = opts.laneField ?? "device";
  }

  add(ev: RunEvent, _t: Template): void {
    if (ev.time !== undefined && !this.hasTime) {
      this.hasTime = true;
      if (this.placedBeforeTime > 0) this.restartClock();
    }
    const name = strField(ev, this.laneField) ?? "(all)";
    let lane = this.lanes.get(name);
    if (lane === undefined) {
      lane = newLane();
      this.lanes.set(name, lane);
    }
    lane.events++;
    const rank = isErrorLevel(ev.level) ? 2 : ev.level === "warn" ? 1 : 0;
    if (rank === 2) lane.errors++;
    if (rank === 1) lane.warnings++;
    // Once times appear they are the clock: untimed events are counted, not placed.
    if (ev.time === undefined && this.hasTime) {
      this.untimed++;
      return;
    }
    if (!this.hasTime) this.placedBeforeTime++;
    this.place(lane, ev.time ?? ev.line, rank, ev);
  }

  // Events placed by line number before the first time are unplaced again.
  private restartClock(): void {
    for (const l of this.lanes.values()) {
      Object.assign(l, { ...newLane(), events: l.events, errors: l.errors, warnings: l.warnings });
    }
    this.untimed += this.placedBeforeTime;
    this.placedBeforeTime = 0;
  }

  private place(lane: LaneState, at: number, rank: number, ev: RunEvent): void {
    lane.placed++;
    if (lane.placed === 1) {
      lane.start = at;
      lane.end = at;
      lane.last = at;
    }
    if (at < lane.start) lane.start = at;
    if (at > lane.end) lane.end = at;
    const delta = at - lane.last;
    if (lane.placed > 1) lane.spacing.add(delta);
    if (delta > 0 && lane.placed > 1) this.noteGap(lane, lane.last, at);
    lane.last = at;
    const state = strField(ev, "phase") ?? strField(ev, "state");
    if (state !== undefined && (lane.current === null || lane.current.state !== state)) {
      if (lane.current !== null && lane.phases.length < MAX_PHASES) {
        lane.phases.push({ ...lane.current, end: at });
      }
      lane.current = { state, start: at, events: 0 };
    }
    if (lane.current !== null) lane.current.events++;
    // Errors always get a point; others are sampled with a growing stride.
    lane.tick++;
    if (rank > 0 || lane.tick >= lane.stride) {
      lane.tick = 0;
      lane.points.push([at, rank]);
      if (lane.points.length >= MAX_POINTS) {
        lane.points = lane.points.filter((p, i) => p[1] > 0 || i % 2 === 0);
        lane.stride *= 2;
      }
    }
  }

  // Keeps the largest gaps per lane.
  private noteGap(lane: LaneState, start: number, end: number): void {
    const duration = end - start;
    if (lane.gaps.length < MAX_GAPS) {
      lane.gaps.push({ start, end, duration });
      return;
    }
    let minIdx = 0;
    for (let i = 1; i < lane.gaps.length; i++) {
      if ((lane.gaps[i] as Gap).duration < (lane.gaps[minIdx] as Gap).duration) minIdx = i;
    }
    if ((lane.gaps[minIdx] as Gap).duration < duration)
      lane.gaps[minIdx] = { start, end, duration };
  }

  /** `clock` describes the times (the parser's `clock()`); a default is derived. */
  report(clock?: string): TimelineReport {
    const lanes: Lane[] = [];
    let start = Number.POSITIVE_INFINITY;
    let end = Number.NEGATIVE_INFINITY;
    let threshold = 0;
    const unit = this.hasTime ? "ms" : "line";
    for (const [name, l] of [...this.lanes].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const phases = [...l.phases];
      if (l.current !== null) phases.push({ ...l.current, end: l.end });
      const min = this.opts.gap ?? defaultThreshold(l, unit);
      threshold = Math.max(threshold, min);
      const gaps = l.gaps.filter((g) => g.duration >= min).sort((a, b) => a.start - b.start);
      lanes.push({
        lane: name,
        events: l.events,
        errors: l.errors,
        warnings: l.warnings,
        start: l.start,
        end: l.end,
        phases,
        gaps,
        gapThreshold: min,
        points: l.points,
      });
      if (l.placed === 0) continue;
      start = Math.min(start, l.start);
      end = Math.max(end, l.end);
    }
    return {
      unit,
      clock:
        unit === "line"
          ? "line numbers (no time stamps read from the lines)"
          : (clock ?? "event times"),
      untimed: this.untimed,
      start: Number.isFinite(start) ? start : 0,
      end: Number.isFinite(end) ? end : 0,
      lanes,
      gapThreshold: this.opts.gap ?? threshold,
    };
  }
}

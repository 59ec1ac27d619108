// `anomalies`: rare templates, error bursts, retry loops, and templates seen
// in a failed run (run 0) but never in the baseline (runs ≥ 1).
import { isErrorLevel } from "../mining/pino-line.js";
import type { Template } from "../mining/template-miner.js";
import type { BurstSpan } from "./bursts.js";
import { RunErrors } from "./run-errors.js";
import { type Collector, displayTemplate, type RunEvent, strField } from "./scan.js";

export interface AnomalyOptions {
  /** A template is rare at or below this many lines (default: max(1, 0.1% of lines)). */
  readonly rareMax?: number;
  /**
   * Error burst (see bursts.ts): at least `burstCount` errors (default 5),
   * at least `burstFactor` times the run's own error rate (default 3), each
   * within `burstWindow` (ms, or lines for a run without times) of the
   * previous one (default: half the run's mean gap between errors).
   */
  readonly burstCount?: number;
  readonly burstFactor?: number;
  readonly burstWindow?: number;
  /** Retry loop: a cycle of 1–3 templates repeated at least this many times. */
  readonly loopRepeats?: number;
}

export interface RareTemplate {
  readonly id: number;
  readonly template: string;
  readonly count: number;
  readonly firstLine: number;
}
export interface ErrorBurst extends BurstSpan {
  readonly run: number;
  /** The clock of start and end: epoch ms when the run's lines carry times, else line numbers. */
  readonly unit: "ms" | "line";
}
export interface RetryLoop {
  readonly run: number;
  readonly lane: string;
  readonly templates: readonly string[];
  readonly repeats: number;
  readonly firstLine: number;
  readonly lastLine: number;
}
export interface NewTemplate {
  readonly id: number;
  readonly template: string;
  readonly count: number;
  readonly firstLine: number;
}

export interface AnomalyReport {
  readonly lines: number;
  readonly rareMax: number;
  readonly rare: readonly RareTemplate[];
  readonly bursts: readonly ErrorBurst[];
  readonly loops: readonly RetryLoop[];
  /** Only with a baseline: templates in the failed run and not in any baseline run. */
  readonly onlyInFailed: readonly NewTemplate[] | null;
}

const MAX_ITEMS = 1000;
const RETRY_WORDS = /retr|backoff|reconnect|timeout|timed out|fail|unavailable|refused|again/i;

interface LaneSeq {
  recent: number[]; // last 6 template ids
  levels: number[]; // parallel: 1 when warn/error
  lines: number[]; // parallel: line numbers
  run: number[]; // run length (in events) of the current cycle, per period 1..3
  firstLine: number[];
  lastLine: number;
}

/** Streaming detector state. */
export class AnomalyCollector implements Collector {
  private readonly loopRepeats: number;
  private runErrors = new RunErrors();
  private readonly bursts: ErrorBurst[] = [];
  private readonly lanes = new Map<string, LaneSeq>();
  private readonly loops: RetryLoop[] = [];
  private readonly perRun = new Map<number, Map<number, number>>();
  private readonly templates = new Map<number, Template>();
  private currentRun = -1;
  lines = 0;

  constructor(private readonly opts: AnomalyOptions = {}) {
    this.loopRepeats = opts.loopRepeats ?? 4;
  }

  add(ev: RunEvent, t: Template): void {
    this.lines++;
    if (ev.run !== this.currentRun) this.endRun();
    this.currentRun = ev.run;
    this.templates.set(t.id, t);
    let counts = this.perRun.get(ev.run);
    if (counts === undefined) {
      counts = new Map();
      this.perRun.set(ev.run, counts);
    }
    counts.set(t.id, (counts.get(t.id) ?? 0) + 1);
    const bad = isErrorLevel(ev.level);
    this.runErrors.note(ev.line, ev.time, bad);
    this.noteSequence(ev, t, bad || ev.level === "warn");
  }

  private closeBursts(): void {
    const { unit, spans } = this.runErrors.bursts({
      minErrors: this.opts.burstCount,
      factor: this.opts.burstFactor,
      maxGap: this.opts.burstWindow,
    });
    for (const b of spans) {
      if (this.bursts.length >= MAX_ITEMS) break;
      this.bursts.push({ run: this.currentRun, unit, ...b });
    }
    this.runErrors = new RunErrors();
  }

  private noteSequence(ev: RunEvent, t: Template, warn: boolean): void {
    const lane = `${strField(ev, "device") ?? ""}→${strField(ev, "peer") ?? ""}`;
    let s = this.lanes.get(lane);
    if (s === undefined) {
      s = {
        recent: [],
        levels: [],
        lines: [],
        run: [0, 0, 0],
        firstLine: [ev.line, ev.line, ev.line],
        lastLine: ev.line,
      };
      this.lanes.set(lane, s);
    }
    s.recent.push(t.id);
    s.levels.push(warn ? 1 : 0);
    s.lines.push(ev.line);
    if (s.recent.length > 6) {
      s.recent.shift();
      s.levels.shift();
      s.lines.shift();
    }
    const n = s.recent.length;
    for (let p = 1; p <= 3; p++) {
      const k = p - 1;
      if (n > p && s.recent[n - 1] === s.recent[n - 1 - p]) {
        if ((s.run[k] as number) === 0) s.firstLine[k] = s.lines[n - 1 - p] as number;
        s.run[k] = (s.run[k] as number) + 1;
      } else {
        this.closeLoop(ev.run, lane, s, p);
        s.run[k] = 0;
      }
    }
    s.lastLine = ev.line;
  }

  private closeLoop(run: number, lane: string, s: LaneSeq, p: number): void {
    const k = p - 1;
    const matched = s.run[k] as number;
    // matched = events that repeated the event p before; cycles = matched/p + 1.
    const repeats = Math.floor(matched / p) + 1;
    if (matched === 0 || repeats < this.loopRepeats || this.loops.length >= MAX_ITEMS) return;
    // A shorter period already explains a run of identical templates.
    if (p > 1 && (s.run[0] as number) >= matched) return;
    const n = s.recent.length;
    const cycle = s.recent.slice(Math.max(0, n - 1 - p), n - 1);
    if (p > 1 && new Set(cycle).size < p) return;
    const names = cycle.map((id) => {
      const t = this.templates.get(id);
      return t === undefined ? `#${id}` : displayTemplate(t);
    });
    const warned = s.levels.slice(Math.max(0, n - 1 - p), n - 1).some((x) => x === 1);
    if (!warned && !names.some((x) => RETRY_WORDS.test(x))) return;
    this.loops.push({
      run,
      lane,
      templates: names,
      repeats,
      firstLine: s.firstLine[k] as number,
      lastLine: s.lastLine,
    });
  }

  private endRun(): void {
    for (const [lane, s] of this.lanes) {
      s.recent.push(-1);
      s.levels.push(0);
      s.lines.push(s.lastLine);
      for (let p = 1; p <= 3; p++) this.closeLoop(this.currentRun, lane, s, p);
    }
    this.lanes.clear();
    this.closeBursts();
  }

  /** `withBaseline`: run 0 is the failed run, later runs are passing baselines. */
  report(all: readonly Template[], withBaseline: boolean): AnomalyReport {
    this.endRun();
    const rareMax = this.opts.rareMax ?? Math.max(1, Math.floor(this.lines * 0.001));
    const rare = all
      .filter((t) => t.count > 0 && t.count <= rareMax)
      .sort((a, b) => a.count - b.count || a.firstLine - b.firstLine)
      .slice(0, MAX_ITEMS)
      .map((t) => ({
        id: t.id,
        template: displayTemplate(t),
        count: t.count,
        firstLine: t.firstLine,
      }));
    let onlyInFailed: NewTemplate[] | null = null;
    if (withBaseline) {
      const failed = this.perRun.get(0) ?? new Map<number, number>();
      onlyInFailed = [];
      for (const [id, count] of failed) {
        let inBase = false;
        for (const [run, counts] of this.perRun) if (run > 0 && counts.has(id)) inBase = true;
        const t = all[id];
        if (!inBase && t !== undefined) {
          onlyInFailed.push({ id, template: displayTemplate(t), count, firstLine: t.firstLine });
        }
      }
      onlyInFailed.sort((a, b) => b.count - a.count || a.id - b.id);
    }
    return {
      lines: this.lines,
      rareMax,
      rare,
      bursts: this.bursts,
      loops: this.loops,
      onlyInFailed,
    };
  }
}

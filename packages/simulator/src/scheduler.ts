// Virtual time and the run loop. Events run one at a time in (time, seq)
// order; between two virtual instants every pending microtask settles, so
// the engine's async continuations run "at" the instant that caused them.
import { EventQueue, type SimEvent } from "./event-queue.js";

/** Settles every queued microtask: setImmediate runs after the microtask queue is empty. */
function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export type RunLimits = {
  /** Stop before running any event later than this virtual time (ms). */
  readonly until: number;
  /** Checked after each virtual instant; true stops the run early. */
  readonly stop?: () => boolean;
  /** Hard cap on events, a guard against livelock. */
  readonly maxEvents?: number;
  /** Runs after each virtual instant, once its continuations settled (safety checks). */
  readonly afterInstant?: () => void | Promise<void>;
};

export class Scheduler {
  /** Virtual milliseconds since the start of the run. */
  now = 0;
  /** Events executed so far. */
  eventsRun = 0;
  private readonly queue = new EventQueue();
  private readonly errors: unknown[] = [];

  /** Schedules fn at absolute virtual time t (never in the past). */
  at(t: number, fn: () => void): SimEvent {
    return this.queue.push(Math.max(t, this.now), fn);
  }

  /** Schedules fn `delayMs` from now. */
  after(delayMs: number, fn: () => void): SimEvent {
    return this.queue.push(this.now + Math.max(0, delayMs), fn);
  }

  cancel(ev: SimEvent): void {
    this.queue.cancel(ev);
  }

  get pending(): number {
    return this.queue.size;
  }

  /** Reports an error of work an event started asynchronously (it must not be lost). */
  fail(err: unknown): void {
    this.errors.push(err);
  }

  /** Errors thrown by events, or reported by their async work (never swallowed). */
  takeErrors(): unknown[] {
    return this.errors.splice(0);
  }

  /**
   * Runs events in order until `until` (inclusive), the stop predicate holds,
   * or the queue empties. Returns the reason it stopped. Virtual time ends
   * at `until` unless stopped early.
   */
  async run(limits: RunLimits): Promise<"until" | "stopped" | "empty" | "max-events"> {
    const maxEvents = limits.maxEvents ?? Number.POSITIVE_INFINITY;
    let ran = 0;
    await drainMicrotasks();
    for (;;) {
      if (limits.stop?.()) return "stopped";
      const t = this.queue.peekTime();
      if (t === undefined) return "empty";
      if (t > limits.until) {
        this.now = limits.until;
        return "until";
      }
      this.now = t;
      // Run every event of this instant, then let the engine's continuations settle.
      while (this.queue.peekTime() === t) {
        const ev = this.queue.pop() as SimEvent;
        this.eventsRun++;
        ran++;
        try {
          ev.fn();
        } catch (err) {
          this.errors.push(err);
        }
        if (ran >= maxEvents) return "max-events";
      }
      await drainMicrotasks();
      if (limits.afterInstant !== undefined) await limits.afterInstant();
    }
  }
}

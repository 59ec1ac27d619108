// Virtual time: a Clock and Timers whose time moves only when the test (or
// the simulator) says so. Timers due at the same time fire in set order.
import type { Clock, TimerHandle, Timers } from "../ports.js";

type Entry = { readonly id: number; readonly due: number; readonly fn: () => void };

export class VirtualTime implements Clock, Timers {
  private current: number;
  private nextId = 1;
  private queue: Entry[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  set(delayMs: number, fn: () => void): TimerHandle {
    const entry = { id: this.nextId++, due: this.current + Math.max(0, delayMs), fn };
    // Sorted insert (stable for equal due times).
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1] as Entry).due > entry.due) i--;
    this.queue.splice(i, 0, entry);
    return { id: entry.id };
  }

  cancel(handle: TimerHandle): void {
    const i = this.queue.findIndex((e) => e.id === handle.id);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** Due time of the earliest timer, if any. */
  nextDue(): number | undefined {
    return this.queue[0]?.due;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Fires the earliest timer (moving time to it); false if none is due by `limit`. */
  fireNext(limit = Number.POSITIVE_INFINITY): boolean {
    const e = this.queue[0];
    if (e === undefined || e.due > limit) return false;
    this.queue.shift();
    this.current = Math.max(this.current, e.due);
    e.fn();
    return true;
  }

  /** Moves time forward without firing (timers due before `to` fire on the next fireNext). */
  advanceTo(to: number): void {
    this.current = Math.max(this.current, to);
  }

  /** Jumps the clock (skew tests); timers keep their due times. */
  jump(deltaMs: number): void {
    this.current += deltaMs;
  }
}

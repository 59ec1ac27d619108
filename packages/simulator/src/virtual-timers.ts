// The engine's Timers port in virtual time. A device's timers are all
// cancelled when it crashes, so nothing of a dead engine runs again.
import type { TimerHandle, Timers } from "@tidemark/engine";
import type { SimEvent } from "./event-queue.js";
import type { Scheduler } from "./scheduler.js";

export class VirtualTimers implements Timers {
  private nextId = 1;
  private readonly live = new Map<number, SimEvent>();
  private dead = false;

  constructor(private readonly sched: Scheduler) {}

  set(delayMs: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    if (this.dead) return { id };
    const delay = Number.isFinite(delayMs) ? Math.max(0, delayMs) : 0;
    const ev = this.sched.after(delay, () => {
      this.live.delete(id);
      fn();
    });
    this.live.set(id, ev);
    return { id };
  }

  cancel(handle: TimerHandle): void {
    const ev = this.live.get(handle.id);
    if (ev === undefined) return;
    this.sched.cancel(ev);
    this.live.delete(handle.id);
  }

  /** Timers currently armed (a gauge for "no unbounded buffers"). */
  get armed(): number {
    return this.live.size;
  }

  /** Crash: cancels every timer and refuses new ones. */
  kill(): void {
    this.dead = true;
    for (const ev of this.live.values()) this.sched.cancel(ev);
    this.live.clear();
  }
}

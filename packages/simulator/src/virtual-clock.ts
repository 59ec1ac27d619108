// Per-device clocks over virtual time: skew (fixed offset), drift (rate
// error), jumps forward and back, and epoch-0 clocks (a device whose RTC
// reset). Engine code sees only Clock.now() and the fault-free monotonic().
import type { Clock } from "@tidemark/engine";
import type { Scheduler } from "./scheduler.js";

/** Virtual wall-clock time at the start of every run: 2025-11-16T00:00:00Z. */
export const SIM_EPOCH_MS = 1_763_251_200_000;

export type ClockFault = {
  /** Constant offset added to the true time, ms (skew). */
  readonly skewMs?: number;
  /** Rate error, e.g. 0.001 = runs 0.1% fast. */
  readonly drift?: number;
  /** The device's clock starts at the Unix epoch instead of true time. */
  readonly epochZero?: boolean;
  /** The wall clock stops: it reads the instant the fault began until reset. */
  readonly frozen?: boolean;
};

export class VirtualClock implements Clock {
  private offsetMs: number;
  private drift: number;
  private frozenAt: number | undefined;

  constructor(
    private readonly sched: Scheduler,
    fault: ClockFault = {},
  ) {
    this.offsetMs = (fault.epochZero ? -SIM_EPOCH_MS : 0) + (fault.skewMs ?? 0);
    this.drift = fault.drift ?? 0;
    this.frozenAt = fault.frozen === true ? this.running() : undefined;
  }

  private running(): number {
    return Math.floor(SIM_EPOCH_MS + this.offsetMs + this.sched.now * (1 + this.drift));
  }

  now(): number {
    return this.frozenAt ?? this.running();
  }

  /** Durations: true virtual time, whatever the wall clock's fault. */
  monotonic(): number {
    return this.sched.now;
  }

  /** Moves the clock by deltaMs (negative = backwards) from now on. */
  jump(deltaMs: number): void {
    this.offsetMs += deltaMs;
  }

  /** Clears skew, drift, jumps and a freeze: the device re-syncs NTP. */
  reset(): void {
    this.offsetMs = 0;
    this.drift = 0;
    this.frozenAt = undefined;
  }
}

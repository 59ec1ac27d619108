// Real implementations of the engine's ports (packages/engine/src/ports.ts):
// wall and monotonic clocks, Node timers, Math.random and a pino-backed Logger.
import type {
  Clock,
  LogFields,
  Logger,
  LogLevel,
  Random,
  TimerHandle,
  Timers,
} from "@tidemark/engine";
import type { Logger as PinoLogger } from "pino";

/** Date.now for HLCs and display; performance.now (monotonic) for durations. */
export const wallClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

/**
 * The wall clock a TestControl harness may set or stop (`serve
 * --test-control` only; docs/TESTCONTROL.md SetClock): its reading runs on
 * from what was set, or stands still. Monotonic time is never touched.
 */
export class SteerableClock implements Clock {
  private offsetMs = 0;
  private frozenAt: number | undefined;

  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  monotonic(): number {
    return performance.now();
  }

  /** Reads `wallMs` from now on (undefined: the host's clock), frozen there if asked. */
  set(wallMs: number | undefined, frozen: boolean): number {
    const host = Date.now();
    this.offsetMs = wallMs === undefined ? 0 : wallMs - host;
    this.frozenAt = frozen ? host + this.offsetMs : undefined;
    return this.now();
  }
}

/** Math.random is fine for jitter in a real host; the simulator seeds its own. */
export const mathRandom: Random = { next: () => Math.random() };

/** setTimeout-backed timers; close() cancels every pending one (shutdown). */
export class NodeTimers implements Timers {
  private nextId = 1;
  private readonly pending = new Map<number, NodeJS.Timeout>();

  set(delayMs: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    const timeout = setTimeout(
      () => {
        this.pending.delete(id);
        fn();
      },
      Math.max(0, delayMs),
    );
    this.pending.set(id, timeout);
    return { id };
  }

  cancel(handle: TimerHandle): void {
    const timeout = this.pending.get(handle.id);
    if (timeout !== undefined) {
      clearTimeout(timeout);
      this.pending.delete(handle.id);
    }
  }

  /** Cancels everything still pending. */
  close(): void {
    for (const timeout of this.pending.values()) clearTimeout(timeout);
    this.pending.clear();
  }

  get size(): number {
    return this.pending.size;
  }
}

// JSON has no bigint: keep exact numbers as numbers when they fit, else strings.
function plain(
  fields: LogFields,
  omit: string | undefined,
): Record<string, string | number | boolean | null | undefined> {
  const out: Record<string, string | number | boolean | null | undefined> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (key === "device" && value === omit) continue; // already in the logger's base fields
    out[key] =
      typeof value === "bigint"
        ? value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(value)
          : value.toString()
        : value;
  }
  return out;
}

/**
 * The engine's Logger over pino: one JSON event per call. `baseDevice` is
 * the device id already bound in the pino base, not repeated per event.
 */
export function pinoEngineLogger(logger: PinoLogger, baseDevice?: string): Logger {
  return {
    log(level: LogLevel, fields: LogFields, msg: string): void {
      logger[level](plain(fields, baseDevice), msg);
    },
  };
}

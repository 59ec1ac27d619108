// A Logger that keeps events in memory (bounded), for assertions on the
// structured log and for dumping a trace when a test fails.
import type { LogFields, Logger, LogLevel } from "../ports.js";

export type LogEvent = {
  readonly level: LogLevel;
  readonly fields: LogFields;
  readonly msg: string;
};

export class MemoryLogger implements Logger {
  readonly events: LogEvent[] = [];

  constructor(
    private readonly max = 100_000,
    private readonly sink?: (e: LogEvent) => void,
  ) {}

  log(level: LogLevel, fields: LogFields, msg: string): void {
    const e = { level, fields, msg };
    if (this.events.length >= this.max) this.events.shift();
    this.events.push(e);
    this.sink?.(e);
  }

  /** Events whose `event` field equals `name` (and whose fields match `where`). */
  find(name: string, where: Readonly<Record<string, unknown>> = {}): LogEvent[] {
    return this.events.filter(
      (e) => e.fields.event === name && Object.entries(where).every(([k, v]) => e.fields[k] === v),
    );
  }
}

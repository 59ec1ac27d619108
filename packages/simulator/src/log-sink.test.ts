// The simulator's log port is as strict as node-peer's pino adapter, which
// calls logger[level]: a level pino does not know is refused, not counted.
import type { LogLevel } from "@tidemark/engine";
import { describe, expect, test } from "vitest";
import { LogSink } from "./log-sink.js";
import { Scheduler } from "./scheduler.js";
import { Trace } from "./trace.js";

describe("LogSink", () => {
  const sink = new LogSink(new Scheduler(), new Trace(), true, true);
  const log = sink.loggerFor(0, () => true);

  test("the four levels are kept", () => {
    for (const level of ["debug", "info", "warn", "error"] as const)
      log.log(level, { event: "x" }, "m");
    expect(sink.counts).toEqual({ debug: 1, info: 1, warn: 1, error: 1 });
  });

  test("a level pino does not know is refused", () => {
    expect(() => log.log("" as LogLevel, { event: "x" }, "m")).toThrow(/unknown log level/);
  });
});

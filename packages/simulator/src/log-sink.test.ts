// The simulator's log port is as strict as node-peer's pino adapter, which
// calls logger[level]: a level pino does not know is refused, not counted.
import type { LogLevel } from "@tidemark/engine";
import { describe, expect, test } from "vitest";
import {
  decisionsExplained,
  LogSink,
  limitEventsNamePeer,
  logRecordsNamed,
  realtimeLimitsReached,
  refusalsNameSource,
} from "./log-sink.js";
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

describe("decisions-explained", () => {
  const decide = (sink: LogSink, decision: string, reason: string) =>
    sink
      .loggerFor(2, () => true)
      .log("info", { event: "sync-decision", stream: "s", decision, reason }, "m");

  test("decisions naming kind and reason pass; one with an empty reason fails", () => {
    const sink = new LogSink(new Scheduler(), new Trace(), false);
    decide(sink, "pull", "peer-ahead");
    decide(sink, "nothing", "in-sync");
    expect(decisionsExplained(sink)).toBe(undefined);
    expect(sink.decisions).toBe(2);
    decide(sink, "nothing", "");
    expect(decisionsExplained(sink)?.detail).toContain('d2 decided "nothing" for s with reason ""');
  });
});

describe("realtime-limits-reached", () => {
  const bounds = { pendingBufferMax: 4, heldRealtimeBytesPerPeer: 1_000, heldRealtimeBytes: 2_000 };
  const refuse = (sink: LogSink, limit: string, fields: Record<string, number>) =>
    sink
      .loggerFor(0, () => true)
      .log("warn", { event: "limit-reached", limit, peer: "p", ...fields }, "m");

  test("refusals past their bound pass, and other limits are not judged", () => {
    const sink = new LogSink(new Scheduler(), new Trace(), false);
    refuse(sink, "pending-changes-per-stream", { heldChanges: 3, batchChanges: 2 });
    refuse(sink, "held-realtime-bytes-per-peer", { heldBytesFromPeer: 900, batchBytes: 101 });
    refuse(sink, "held-realtime-bytes", { heldBytes: 1_999, batchBytes: 2 });
    refuse(sink, "streams-per-message", { streams: 1 });
    expect(realtimeLimitsReached(sink, bounds)).toBe(undefined);
  });

  test("a batch that only fills the bound, or a record without its figures, fails", () => {
    const full = new LogSink(new Scheduler(), new Trace(), false);
    refuse(full, "pending-changes-per-stream", { heldChanges: 2, batchChanges: 2 });
    expect(realtimeLimitsReached(full, bounds)?.detail).toContain(
      "d0 refused a realtime batch for pending-changes-per-stream holding 2 with a batch of 2: within the bound 4",
    );
    const silent = new LogSink(new Scheduler(), new Trace(), false);
    refuse(silent, "held-realtime-bytes", { heldBytes: 1_999 });
    expect(realtimeLimitsReached(silent, bounds)?.detail).toContain("does not say both");
  });
});

describe("limit-events-name-peer", () => {
  const A = "aa".repeat(16);
  const limit = (sink: LogSink, device: number, peer: string | null | undefined) =>
    sink
      .loggerFor(device, () => true)
      .log("warn", { event: "limit-reached", limit: "x", peer }, "m");

  test("a limit event naming a device of the library passes", () => {
    const sink = new LogSink(new Scheduler(), new Trace(), false);
    limit(sink, 0, A);
    expect(limitEventsNamePeer(sink, new Set([A]), () => false)).toBe(undefined);
  });

  test("one naming no peer fails, unless its host has callers it keeps no peer for", () => {
    const sink = new LogSink(new Scheduler(), new Trace(), false);
    limit(sink, 1, null);
    expect(limitEventsNamePeer(sink, new Set([A]), () => false)?.detail).toContain(
      "d1 logged limit-reached (x) naming peer null",
    );
    expect(limitEventsNamePeer(sink, new Set([A]), (d) => d === 1)).toBe(undefined);
    limit(sink, 0, undefined);
    expect(limitEventsNamePeer(sink, new Set([A]), (d) => d === 1)?.detail).toContain(
      "naming peer none",
    );
  });
});

describe("refusals-name-source", () => {
  const A = "aa".repeat(16);
  const said = (event: string, fields: Record<string, unknown>, device = 0) => {
    const sink = new LogSink(new Scheduler(), new Trace(), false);
    sink.loggerFor(device, () => true).log("warn", { event, ...fields }, "m");
    return sink;
  };

  test("a forgery or a clock hold naming its stream and its sender passes", () => {
    for (const event of ["forged-changes", "hlc-too-far-ahead"])
      expect(
        refusalsNameSource(said(event, { peer: A, stream: `${A}/4` }), new Set([A]), () => false),
      ).toBe(undefined);
  });

  test("one naming no stream or no sender fails, a sender unnamed only for anonymous callers", () => {
    const none = () => false;
    expect(
      refusalsNameSource(said("forged-changes", { peer: A }), new Set([A]), none)?.detail,
    ).toContain("d0 logged forged-changes naming stream none and peer");
    expect(
      refusalsNameSource(
        said("hlc-too-far-ahead", { peer: null, stream: `${A}/4` }, 1),
        new Set([A]),
        none,
      )?.detail,
    ).toContain("peer null");
    expect(
      refusalsNameSource(
        said("hlc-too-far-ahead", { peer: null, stream: `${A}/4` }, 1),
        new Set([A]),
        (d) => d === 1,
      ),
    ).toBe(undefined);
    expect(refusalsNameSource(said("limit-reached", {}), new Set([A]), none)).toBe(undefined);
  });
});

describe("log-records-named", () => {
  const record = (event: unknown, msg: string) => {
    const sink = new LogSink(new Scheduler(), new Trace(), false);
    sink.loggerFor(2, () => true).log("info", { event: event as string }, msg);
    return logRecordsNamed(sink);
  };

  test("a kebab-case event with a sentence passes", () => {
    expect(record("reconcile-resumed", "resuming an unfinished reconcile")).toBe(undefined);
  });

  test("an empty or ill-formed event name fails, naming the record", () => {
    expect(record("", "resuming")?.detail).toContain('d2 info event "" msg "resuming"');
    expect(record("Pull Started", "pulling")?.property).toBe("log-records-named");
    expect(record(undefined, "pulling")?.property).toBe("log-records-named");
  });

  test("an empty message fails", () => {
    expect(record("internal-error", " ")?.property).toBe("log-records-named");
  });
});

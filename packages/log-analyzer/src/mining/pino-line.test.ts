import { describe, expect, test } from "vitest";
import { LogParser } from "./log-parser.js";
import { parseStructuredLine, recordLevel, recordTime } from "./pino-line.js";

const fieldsOf = (line: string) => parseStructuredLine(line)?.fields ?? {};

describe("JSON lines from loggers other than pino", () => {
  test("the level is read from severity, lvl and the other common keys", () => {
    expect(recordLevel(fieldsOf('{"severity":"ERROR","msg":"x"}'))).toBe("error");
    expect(recordLevel(fieldsOf('{"lvl":"warning","msg":"x"}'))).toBe("warn");
    expect(recordLevel(fieldsOf('{"log.level":"critical","message":"x"}'))).toBe("fatal");
    expect(recordLevel(fieldsOf('{"level":50,"severity":"INFO","msg":"x"}'))).toBe("error");
  });

  test("the time is read from ts, @timestamp and the other common keys", () => {
    expect(recordTime(fieldsOf('{"ts":"2026-12-05T10:00:00Z","msg":"x"}'))).toBe(
      Date.UTC(2026, 11, 5, 10),
    );
    expect(recordTime(fieldsOf('{"@timestamp":"2026-12-05T10:00:01Z","msg":"x"}'))).toBe(
      Date.UTC(2026, 11, 5, 10, 0, 1),
    );
  });

  test("an epoch number in s, ms, µs or ns under ts reads as the same instant", () => {
    const ms = Date.UTC(2026, 11, 5, 10, 0, 0, 250);
    const at = (ts: number) => recordTime({ ts });
    expect(at(ms / 1000)).toBe(ms);
    expect(at(ms)).toBe(ms);
    expect(at(ms * 1000)).toBe(ms);
    // ns epochs exceed 2^53: a double keeps them to about a microsecond.
    expect(at(ms * 1e6)).toBeCloseTo(ms, 2);
  });

  test("pino's time stays ms whatever its origin (relative clocks too)", () => {
    expect(recordTime({ time: 5_000, ts: 1 })).toBe(5_000);
  });

  test("errors logged by zap-style lines count as errors in the analysis", () => {
    const p = new LogParser();
    const lines = [
      '{"level":"info","ts":1764928800.5,"msg":"started"}',
      '{"level":"error","ts":1764928801.25,"msg":"failed to dial peer"}',
    ];
    const parsed = lines.map((l) => p.push(l));
    expect(parsed.map((m) => m.level)).toEqual(["info", "error"]);
    expect(parsed.map((m) => m.time)).toEqual([1764928800500, 1764928801250]);
  });
});

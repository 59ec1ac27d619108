import { describe, expect, it } from "vitest";
import { javaLog, syslogLines } from "../../test/fixtures/text-logs.js";
import { detectLogFormat } from "./header-detect.js";
import { detectLineTime } from "./line-time.js";
import { LogParser, parse } from "./log-parser.js";
import { CONTINUATION, templateText } from "./template-miner.js";

const JAVA = [
  "2015-10-18 18:01:47,978 ERROR [main] org.foo.Client: request 12 failed",
  "java.io.IOException: Connection reset by peer",
  "\tat org.foo.Bar.baz(Bar.java:42)",
  "\tat org.foo.Bar.qux(Bar.java:50)",
  "Caused by: java.net.SocketException: Broken pipe",
  "\t... 12 more",
  "2015-10-18 18:01:48,001 INFO [main] org.foo.Client: request 13 ok",
  "2015-10-18 18:01:49,500 INFO [main] org.foo.Client: request 14 ok",
];

describe("text lines", { timeout: 60_000 }, () => {
  it("text-line-times: a text line's own stamp is its event's time", () => {
    const { events } = parse(JAVA);
    expect(events.map((e) => e.time)).toEqual([
      ...Array(6).fill(Date.parse("2015-10-18T18:01:47.978Z")),
      Date.parse("2015-10-18T18:01:48.001Z"),
      Date.parse("2015-10-18T18:01:49.500Z"),
    ]);
  });

  it("a file without stamps keeps times undefined (line numbers are its clock)", () => {
    const p = new LogParser({ lineTime: detectLineTime(["alpha one", "beta two", "gamma 3"]) });
    expect(["alpha one", "beta two"].map((l) => p.push(l).time)).toEqual([undefined, undefined]);
    expect(p.clock()).toMatch(/^line numbers/);
  });

  it("stack-trace-lines-joined: frames share one continuation template and point at their record", () => {
    const { templates, events } = parse(JAVA);
    const cont = events.slice(1, 6);
    expect(new Set(cont.map((e) => e.templateId)).size).toBe(1);
    expect(templateText(templates[cont[0]?.templateId ?? -1] ?? { tokens: [] })).toBe(CONTINUATION);
    expect(cont.map((e) => e.record)).toEqual([1, 1, 1, 1, 1]);
    expect(cont.map((e) => e.level)).toEqual(Array(5).fill(undefined));
    // The record's own template and level come from its first line.
    expect(events[0]?.level).toBe("error");
    expect(events[0]?.record).toBeUndefined();
    expect(templateText(templates[events[0]?.templateId ?? -1] ?? { tokens: [] })).toBe(
      "request <num> failed",
    );
    // The frames are kept exactly, as the continuation's value.
    expect(cont.map((e) => e.params[0])).toEqual(JAVA.slice(1, 6));
  });

  it("a CRLF Java log with stack traces: one error per record, no template per frame", () => {
    const lines = javaLog({ seed: 3, records: 600, errorRate: 0.05 }).map((l) => `${l}\r`);
    const { templates, events } = parse(lines);
    const firstLines = lines.filter((l) => /^\d{4}-/.test(l));
    const errorRecords = lines.filter((l) => / ERROR /.test(l)).length;
    expect(errorRecords).toBeGreaterThan(10);
    expect(events.filter((e) => e.level === "error").length).toBe(errorRecords);
    expect(events.filter((e) => e.record !== undefined).length).toBe(
      lines.length - firstLines.length,
    );
    // No template holds a frame, a "Caused by" or a "... N more".
    const texts = templates.filter((t) => t.count > 0).map(templateText);
    expect(texts.filter((t) => /^at |Caused by|\.java|more$|IOException/.test(t))).toEqual([]);
    expect(texts.length).toBeLessThanOrEqual(6);
    // No "\r" reaches a value.
    expect(events.some((e) => e.params.some((p) => p.includes("\r")))).toBe(false);
  });

  it("without a header or stamp, only stack-trace lines continue a record", () => {
    const { events } = parse(
      [
        "Exception in thread main",
        "\tat a.B.c(B.java:1)",
        "  indented prose",
        "java.lang.Error: x",
      ],
      { detectFormat: false },
    );
    expect(events.map((e) => e.record)).toEqual([undefined, 1, undefined, undefined]);
  });

  it("a stack trace before any record is mined as text, not lost", () => {
    const { events } = parse(["\tat a.B.c(B.java:1)", ...JAVA]);
    expect(events[0]?.record).toBeUndefined();
    expect(events).toHaveLength(JAVA.length + 1);
  });

  it("syslog-without-year: a year is assumed and the new year rolls over", () => {
    const lines = syslogLines(1500, 2);
    expect(lines.at(-1)).toMatch(/^Jan {2}1 /);
    const format = detectLogFormat(lines.slice(0, 400));
    expect(format).not.toBeNull();
    const p = new LogParser({
      ...(format === null ? {} : { format }),
      lineTime: detectLineTime(lines.slice(0, 400)),
      assumedYear: 2023,
    });
    const times = lines.map((l) => p.push(l).time as number);
    expect(new Date(times[0] as number).toISOString()).toMatch(/^2023-12-31T23:/);
    expect(new Date(times.at(-1) as number).toISOString()).toMatch(/^2024-01-01T/);
    for (let i = 1; i < times.length; i++)
      expect(times[i]).toBeGreaterThanOrEqual(times[i - 1] as number);
    expect(p.clock()).toContain("2023 assumed");
  });
});

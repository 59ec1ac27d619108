import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { detectLineTime, LineTimeReader } from "./line-time.js";
import { monthNumber } from "./month-name.js";

const utc = (s: string): number => Date.parse(s);

// Reads each line of a file whose stamp is detected from the lines themselves.
function times(lines: readonly string[], year = 2024): (number | undefined)[] {
  const spec = detectLineTime(lines);
  if (spec === null) throw new Error("no stamp detected");
  const r = new LineTimeReader(spec, year);
  return lines.map((l) => r.read(l));
}

describe("line times", { timeout: 30_000 }, () => {
  it.each([
    [
      "log4j comma millis",
      "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.X: started",
      "2015-10-18T18:01:47.978Z",
    ],
    [
      "ISO with T and a zone",
      "2024-01-02T03:04:05.123+01:00 app started",
      "2024-01-02T02:04:05.123Z",
    ],
    ["ISO with Z", "2024-01-02T03:04:05Z app started", "2024-01-02T03:04:05.000Z"],
    [
      "HDFS yyMMdd HHmmss",
      "081109 203615 148 INFO dfs.DataNode: Receiving block",
      "2008-11-09T20:36:15.000Z",
    ],
    [
      "Spark yy/MM/dd",
      "17/06/09 20:10:40 INFO executor.Executor: Running task",
      "2017-06-09T20:10:40.000Z",
    ],
    [
      "Apache error ctime in brackets",
      "[Sun Dec 04 04:47:44 2005] [error] mod_jk child",
      "2005-12-04T04:47:44.000Z",
    ],
    ["epoch seconds", "1131566461 node-1 kernel: started", "2005-11-09T20:01:01.000Z"],
    ["epoch with a fraction", "1131566461.250 node-1 kernel: started", "2005-11-09T20:01:01.250Z"],
    [
      "compact HealthApp",
      "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged",
      "2017-12-23T22:15:29.606Z",
    ],
    ["Apache access log", "[10/Oct/2000:13:55:36 -0700] GET /a.gif", "2000-10-10T20:55:36.000Z"],
  ])("reads a %s stamp", (_name, line, iso) => {
    expect(times([line, line, line])[0]).toBe(utc(iso));
  });

  it("reads a stamp after leading columns (BGL's '- 1117838570 …')", () => {
    const lines = [
      "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected",
      "- 1117838573 2005.06.03 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected",
      "APPREAD 1117869872 2005.06.04 R04-M1-N4-I:J18-U11 RAS APP FATAL ciod: failed to read message prefix",
    ];
    expect(detectLineTime(lines)).toEqual({ stamp: "epoch", lead: 1 });
    expect(times(lines)).toEqual([1117838570000, 1117838573000, 1117869872000]);
  });

  it("syslog-without-year: assumes the year and rolls over at the new year", () => {
    const lines = [
      "Dec 31 23:59:58 host sshd[1]: a",
      "Dec 31 23:59:59 host sshd[1]: b",
      "Jan  1 00:00:01 host sshd[1]: c",
      "Jan  1 00:00:02 host sshd[1]: d",
    ];
    expect(times(lines, 2023)).toEqual([
      utc("2023-12-31T23:59:58Z"),
      utc("2023-12-31T23:59:59Z"),
      utc("2024-01-01T00:00:01Z"),
      utc("2024-01-01T00:00:02Z"),
    ]);
  });

  it("a clock that steps back by minutes (threads) is not taken for a new year", () => {
    const lines = ["Jun 14 15:16:01 a", "Jun 14 15:10:00 b", "Jun 14 15:16:02 c"];
    expect(times(lines, 2005)).toEqual([
      utc("2005-06-14T15:16:01Z"),
      utc("2005-06-14T15:10:00Z"),
      utc("2005-06-14T15:16:02Z"),
    ]);
  });

  it("times of day without a date roll over at midnight", () => {
    const lines = [
      "23:59:59.900 [main] INFO a",
      "00:00:00.100 [main] INFO b",
      "00:00:01 [main] INFO c",
    ];
    expect(times(lines)).toEqual([86_399_900, 86_400_100, 86_401_000]);
  });

  it("ctime wins over the syslog stamp inside it, ISO over its time of day", () => {
    expect(detectLineTime(Array(3).fill("[Sun Dec 04 04:47:44 2005] [notice] x"))).toEqual({
      stamp: "ctime",
      lead: 0,
    });
    expect(detectLineTime(Array(3).fill("2015-07-29 17:41:44,747 - INFO x"))).toEqual({
      stamp: "iso",
      lead: 0,
    });
  });

  it("stack-trace lines neither count for nor against a file's stamp", () => {
    const lines = [
      "2024-03-10 08:00:00,001 ERROR [main] a.B: failed",
      "\tat a.B.c(B.java:1)",
      "\tat a.B.d(B.java:2)",
      "\tat a.B.e(B.java:3)",
      "\tat a.B.f(B.java:4)",
      "Caused by: java.io.IOException: x",
      "\t... 4 more",
      "2024-03-10 08:00:01,001 INFO [main] a.B: ok",
      "2024-03-10 08:00:02,001 INFO [main] a.B: ok",
    ];
    expect(detectLineTime(lines)).toEqual({ stamp: "iso", lead: 0 });
  });

  it("a file without stamps has none, and a line without one reads undefined", () => {
    expect(detectLineTime(["hello world", "no time here", "nor here 12 34"])).toBeNull();
    expect(detectLineTime(['{"level":30,"time":1,"msg":"json is not text"}'])).toBeNull();
    const r = new LineTimeReader({ stamp: "iso", lead: 0 }, 2024);
    expect(r.read("not a stamp")).toBeUndefined();
    // Out-of-range fields are not a stamp.
    expect(r.read("2024-13-02 03:04:05 x")).toBeUndefined();
    expect(r.read("2024-01-02 25:04:05 x")).toBeUndefined();
  });

  it("a stamp cut off before its seconds is no stamp, not NaN (fast-check seed 1980081431)", () => {
    const syslog = new LineTimeReader({ stamp: "syslog", lead: 0 }, 2024);
    expect(syslog.read("Jun 8 0:00:")).toBeUndefined();
    expect(syslog.read("Jun 8 0:00:5")).toBeUndefined();
    const iso = new LineTimeReader({ stamp: "iso", lead: 0 }, 2024);
    expect(iso.read("2024-01-02 03:04:")).toBeUndefined();
    expect(iso.read("2024-01-0")).toBeUndefined();
  });

  it("slash dates: day first when a day above 12 shows it, month first otherwise", () => {
    const dayFirst = ["05/07/2015 17:41:44 a", "29/07/2015 17:41:45 b", "30/07/2015 17:41:46 c"];
    expect(detectLineTime(dayFirst)?.stamp).toBe("d/M/yyyy");
    expect(times(dayFirst)[1]).toBe(utc("2015-07-29T17:41:45Z"));
    const monthFirst = ["12/24/2019 10:00:00 a", "12/24/2019 10:00:01 b", "12/25/2019 10:00:02 c"];
    expect(detectLineTime(monthFirst)?.stamp).toBe("M/d/yyyy");
    expect(times(monthFirst)[2]).toBe(utc("2019-12-25T10:00:02Z"));
  });

  it("a time of day after a date it cannot read is no stamp (the date is not dropped)", () => {
    const lines = ["2015_07_29 17:41:44 a", "2015_07_29 17:41:45 b", "2015_07_29 17:41:46 c"];
    expect(detectLineTime(lines)).toBeNull();
    expect(detectLineTime(["INFO 17:41:44 a", "INFO 17:41:45 b", "INFO 17:41:46 c"])).toEqual({
      stamp: "time-of-day",
      lead: 1,
    });
  });

  it("picks one stamp per file: a message that carries another stamp does not flip it", () => {
    const lines = [
      "Jun 14 15:16:01 host app: next run 2024-01-02 03:04:05",
      "Jun 14 15:16:02 host app: next run 2024-01-02 03:04:06",
      "Jun 14 15:16:03 host app: ok",
    ];
    const spec = detectLineTime(lines);
    expect(spec).toEqual({ stamp: "syslog", lead: 0 });
    const r = new LineTimeReader(spec as NonNullable<typeof spec>, 2005);
    expect(lines.map((l) => r.read(l))).toEqual([
      utc("2005-06-14T15:16:01Z"),
      utc("2005-06-14T15:16:02Z"),
      utc("2005-06-14T15:16:03Z"),
    ]);
    // A date in the message is never read; a line that starts with a full date is.
    expect(r.read("Jun 14 15:16:04 host app: next run 2024-01-02 03:04:05")).toBe(
      utc("2005-06-14T15:16:04Z"),
    );
    expect(r.read("host app: next run 2024-01-02 03:04:05")).toBeUndefined();
  });

  // The ISO reader is hand-written for speed; the regex below is its specification.
  const ISO =
    /^(\d{4})[-/.](\d{2})[-/.](\d{2})[T ](\d{1,2}):(\d{2}):(\d{2})(?:[.,:](\d{1,9}))?(?: ?([AaPp])\.?[Mm]\.?(?!\w))?(?:(Z|[+-]\d{2}:?\d{2})| (Z|[+-]\d{2}:?\d{2})(?![\w:]))?/;
  // 12-hour clock: 12 AM is 0, 1–11 PM add 12; 0 and 13–23 are 24-hour already.
  const hour24 = (h: number, ap: string | undefined): number =>
    ap === undefined || h === 0 || h > 12 ? h : (h % 12) + (ap.toLowerCase() === "p" ? 12 : 0);
  function isoByRegex(line: string): number | undefined {
    const m = ISO.exec(line);
    if (m === null) return undefined;
    const n = (i: number): number => Number(m[i] ?? "0");
    const [mo, d, mi, sec] = [n(2), n(3), n(5), n(6)];
    const h = hour24(n(4), m[8]);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return undefined;
    const ms = Number(`${m[7] ?? ""}000`.slice(0, 3));
    const z = m[9] ?? m[10];
    let off = 0;
    if (z !== undefined && z !== "Z") {
      const zz = z.replace(":", "");
      off = (z[0] === "-" ? -1 : 1) * (Number(zz.slice(1, 3)) * 60 + Number(zz.slice(3, 5)));
    }
    return Date.UTC(n(1), mo - 1, d, h, mi, sec) + ms - off * 60_000;
  }
  const isoish = fc
    .array(fc.constantFrom(..."0123456789-/.T :,Z+xAPMapm"), { maxLength: 40 })
    .map((cs) => cs.join(""));
  const nearIso = fc
    .tuple(
      fc.constantFrom("2015-10-18 18:01:47", "2024/01/02T3:04:05", "1999.12.31 23:59:60"),
      fc.constantFrom("", ",978", ".1", ":123456789012", ".", ","),
      fc.constantFrom("", " PM", "am", " p.m.", " pm.x", " AMx", " am2"),
      fc.constantFrom(
        "",
        "Z",
        "+01:00",
        "-0530",
        "+1",
        "+01:x0",
        " INFO",
        " +0100",
        " -05:00:",
        " Z",
      ),
      isoish,
    )
    .map((parts) => parts.join(""));

  test.prop([fc.oneof(isoish, nearIso)], { numRuns: 3000 })(
    "reads ISO stamps exactly as its regex specifies",
    (line) => {
      const r = new LineTimeReader({ stamp: "iso", lead: 0 }, 2024);
      expect(r.read(line)).toBe(isoByRegex(line));
    },
  );

  const SYSLOG =
    /^([A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]{3,10}\.?) +(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})(?:[.,:](\d{1,9}))?(?: ?([AaPp])\.?[Mm]\.?(?!\w))?/;
  function syslogByRegex(line: string): number | undefined {
    const m = SYSLOG.exec(line);
    if (m === null) return undefined;
    const mon = monthNumber(m[1] as string);
    const n = (i: number): number => Number(m[i] ?? "0");
    const [d, mi, sec] = [n(2), n(4), n(5)];
    const h = hour24(n(3), m[7]);
    if (mon === 0 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return undefined;
    const ms = Number(`${m[6] ?? ""}000`.slice(0, 3));
    return Date.UTC(2024, mon - 1, d, h, mi, sec) + ms;
  }
  const syslogish = fc
    .tuple(
      fc.constantFrom(
        "Jun",
        "June",
        "Dec",
        "jun",
        "Jux",
        "Sept",
        "Ma",
        "DEC",
        "Dez",
        "déc.",
        "févr",
        "Decembersss",
      ),
      fc.array(fc.constantFrom(..."0123456789 :.,x"), { maxLength: 24 }).map((c) => c.join("")),
    )
    .map(([a, b]) => a + b);
  const nearSyslog = fc
    .tuple(
      fc.constantFrom("Jun 14 15:16:01", "Dec  1 0:00:00", "June 9 23:59:60", "Sep 31 12:3:00"),
      fc.constantFrom("", ".5", ",123456", ":", " host", " PM", "a.m.", " pm2"),
    )
    .map(([a, b]) => a + b);

  test.prop([fc.oneof(syslogish, nearSyslog)], { numRuns: 3000 })(
    "reads syslog stamps exactly as its regex specifies",
    (line) => {
      const r = new LineTimeReader({ stamp: "syslog", lead: 0 }, 2024);
      expect(r.read(line)).toBe(syslogByRegex(line));
    },
  );
});

// One case per stamp shape a log from an unknown system may carry, and the
// file-level choices: the majority stamp wins, other known stamps still read.
import { describe, expect, it } from "vitest";
import { detectLineTime, LineTimeReader } from "./line-time.js";
import { MONTH_NAMES, monthNumber } from "./month-name.js";

const utc = (s: string): number => Date.parse(s);

// Reads each line of a file whose stamp is detected from the lines themselves.
function times(lines: readonly string[], year = 2026): (number | undefined)[] {
  const spec = detectLineTime(lines);
  if (spec === null) throw new Error("no stamp detected");
  const r = new LineTimeReader(spec, year);
  return lines.map((l) => r.read(l));
}

// Three lines of one shape, each a second later than the last.
function three(stamp: (s: number) => string): string[] {
  return [1, 2, 3].map((s) => `${stamp(s)} worker ${s} done`);
}

describe("stamp shapes", { timeout: 30_000 }, () => {
  it.each([
    ["ISO with T and Z", (s: number) => `2026-12-06T02:14:0${s}Z`, "2026-12-06T02:14:01Z"],
    ["ISO with a space", (s: number) => `2026-12-06 02:14:0${s}`, "2026-12-06T02:14:01Z"],
    ["ISO 1-digit fraction", (s: number) => `2026-12-06T02:14:0${s}.5Z`, "2026-12-06T02:14:01.5Z"],
    [
      "ISO 9-digit fraction",
      (s: number) => `2026-12-06T02:14:0${s}.123456789Z`,
      "2026-12-06T02:14:01.123Z",
    ],
    ["ISO +hh:mm", (s: number) => `2026-12-06T03:14:0${s}+01:00`, "2026-12-06T02:14:01Z"],
    ["ISO +hhmm", (s: number) => `2026-12-06T03:14:0${s}.000+0100`, "2026-12-06T02:14:01Z"],
    [
      "ISO -hhmm after a space",
      (s: number) => `2026-12-05 21:14:0${s} -0500`,
      "2026-12-06T02:14:01Z",
    ],
    ["bracketed log4j", (s: number) => `[2026-12-06 02:14:0${s},123]`, "2026-12-06T02:14:01.123Z"],
    ["Go log", (s: number) => `2026/12/06 02:14:0${s}`, "2026-12-06T02:14:01Z"],
    ["epoch seconds", (s: number) => `179652324${s}`, "2026-12-06T02:14:01Z"],
    ["epoch millis", (s: number) => `179652324${s}123`, "2026-12-06T02:14:01.123Z"],
    ["epoch micros", (s: number) => `179652324${s}123456`, "2026-12-06T02:14:01.123Z"],
    [
      "glog",
      (s: number) => `I1206 02:14:0${s}.123456    42 main.go:10]`,
      "2026-12-06T02:14:01.123Z",
    ],
    [
      "Tomcat d-MMM-yyyy",
      (s: number) => `06-Dec-2026 02:14:0${s}.123 INFO`,
      "2026-12-06T02:14:01.123Z",
    ],
    ["RFC 2822", (s: number) => `Sun, 06 Dec 2026 03:14:0${s} +0100`, "2026-12-06T02:14:01Z"],
    [
      "JavaScript Date",
      (s: number) => `Sun Dec 06 2026 03:14:0${s} GMT+0100 (CET)`,
      "2026-12-06T02:14:01Z",
    ],
    [
      "Apache access log",
      (s: number) => `10.0.0.1 - - [06/Dec/2026:02:14:0${s} +0000] "GET / HTTP/1.1"`,
      "2026-12-06T02:14:01Z",
    ],
    ["German d.M.yyyy", (s: number) => `06.12.2026 02:14:0${s}`, "2026-12-06T02:14:01Z"],
    [
      "logfmt time=",
      (s: number) => `time="2026-12-06T02:14:0${s}Z" level=info msg="x"`,
      "2026-12-06T02:14:01Z",
    ],
    [
      "logfmt ts= after level",
      (s: number) => `level=info ts=2026-12-06T02:14:0${s}.5Z`,
      "2026-12-06T02:14:01.5Z",
    ],
    [
      "syslog with a priority",
      (s: number) => `<34>Dec  6 02:14:0${s} host su:`,
      "2026-12-06T02:14:01Z",
    ],
    [
      "RFC 5424 syslog",
      (s: number) => `<165>1 2026-12-06T02:14:0${s}.003Z host app - -`,
      "2026-12-06T02:14:01.003Z",
    ],
    ["12-hour US date", (s: number) => `12/06/2026 02:14:0${s} PM`, "2026-12-06T14:14:01Z"],
    ["12-hour month name", (s: number) => `Dec 6, 2026 2:14:0${s} PM`, "2026-12-06T14:14:01Z"],
    ["12-hour a.m.", (s: number) => `Dec 6, 2026 9:14:0${s} a.m.`, "2026-12-06T09:14:01Z"],
    ["a month in capitals", (s: number) => `DEC  6 02:14:0${s}`, "2026-12-06T02:14:01Z"],
    ["a month in full", (s: number) => `December 6 02:14:0${s}`, "2026-12-06T02:14:01Z"],
    ["a German month", (s: number) => `Dez 6 02:14:0${s}`, "2026-12-06T02:14:01Z"],
    ["a French month", (s: number) => `déc. 6 02:14:0${s}`, "2026-12-06T02:14:01Z"],
    ["a Spanish month", (s: number) => `06-dic-2026 02:14:0${s}`, "2026-12-06T02:14:01Z"],
  ])("reads a %s stamp", (_name, stamp, iso) => {
    const got = times(three(stamp));
    expect(got[0]).toBe(utc(iso));
    expect(got[2]).toBe(utc(iso) + 2000);
  });

  it("12 AM is midnight and 12 PM is noon", () => {
    const lines = [
      "12/06/2026 12:00:01 AM a",
      "12/06/2026 12:00:01 PM b",
      "12/06/2026 1:00:01 PM c",
    ];
    expect(times(lines)).toEqual([
      utc("2026-12-06T00:00:01Z"),
      utc("2026-12-06T12:00:01Z"),
      utc("2026-12-06T13:00:01Z"),
    ]);
  });

  it("a 24-hour clock is not shifted by a message that starts with AM or PM", () => {
    const lines = [
      "2026-12-06 14:00:01 PM started",
      "2026-12-06 00:00:02 AM x",
      "2026-12-06 02:00:03 pm2 up",
    ];
    expect(times(lines)).toEqual([
      utc("2026-12-06T14:00:01Z"),
      utc("2026-12-06T00:00:02Z"),
      utc("2026-12-06T02:00:03Z"),
    ]);
  });

  it("a month word it does not know is no stamp: the line has no time, never a wrong one", () => {
    for (const word of ["дек", "Foo", "Decembre2", "12月"]) {
      expect(monthNumber(word)).toBe(0);
      const r = new LineTimeReader({ stamp: "syslog", lead: 0 }, 2026);
      expect(r.read(`${word} 6 02:14:03 host app: x`)).toBeUndefined();
    }
    expect(detectLineTime(three((s) => `дек 6 02:14:0${s}`))).toBeNull();
  });

  it("no month spelling means two different months", () => {
    const all = MONTH_NAMES.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.every((n) => n === n.toLowerCase())).toBe(true);
  });

  it("glog without a year rolls over at the new year", () => {
    const lines = [
      "I1231 23:59:59.000000 1 a.go:1] a",
      "I1231 23:59:59.500000 1 a.go:1] b",
      "I0101 00:00:01.000000 1 a.go:1] c",
    ];
    expect(times(lines, 2025)).toEqual([
      utc("2025-12-31T23:59:59Z"),
      utc("2025-12-31T23:59:59.5Z"),
      utc("2026-01-01T00:00:01Z"),
    ]);
  });
});

describe("one file, several stamps", { timeout: 30_000 }, () => {
  it("the stamp most sample lines carry wins over the first lines' stamp", () => {
    const banner = three((s) => `Dec  6 02:00:0${s} boot: banner`);
    const body = Array.from(
      { length: 10 },
      (_, k) => `2026-12-06T02:14:${String(10 + k)}Z app: tick`,
    );
    const spec = detectLineTime([...banner, ...body]);
    expect(spec?.stamp).toBe("iso");
    expect(spec?.others).toEqual([{ stamp: "syslog", lead: 0 }]);
  });

  it("a number or a time of day inside messages is never a second stamp", () => {
    const lines = [
      "2026-12-06T02:14:01Z app: a",
      "app: user 1796523999 logged in",
      "2026-12-06T02:14:03Z app: c",
      "app: user 1796524999 logged in",
      "retry scheduled 23:00:00 later",
      "retry scheduled 23:00:01 later",
      "2026-12-06T02:14:05Z app: e",
      "2026-12-06T02:14:06Z app: f",
    ];
    expect(detectLineTime(lines)).toEqual({ stamp: "iso", lead: 0 });
  });

  it("lines in a second stamp the sample shows keep their times", () => {
    const lines = [
      "2026-12-06T02:14:01Z app: a",
      "I1206 02:14:02.000000 1 x.go:1] sidecar: b",
      "2026-12-06T02:14:03Z app: c",
      "I1206 02:14:04.000000 1 x.go:1] sidecar: d",
      "2026-12-06T02:14:05Z app: e",
    ];
    expect(times(lines, 2000)).toEqual([1, 2, 3, 4, 5].map((s) => utc(`2026-12-06T02:14:0${s}Z`)));
    const spec = detectLineTime(lines);
    expect(new LineTimeReader(spec as NonNullable<typeof spec>, 2000).describe()).toBe(
      'line stamps "iso" (UTC unless the stamp states a zone; some lines "glog")',
    );
  });

  it("a full-date stamp the sample never showed is still read at a line's start", () => {
    const r = new LineTimeReader({ stamp: "syslog", lead: 0 }, 2026);
    expect(r.read("Dec  6 02:14:01 host app: a")).toBe(utc("2026-12-06T02:14:01Z"));
    expect(r.read("[06/Dec/2026:02:14:02 +0000] other")).toBe(utc("2026-12-06T02:14:02Z"));
    expect(r.read("06-Dec-2026 02:14:03.000 INFO x")).toBe(utc("2026-12-06T02:14:03Z"));
    // A bare time of day is not self-evident: it is only read when the sample shows it.
    expect(r.read("02:14:04 something")).toBeUndefined();
  });

  it("stamps without a year take the year of the file's dated lines", () => {
    const lines = [
      "2019-12-31T23:59:58Z app: a",
      "Dec 31 23:59:59 host app: b",
      "Dec 31 23:59:59 host app: b2",
      "Jan  1 00:00:01 host app: c",
      "2020-01-01T00:00:02Z app: d",
      "2020-01-01T00:00:03Z app: e",
    ];
    expect(times(lines, 2026)).toEqual([
      utc("2019-12-31T23:59:58Z"),
      utc("2019-12-31T23:59:59Z"),
      utc("2019-12-31T23:59:59Z"),
      utc("2020-01-01T00:00:01Z"),
      utc("2020-01-01T00:00:02Z"),
      utc("2020-01-01T00:00:03Z"),
    ]);
  });

  it("a file of bare times of day reads no dated line (its clock starts in 1970)", () => {
    const lines = ["02:14:01 a", "02:14:02 b", "2026-12-06 02:14:03 c", "02:14:04 d", "02:14:05 e"];
    const got = times(lines);
    expect(got[2]).toBeUndefined();
    expect(got[3]).toBe(utc("1970-01-01T02:14:04Z"));
    expect(got[4]).toBe(utc("1970-01-01T02:14:05Z"));
  });
});

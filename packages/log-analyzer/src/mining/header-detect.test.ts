import { describe, expect, it } from "vitest";
import { detectLogFormat } from "./header-detect.js";
import { parse } from "./log-parser.js";
import { templateText } from "./template-miner.js";

const hosts = ["alpha", "bravo", "charlie"];
const days = ["Mon", "Tue", "Wed"];
const months = ["Jan", "Feb", "Mar"];
const lines = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));

describe("detectLogFormat", () => {
  it("finds syslog headers, so lines are not split by month, host or pid", () => {
    const log = lines(30, (i) => {
      const m = months[i % 3];
      const verb = i % 2 === 0 ? "started" : "stopped";
      return `${m} ${1 + (i % 28)} 0${i % 10}:1${i % 6}:22 ${hosts[i % 3]} cron[${100 + i}]: job ${verb} for user u${i}`;
    });
    expect(detectLogFormat(log)).toBe("<Month> <Day> <Time> <Host> <Component>: <Content>");
    expect(parse(log).templates.map(templateText).sort()).toEqual([
      "job started for user <*>",
      "job stopped for user <*>",
    ]);
  });

  it("finds ISO-8601 and log4j headers, ctime brackets, and a leading column", () => {
    const iso = lines(
      10,
      (i) => `2024-03-0${1 + (i % 9)}T10:00:0${i % 10}.123Z WARN disk ${i}% full`,
    );
    expect(detectLogFormat(iso)).toBe("<Timestamp> <Level> <Content>");
    const log4j = lines(
      10,
      (i) => `2015-10-18 18:01:47,97${i % 10} INFO [main ${i}] org.x.Y: created ${i}`,
    );
    expect(detectLogFormat(log4j)).toBe("<Date> <Time> <Level> [<Thread>] <Component>: <Content>");
    const ctime = lines(
      10,
      (i) => `[${days[i % 3]} Dec 0${1 + (i % 9)} 04:47:44 2005] [notice] child ${i} ok`,
    );
    expect(detectLogFormat(ctime)).toBe(
      "[<Weekday> <Month> <Day> <Time> <Year>] [<Level>] <Content>",
    );
    const lead = lines(
      10,
      (i) => `app.log.${i} 2017-05-16 00:00:0${i % 10}.008 25746 INFO a.b.c request ${i} done`,
    );
    expect(detectLogFormat(lead)).toBe(
      "<Column1> <Date> <Time> <Pid> <Level> <Component> <Content>",
    );
  });

  it("finds epoch-second stamps behind leading columns, and prefers the more checked format", () => {
    const epoch = lines(
      10,
      (i) => `${9000 + i} node-${i} unix.hw ${1077804742 + i} 1 link ${i} down`,
    );
    expect(detectLogFormat(epoch)).toBe("<Column1> <Column2> <Column3> <Epoch> <Content>");
    const labelled = lines(
      10,
      (i) =>
        `- ${1131566461 + i} 2005.11.09 dn${i} Nov ${1 + i} 12:01:0${i} dn${i}/x crond[${i}]: session closed`,
    );
    expect(detectLogFormat(labelled)).toBe(
      "<Column1> <Column2> <Column3> <Column4> <Month> <Day> <Time> <Host> <Component>: <Content>",
    );
  });

  it("finds nothing in plain text or pino JSON, and ignores JSON among text", () => {
    expect(detectLogFormat(lines(10, (i) => `session opened for user${i} today`))).toBeNull();
    expect(detectLogFormat(lines(10, (i) => `{"level":30,"msg":"m ${i}"}`))).toBeNull();
  });

  it("decides on the head of each line, so huge lines stay cheap", () => {
    const big = lines(5, (i) => `2024-03-0${1 + i}T10:00:00Z INFO ${"x ".repeat(500_000)}`);
    // Without the cut this scans 5 MB per candidate and runs into the test timeout.
    expect(detectLogFormat(big)).toBe("<Timestamp> <Level> <Content>");
  });

  it("finds 12-hour, month-name, Tomcat and glog headers, so the stamp is not mined", () => {
    const cases: [string, (i: number) => string, string][] = [
      [
        "<Date> <Time> <Ampm> <Content>",
        (i) => `12/0${1 + (i % 9)}/2026 0${1 + (i % 9)}:14:03 PM worker ${i} finished`,
        "worker <num> finished",
      ],
      [
        "<Month> <Day>, <Year> <Time> <Ampm> <Level> [<Thread>] <Component>: <Content>",
        (i) => `Dec ${1 + i}, 2026 2:14:0${i % 10} AM INFO [main] c.e.W: worker ${i} finished`,
        "worker <num> finished",
      ],
      [
        "<Month> <Day> <Time> <Host> <Component>: <Content>",
        (i) => `DEZ ${1 + i} 02:14:0${i % 10} host cron[${i}]: worker ${i} finished`,
        "worker <num> finished",
      ],
      [
        "<Date> <Time> <Level> <Content>",
        (i) => `0${1 + (i % 9)}-Dec-2026 02:14:0${i % 10}.123 INFO worker ${i} finished`,
        "worker <num> finished",
      ],
      [
        "<Glog> <Time> <Pid> <Component>] <Content>",
        (i) =>
          `I120${i % 10} 02:14:0${i % 10}.123456    4${i % 3} server.go:${i}] worker ${i} finished`,
        "worker <num> finished",
      ],
    ];
    for (const [format, line, template] of cases) {
      const log = lines(20, line);
      expect(detectLogFormat(log)).toBe(format);
      expect(parse(log).templates.map(templateText)).toEqual([template]);
    }
  });
});

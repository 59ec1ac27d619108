import { describe, expect, it } from "vitest";
import { LogParser, parse } from "./log-parser.js";
import { templateText } from "./template-miner.js";

describe("parse", () => {
  it("mines pino msg field-wise and keeps the other fields as typed columns", () => {
    const lines = [
      '{"level":30,"time":1700000000000,"event":"peer-state","device":"ab12cd34ef56","peer":"ff00ee11dd22","stream":"ff00ee11dd22/4","state":"ready","msg":"peer ready"}',
      '{"level":"warn","time":1700000000100,"event":"pull-batch","device":"ab12cd34ef56","entries":12,"msg":"pulled 12 entries"}',
      '{"level":50,"time":1700000000200,"event":"pull-batch","device":"ab12cd34ef56","entries":40,"msg":"pulled 40 entries"}',
    ];
    const { templates, events } = parse(lines);
    expect(events.map((e) => e.level)).toEqual(["info", "warn", "error"]);
    expect(events[0]?.fields).toMatchObject({
      device: "ab12cd34ef56",
      stream: "ff00ee11dd22/4",
      state: "ready",
    });
    expect(events[1]?.fields?.entries).toBe(12);
    expect(events[0]?.time).toBe(1700000000000);
    expect(events[1]?.templateId).toBe(events[2]?.templateId);
    const t = templates[events[1]?.templateId ?? -1];
    expect(t?.namespace).toBe("pull-batch");
    expect(t === undefined ? "" : templateText(t)).toBe("pulled <num> entries");
    expect(events[2]?.params).toEqual(["40"]);
  });

  it("gives every event of a template its final parameter count", () => {
    // The first two tokens route the Drain tree, so the variable comes later.
    const { events } = parse([
      "session opened for alice today",
      "session opened for bob today",
      "session opened for carol today",
    ]);
    expect(events.map((e) => e.params)).toEqual([["alice"], ["bob"], ["carol"]]);
  });

  it("mines only <Content> of a header format and keeps headers as fields", () => {
    const p = new LogParser({ format: "<Date> <Time> <Level> <Component>: <Content>" });
    const e = p.push("081109 203615 INFO dfs.DataNode: Receiving block 12 src 3");
    expect(e.fields).toEqual({
      Date: "081109",
      Time: "203615",
      Level: "INFO",
      Component: "dfs.DataNode",
    });
    expect(e.level).toBe("info");
    expect(p.templates()[0]?.tokens).toEqual(["Receiving", "block", "<num>", "src", "<num>"]);
  });

  it("treats lines that are not JSON objects as text", () => {
    const { events, templates } = parse(["{not json", "[1,2]"]);
    expect(events.every((e) => e.fields === null)).toBe(true);
    expect(templates.length).toBe(2);
  });

  it("tracks first/last seen and parameter statistics per template", () => {
    const lines = Array.from({ length: 100 }, (_, i) => `took ${i} ms on node${i % 3}`);
    const { templates } = parse(lines);
    const t = templates[0];
    expect(t?.count).toBe(100);
    expect(t?.firstLine).toBe(1);
    expect(t?.lastLine).toBe(100);
    const num = t?.stats[1]?.summary();
    expect(num?.numeric).toEqual({ min: 0, max: 99, mean: 49.5 });
    const node = t?.stats[4]?.summary();
    expect(node?.distinct).toBe(3);
    expect(node?.distinctExact).toBe(true);
  });

  it("parse-fails-on-crlf-lines: a trailing \\r does not stop the format from matching", () => {
    const format = "<Date> <Time> <Level> <Component>: <Content>";
    const lf = parse(["081109 203615 INFO dfs.DataNode: Receiving block 12"], { format });
    const crlf = parse(["081109 203615 INFO dfs.DataNode: Receiving block 12\r"], { format });
    expect(crlf.events[0]?.fields).toEqual(lf.events[0]?.fields);
    expect(crlf.templates.map(templateText)).toEqual(["Receiving block <num>"]);
  });
});

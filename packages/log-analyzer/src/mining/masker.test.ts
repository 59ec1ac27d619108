import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { maskRange, maskToken, newSpanList } from "./masker.js";
import { classifyWord } from "./word-class.js";

function mask(t: string, lists = false): [string, string[]] {
  const p: string[] = [];
  return [maskToken(t, p, null, lists), p];
}

describe("maskToken", () => {
  it("names numbers, hex, uuids and ips and captures their text in order", () => {
    expect(mask("uid=0")).toEqual(["uid=<num>", ["0"]]);
    expect(mask("10.251.73.220:50010")).toEqual(["<ip>:<num>", ["10.251.73.220", "50010"]]);
    expect(mask("sessionid:0x14ed93111f20027")).toEqual(["sessionid:<hex>", ["0x14ed93111f20027"]]);
    expect(mask("a1f3c09e7b2d4e11/3")).toEqual(["<hex>/<num>", ["a1f3c09e7b2d4e11", "3"]]);
    expect(mask("123e4567-e89b-12d3-a456-426614174000")).toEqual([
      "<uuid>",
      ["123e4567-e89b-12d3-a456-426614174000"],
    ]);
  });

  it("keeps the slash of a Java /ip address inside the parameter", () => {
    expect(mask("/10.10.34.11:3888")).toEqual(["<ip>:<num>", ["/10.10.34.11", "3888"]]);
  });

  it("masks absolute paths and urls as one parameter", () => {
    expect(mask("/user/root/rand/part-00596")).toEqual(["<path>", ["/user/root/rand/part-00596"]]);
    expect(mask("file=/var/log/x.log,")).toEqual(["file=<path>,", ["/var/log/x.log"]]);
    expect(mask("https://example.com/a?b=1")).toEqual(["<url>", ["https://example.com/a?b=1"]]);
  });

  it("keeps a unit suffix literal and leaves words with digits to the miner", () => {
    expect(mask("250ms")).toEqual(["<num>ms", ["250"]]);
    expect(mask("ssh2")).toEqual(["ssh2", []]);
    expect(mask("-12.5")).toEqual(["<num>", ["-12.5"]]);
  });

  it("classifies dates and versions as numbers", () => {
    expect(classifyWord("2015-07-29")?.name).toBe("num");
    expect(classifyWord("3.4.5")?.name).toBe("num");
    expect(classifyWord("1.2.3.4")?.name).toBe("ip");
    expect(classifyWord("hello")).toBeNull();
  });

  it("masks the values inside identifiers and leaves digits glued to letters alone", () => {
    expect(mask("core.4505")).toEqual(["core.<num>", ["4505"]]);
    expect(mask("node-246")).toEqual(["node-<num>", ["246"]]);
    expect(mask("R02-M1-N0")).toEqual(["R02-M1-N0", []]);
    expect(mask("job_1445_0020", true)).toEqual(["job_<num>", ["1445_0020"]]);
    expect(mask("job_1445_0020")).toEqual(["job_<num>_<num>", ["1445", "0020"]]);
  });

  it("turns a list of one kind of value into one placeholder when asked", () => {
    expect(mask("10.0.0.1,10.0.0.2", true)).toEqual(["<ip>", ["10.0.0.1,10.0.0.2"]]);
    expect(mask("steps=7##12##3", true)).toEqual(["steps=<num>", ["7##12##3"]]);
    expect(mask("10.0.0.1,10.0.0.2")).toEqual(["<ip>,<ip>", ["10.0.0.1", "10.0.0.2"]]);
    // Different kinds, or a unit in between, end the list.
    expect(mask("10.0.0.1:80", true)).toEqual(["<ip>:<num>", ["10.0.0.1", "80"]]);
    expect(mask("5ms,6ms", true)).toEqual(["<num>ms,<num>ms", ["5", "6"]]);
  });

  it("masks true and false as values", () => {
    expect(mask("overlap:false")).toEqual(["overlap:<bool>", ["false"]]);
    expect(mask("TRUE")).toEqual(["<bool>", ["TRUE"]]);
    expect(mask("untrue")).toEqual(["untrue", []]);
  });
});

describe("maskRange", () => {
  const unit = fc.constantFrom(
    ..."0123456789abcdefxXtrueFALSE.-_:/,;#|=()<>@%".split(""),
    "\ue000",
    "\ue001",
  );
  const token = fc.string({ unit, minLength: 1, maxLength: 40 });
  const context = fc.string({ unit, maxLength: 6 });
  const table = { values: ["12 bytes", "x y"], names: ["size", "pair"] };
  const spanValue = (line: string, start: number, end: number, withTable: boolean): string =>
    withTable && end === start + 1 && line.charCodeAt(start) >= 0xe000
      ? (table.values[line.charCodeAt(start) - 0xe000] ?? "")
      : line.slice(start, end);

  test.prop([context, token, context, fc.boolean(), fc.boolean()], { numRuns: 2000 })(
    "masks a token inside a line as maskToken masks it alone, with its parameters' spans",
    (before, tok, after, lists, withTable) => {
      const t = withTable ? table : null;
      const params: string[] = [];
      const masked = maskToken(tok, params, t, lists);
      const line = before + tok + after;
      const spans = newSpanList();
      const from = before.length;
      expect(maskRange(line, from, from + tok.length, spans, t, lists)).toBe(masked);
      const values = spans.starts
        .slice(0, spans.length)
        .map((s, k) => spanValue(line, s, spans.ends[k] as number, withTable));
      expect(values).toEqual(params);
    },
  );
});

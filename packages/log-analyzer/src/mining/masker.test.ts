import { describe, expect, it } from "vitest";
import { classifyWord, maskToken } from "./masker.js";

function mask(t: string): [string, string[]] {
  const p: string[] = [];
  return [maskToken(t, p, null), p];
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
});

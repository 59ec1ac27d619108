import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LogErrorCode } from "../errors.js";
import { readLineArrays, readLineBatches, readLines } from "./line-reader.js";

const dir = mkdtempSync(join(tmpdir(), "la-lines-"));

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

// A 9 MB file on a loaded 2-core machine can take more than the default 5 s.
describe("line reader", { timeout: 60_000 }, () => {
  it.each([
    ["a\nb\n", ["a", "b"]],
    ["a\r\nb", ["a", "b"]],
    ["", []],
    ["\n", [""]],
    ["x\r\n\r\n\n", ["x", "", ""]],
    ["only\r", ["only"]],
  ])(
    "readLines and readLineArrays drop the final empty piece and one \\r per line (%j)",
    async (text, want) => {
      const p = join(dir, `f${Math.random().toString(36).slice(2)}.log`);
      writeFileSync(p, text);
      expect(await collect(readLines(p))).toEqual(want);
      expect((await collect(readLineArrays(p))).flat()).toEqual(want);
    },
  );

  it("readLineBatches joins back to the exact file across chunk boundaries", async () => {
    const p = join(dir, "big.log");
    const lines = Array.from({ length: 300_000 }, (_, i) => `line ${i} é ${"x".repeat(i % 37)}`);
    const text = `${lines.join("\n")}\n`;
    writeFileSync(p, text);
    const got = (await collect(readLineBatches(p, "utf8"))).flat();
    expect(got.join("\n")).toBe(text);
    expect((await collect(readLineArrays(p))).flat()).toEqual(lines);
  });

  // A 600 MB line without a newline failed with "cannot read: Invalid string length".
  it("a line past the longest string is refused by name, not as an unreadable file", async () => {
    const p = join(dir, "long-line.log");
    writeFileSync(p, `short\nshort\n${"a".repeat(5000)}`);
    await expect(collect(readLineBatches(p, "latin1", 4000))).rejects.toMatchObject({
      code: LogErrorCode.InputUnreadable,
      message: expect.stringContaining("a line longer than 4000 bytes"),
    });
    expect((await collect(readLineBatches(p, "latin1", 6000))).flat()).toHaveLength(3);
  });
});

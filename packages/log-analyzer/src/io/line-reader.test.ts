import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fc, test } from "@fast-check/vitest";
import { afterAll, describe, expect, it } from "vitest";
import { LogErrorCode } from "../errors.js";
import { completeUtf8, readLineArrays, readLineBatches, readLines } from "./line-reader.js";

const dir = mkdtempSync(join(tmpdir(), "la-lines-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

  // Sequences cut by a read, whole or invalid: lead bytes of 2-4 byte sequences,
  // stray continuation bytes, overlong and surrogate forms.
  const utf8Piece = fc.oneof(
    fc.constantFrom("é", "€", "𝄞", "a", "\n").map((s) => Buffer.from(s)),
    fc
      .constantFrom(
        [0xc3],
        [0xe2, 0x82],
        [0xf0, 0x9d, 0x84],
        [0x80],
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
        [0xff],
      )
      .map((b) => Buffer.from(b)),
  );

  test.prop([fc.array(utf8Piece, { maxLength: 40 }), fc.integer({ min: 0, max: 3 })], {
    numRuns: 150,
  })("decodes whole sequences only, as a streaming TextDecoder does at any cut", (pieces, back) => {
    const bytes = Buffer.concat(pieces);
    const at = Math.max(0, bytes.length - back);
    const cut = completeUtf8(bytes, at);
    const split = bytes.toString("utf8", 0, cut) + bytes.toString("utf8", cut);
    expect(split).toBe(new TextDecoder().decode(bytes));
  });

  it("readLineBatches decodes UTF-8 cut by every read boundary, invalid bytes too, as TextDecoder does", async () => {
    const p = join(dir, "cut.log");
    const chunk = 1 << 22;
    const tails = [
      [0xc3, 0xa9],
      [0xe2, 0x82, 0xac],
      [0xf0, 0x9d, 0x84, 0x9e],
      [0xe2, 0x82],
      [0x80, 0x80],
    ];
    const parts: Buffer[] = [];
    let size = 0;
    for (const [k, t] of tails.entries()) {
      // Put each sequence across the next 4 MiB boundary, at a different offset.
      const pad = chunk * (k + 1) - size - 1 - (k % 3);
      parts.push(Buffer.alloc(pad, k % 2 === 0 ? "x" : "y\n"), Buffer.from(t));
      size += pad + t.length;
    }
    const bytes = Buffer.concat(parts);
    writeFileSync(p, bytes);
    const got = (await collect(readLineBatches(p, "utf8"))).flat();
    expect(got.join("\n")).toBe(new TextDecoder().decode(bytes));
  });

  it("readLineArrays reads ASCII-only and UTF-8 reads of one file alike, as TextDecoder does", async () => {
    const p = join(dir, "mixed.log");
    // First 4 MiB read all ASCII (decoded as latin1), the next with UTF-8 and invalid bytes.
    const ascii = Buffer.alloc((1 << 22) + 1000, "ascii line 42 ok\n");
    const rest = Buffer.concat([
      Buffer.from("café € 𝄞\n"),
      Buffer.from([0x61, 0xff, 0x62, 0x0a, 0xe9, 0x0a]),
      Buffer.alloc(5000, "tail\n"),
    ]);
    const bytes = Buffer.concat([ascii, rest]);
    writeFileSync(p, bytes);
    const want = new TextDecoder().decode(bytes).split("\n");
    want.pop();
    expect((await collect(readLineArrays(p))).flat()).toEqual(want);
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

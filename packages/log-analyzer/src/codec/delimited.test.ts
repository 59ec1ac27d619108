import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { noise } from "../../test/fixtures/noise.js";
import { isLogAnalyzerError, LogErrorCode } from "../errors.js";
import { chooseSplit, decodeDelimited, encodeDelimited } from "./delimited.js";
import { decompressBuffer, encodeTdlz, newStats } from "./tdlz.js";

// Rows of a delimited export with the hostile cases mixed in: quoted fields
// holding the delimiter, empty fields, short rows, CR, NUL, high bytes, huge fields.
const field = fc.oneof(
  fc.constantFrom("", "42", "007", "-0", "2026-12-05", '"a, b"', "x\r", "\u0000", "\u00ff\u0080"),
  fc.string({
    unit: fc.constantFrom("a", "1", ",", "\t", "|", ";", " ", '"', "\r"),
    maxLength: 12,
  }),
  fc.integer({ min: 0, max: 5 }).map((n) => "z".repeat(n * 20_000)),
);
const row = (delim: string) =>
  fc.array(field, { minLength: 0, maxLength: 8 }).map((fs) => fs.join(delim));
const table = fc
  .constantFrom(",", "\t", "|", ";")
  .chain((d) => fc.array(row(d), { minLength: 0, maxLength: 60 }));

async function encode(
  text: string,
  opts = {},
): Promise<{ tdlz: Buffer; blocks: ReturnType<typeof newStats>["blocks"] }> {
  const s = newStats();
  const parts: Uint8Array[] = [];
  for await (const c of encodeTdlz([text.split("\n")], opts, s)) parts.push(c);
  return { tdlz: Buffer.concat(parts), blocks: s.blocks };
}

const csv = (rows: number) =>
  [
    "LineId,Label,Timestamp,Node,Level,Content",
    ...Array.from(
      { length: rows },
      (_, i) =>
        `${i + 1},-,${1117838570 + i * 3},R${(i * 7) % 64}-M1-N${i % 16},INFO,"instruction cache parity error corrected, ${i % 5}"`,
    ),
  ].join("\n");

describe("delimited blocks (CSV, TSV, pipe-separated lines by column)", {
  timeout: 120_000,
}, () => {
  test.prop([table], { numRuns: 200 })("the payload rebuilds every line exactly", (lines) => {
    const p = encodeDelimited(lines);
    if (p !== null) expect(decodeDelimited(p)).toEqual(lines);
  });

  test.prop([table, fc.integer({ min: 1, max: 40 })], { numRuns: 80 })(
    ".tdlz round-trips delimited files byte for byte, across blocks and with no trailing newline",
    async (lines, blockLines) => {
      const text = lines.join("\n");
      const { tdlz } = await encode(text, { quality: 1, blockLines });
      expect(Buffer.from(await decompressBuffer(tdlz)).toString("latin1")).toBe(text);
    },
  );

  it("splits at the first k-1 delimiters: a quoted field holding one stays in the last column", () => {
    const rows = Array.from({ length: 19 }, (_, i) => `${i},b,c`);
    expect(chooseSplit([...rows, "g,h"])).toEqual({ delim: 44, fields: 3 });
    expect(chooseSplit([...rows, "g,h", "g", "h"])).toBeNull();
    expect(chooseSplit(["plain words", "more words"])).toBeNull();
    const lines = [...rows, "1,a,x", '2,b,"y, z"', "short", "3,c,"];
    expect(decodeDelimited(encodeDelimited(lines) as Uint8Array)).toEqual(lines);
  });

  it("takes the delimited form for a CSV export and beats plain text on it", async () => {
    const text = `${csv(3000)}\n`;
    const { tdlz, blocks } = await encode(text);
    expect(blocks.delimited).toBe(1);
    const asText = await encode(text.replaceAll(",", "\u0001"));
    expect(asText.blocks.delimited).toBe(0);
    expect(tdlz.length).toBeLessThan(asText.tdlz.length * 0.95);
    expect(Buffer.from(await decompressBuffer(tdlz)).toString("latin1")).toBe(text);
  });

  it("refuses a corrupt payload with corrupt_container, never other lines", () => {
    const good = encodeDelimited(csv(50).split("\n")) as Uint8Array;
    const bad = [
      good.subarray(0, good.length - 3),
      Buffer.concat([good, Buffer.from([1])]),
      Buffer.from([44, 0, 5, 0]),
      Buffer.from([44, 3, 2, 2, 0, 0, 0, 0]),
      noise(64),
    ];
    for (const b of bad) {
      let err: unknown = null;
      try {
        decodeDelimited(b);
      } catch (e) {
        err = e;
      }
      expect(isLogAnalyzerError(err) && err.code === LogErrorCode.CorruptContainer).toBe(true);
    }
  });

  test.prop([fc.nat(), fc.integer({ min: 1, max: 255 })], { numRuns: 150 })(
    "never returns wrong data for a corrupted byte of a delimited file",
    async (at, xor) => {
      const text = csv(400);
      const { tdlz, blocks } = await encode(text, { quality: 5 });
      expect(blocks.delimited).toBe(1);
      const c = Buffer.from(tdlz);
      const i = at % c.length;
      c[i] = (c[i] as number) ^ xor;
      const got = await decompressBuffer(c).then(
        (d) => d,
        (e: unknown) => e,
      );
      if (got instanceof Uint8Array) expect(Buffer.from(got).toString("latin1")).toBe(text);
      else expect(isLogAnalyzerError(got) && got.code === LogErrorCode.CorruptContainer).toBe(true);
    },
  );
});

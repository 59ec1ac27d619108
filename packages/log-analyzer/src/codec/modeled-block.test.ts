import { brotliCompressSync, constants } from "node:zlib";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { noise } from "../../test/fixtures/noise.js";
import { isLogAnalyzerError, LogErrorCode } from "../errors.js";
import { cmDecode, cmEncode } from "./cm-coder.js";
import { MAX_MODELED_BYTES } from "./container.js";
import { compressBuffer, decompressBuffer, encodeTdlz, newStats } from "./tdlz.js";

// Bytes a tiny log file is made of, and the hostile ones: CR, NUL, invalid
// UTF-8 (lone continuation and lead bytes), 0xff (the coder's padding byte).
const hostileByte = fc.oneof(
  fc.constantFrom(10, 13, 0, 0xff, 0x80, 0xc3, 32, 9),
  fc.integer({ min: 0, max: 255 }),
  fc.integer({ min: 97, max: 122 }),
  fc.integer({ min: 48, max: 57 }),
);
const hostile = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc.array(hostileByte, { maxLength: 2000 }).map((a) => Uint8Array.from(a)),
  fc
    .array(
      fc.constantFrom("INFO ready 42\n", "a=1 b=2\r\n", "\n", "  x\t", "日本語 ", "\u0000", "\r"),
      { maxLength: 300 },
    )
    .map((p) => Buffer.from(p.join(""), "utf8")),
  fc.integer({ min: 0, max: 3000 }).map((n) => new Uint8Array(n).fill(0xff)),
  fc.integer({ min: 0, max: 3000 }).map((n) => new Uint8Array(n)),
);

async function stats(
  data: Uint8Array,
): Promise<{ kinds: ReturnType<typeof newStats>["blocks"]; tdlz: Buffer }> {
  const s = newStats();
  const parts: Uint8Array[] = [];
  const lines = Buffer.from(data).toString("latin1").split("\n");
  for await (const c of encodeTdlz([lines], { sizeHint: data.length }, s)) parts.push(c);
  return { kinds: s.blocks, tdlz: Buffer.concat(parts) };
}

describe("modeled blocks (tiny files through the context-mixing coder)", {
  timeout: 120_000,
}, () => {
  test.prop([hostile], { numRuns: 200 })("the coder round-trips any bytes", (data) => {
    expect(Buffer.from(cmDecode(cmEncode(data), data.length))).toEqual(Buffer.from(data));
  });

  test.prop([hostile], { numRuns: 120 })(
    ".tdlz round-trips any small file byte for byte, whichever form it takes",
    async (data) => {
      const back = await decompressBuffer(await compressBuffer(data));
      expect(Buffer.compare(Buffer.from(back), Buffer.from(data))).toBe(0);
    },
  );

  it("round-trips the edge cases: empty, one byte, no trailing newline, CRLF, the size limit", async () => {
    const cases = [
      "",
      "x",
      "\n",
      "one line without newline",
      "a\r\nb\r\n",
      "tail\r",
      "x".repeat(MAX_MODELED_BYTES),
      "ab 12\n".repeat(MAX_MODELED_BYTES / 6 + 1),
    ].map((s) => Buffer.from(s, "latin1"));
    for (const data of [...cases, noise(MAX_MODELED_BYTES), noise(MAX_MODELED_BYTES + 1)]) {
      const back = await decompressBuffer(await compressBuffer(data));
      expect(Buffer.compare(Buffer.from(back), data)).toBe(0);
    }
  });

  it("takes the modeled form for a tiny log file and beats brotli at its best quality there", async () => {
    const data = Buffer.from("2026-12-05 03:42:56 INFO peer ready on 127.0.0.1:7001\n");
    const { kinds, tdlz } = await stats(data);
    expect(kinds.modeled).toBe(1);
    let best = Number.POSITIVE_INFINITY;
    for (let q = 0; q <= 11; q++) {
      const b = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: q } });
      best = Math.min(best, b.length);
    }
    // 10 bytes of container against brotli's bare stream, and still smaller.
    expect(tdlz.length).toBeLessThan(best);
  });

  it("never takes the modeled form past its size limit or for a file of several blocks", async () => {
    const big = Buffer.from("w 1\n".repeat(MAX_MODELED_BYTES / 4 + 10));
    expect((await stats(big)).kinds.modeled).toBe(0);
    const s = newStats();
    const lines = ["a 1", "b 2", "c 3"];
    for await (const _ of encodeTdlz([lines], { blockLines: 1 }, s)) void _;
    expect(s.blocks.modeled).toBe(0);
  });

  test.prop([fc.nat(), fc.integer({ min: 1, max: 255 })], { numRuns: 200 })(
    "never returns wrong data for a corrupted byte of a modeled file",
    async (at, xor) => {
      const original = Buffer.from("12:00:01 INFO job 17 started\n12:00:02 WARN job 17 slow\n");
      const { kinds, tdlz } = await stats(original);
      expect(kinds.modeled).toBe(1);
      const c = Buffer.from(tdlz);
      const i = at % c.length;
      c[i] = (c[i] as number) ^ xor;
      const got = await decompressBuffer(c).then(
        (d) => d,
        (e: unknown) => e,
      );
      if (got instanceof Uint8Array) expect(Buffer.compare(Buffer.from(got), original)).toBe(0);
      else expect(isLogAnalyzerError(got) && got.code === LogErrorCode.CorruptContainer).toBe(true);
    },
  );

  it("refuses a declared length above the limit without decoding it", async () => {
    const { tdlz } = await stats(
      Buffer.from("12:00:01 INFO job 17 started\n12:00:02 INFO job 18 started\n"),
    );
    // "TDLZ" 03, kind|LAST, then uvar n: replace n by the limit plus one.
    expect(tdlz[4]).toBe(3);
    expect(tdlz[5]).toBe(0x84);
    const n = MAX_MODELED_BYTES + 1;
    const forged = Buffer.concat([
      tdlz.subarray(0, 6),
      Buffer.from([(n & 0x7f) | 0x80, n >> 7]),
      tdlz.subarray(7),
    ]);
    await expect(decompressBuffer(forged)).rejects.toMatchObject({
      code: LogErrorCode.CorruptContainer,
    });
  });
});

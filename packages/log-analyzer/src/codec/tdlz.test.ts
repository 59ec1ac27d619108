import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { loghubLog, loghubSets } from "../../test/data/index.js";
import { letters, noise } from "../../test/fixtures/noise.js";
import { javaLog, syslogLines } from "../../test/fixtures/text-logs.js";
import { isLogAnalyzerError, LogErrorCode } from "../errors.js";
import { compressBuffer, decompressBuffer, encodeTdlz, newStats } from "./tdlz.js";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures");

async function roundTrip(data: Uint8Array, blockLines?: number): Promise<Uint8Array> {
  const c = await compressBuffer(
    data,
    blockLines === undefined ? { quality: 5 } : { quality: 5, blockLines },
  );
  return decompressBuffer(c);
}

const logLike = fc.array(
  fc.oneof(
    fc.constantFrom(
      "INFO peer a1f3c09e7b2d4e11 ready",
      "2026-11-25 12:00:01,123 WARN retry 3 of 5",
      '{"level":30,"time":1,"msg":"x"}',
      "",
      "\r",
      "  indented\tline  ",
      "ünïcödé ✓ 日本語 🚀",
      "<num> <*> literal placeholders <ip>",
    ),
    fc.string({ unit: "grapheme", maxLength: 60 }),
    fc.string({
      unit: fc.constantFrom("a", "7", " ", "\t", ".", ":", "/", "=", "<", ">", "\r", "-"),
      maxLength: 80,
    }),
  ),
  { maxLength: 30 },
);

// Three blocks, one of each form (columnar, text, stored), so a corrupt byte can land in each.
const corruptible = (async () => {
  const numbers = Array.from({ length: 400 }, (_, i) => `t=${1_000_000 + i * 7} ok`);
  const prose = Array.from(
    { length: 400 },
    (_, i) => `${letters(6, 2 * i + 1)} ${letters(9, 2 * i + 2)}`,
  );
  const original = Buffer.concat([
    Buffer.from(`${[...numbers, ...prose].join("\n")}\n`),
    noise(3000),
  ]);
  const stats = newStats();
  const parts: Uint8Array[] = [];
  const lines = original.toString("latin1").split("\n");
  for await (const c of encodeTdlz([lines], { quality: 5, blockLines: 400 }, stats)) parts.push(c);
  expect(stats.blocks).toEqual({ columnar: 1, text: 1, stored: 1, modeled: 0, delimited: 0 });
  return { original, tdlz: Buffer.concat(parts) };
})();

// Brotli and a 400 KB line take seconds on a loaded machine.
describe(".tdlz round trip", { timeout: 120_000 }, () => {
  it.each(loghubSets())("is byte-identical on %s", async (name) => {
    const data = readFileSync(loghubLog(name));
    expect(Buffer.compare(Buffer.from(await roundTrip(data)), data)).toBe(0);
  });

  it.each(loghubSets())("is byte-identical across many small blocks on %s", async (name) => {
    const data = readFileSync(loghubLog(name));
    expect(Buffer.compare(Buffer.from(await roundTrip(data, 97)), data)).toBe(0);
  });

  test.prop([logLike.map((ls) => ls.join("\n"))], { numRuns: 50 })(
    "is byte-identical with placeholder runs collapsed too",
    async (s) => {
      const data = Buffer.from(s, "utf8");
      const c = await compressBuffer(data, { quality: 1, miner: { collapseRuns: true } });
      expect(Buffer.compare(Buffer.from(await decompressBuffer(c)), data)).toBe(0);
    },
  );

  it.each([
    ["a syslog file across a new year", () => `${syslogLines(3000, 4).join("\n")}\n`],
    [
      "a CRLF Java log with stack traces",
      () => `${javaLog({ seed: 4, records: 3000, errorRate: 0.05 }).join("\r\n")}\r\n`,
    ],
    [
      "a Java log whose stack traces mix LF and CRLF, no final newline",
      () =>
        javaLog({ seed: 9, records: 800, errorRate: 0.1 })
          .map((l, i) => (i % 3 === 0 ? `${l}\r` : l))
          .join("\n"),
    ],
  ])("is byte-identical on %s", async (_name, make) => {
    const data = Buffer.from(make(), "latin1");
    expect(Buffer.compare(Buffer.from(await roundTrip(data)), data)).toBe(0);
    expect(Buffer.compare(Buffer.from(await roundTrip(data, 97)), data)).toBe(0);
  });

  it("handles empty input, no trailing newline, CRLF and a very long line", async () => {
    const cases = [
      "",
      "\n",
      "a",
      "a\n",
      "a\r\nb\r\n",
      "\n\n\n",
      `x${"9 ".repeat(200_000)}y`,
      "é\n日本\n",
    ];
    for (const s of cases) {
      const data = Buffer.from(s, "utf8");
      expect(Buffer.from(await roundTrip(data)).toString("utf8")).toBe(s);
    }
  });

  test.prop([logLike.map((ls) => ls.join("\n"))], { numRuns: 150 })(
    "is byte-identical on random log-like text",
    async (s) => {
      const data = Buffer.from(s, "utf8");
      expect(Buffer.compare(Buffer.from(await roundTrip(data, 7)), data)).toBe(0);
    },
  );

  test.prop([fc.uint8Array({ maxLength: 2000 })], { numRuns: 100 })(
    "is byte-identical on arbitrary bytes, invalid UTF-8 included",
    async (bytes) => {
      expect(Buffer.compare(Buffer.from(await roundTrip(bytes)), Buffer.from(bytes))).toBe(0);
    },
  );

  it("reads files written by format version 1", async () => {
    const original = readFileSync(join(FIXTURES, "tdlz-v1", "sample.log"));
    const v1 = readFileSync(join(FIXTURES, "tdlz-v1", "sample.log.tdlz"));
    expect(v1[4]).toBe(1);
    expect(Buffer.compare(Buffer.from(await decompressBuffer(v1)), original)).toBe(0);
  });

  it("rejects a corrupted or truncated container with CorruptContainer", async () => {
    const data = Buffer.from("a 1\nb 2\nc 3\n");
    const c = Buffer.from(await compressBuffer(data));
    const flipped = Buffer.from(c);
    flipped[flipped.length - 3] = (flipped[flipped.length - 3] as number) ^ 0xff;
    const bad = [c.subarray(0, c.length - 4), Buffer.from("nope"), flipped];
    for (const b of bad) {
      const err = await decompressBuffer(b).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isLogAnalyzerError(err) && err.code === LogErrorCode.CorruptContainer).toBe(true);
    }
  });

  // Some bits change nothing (brotli's padding), so the data may still come back whole.
  test.prop([fc.nat(), fc.integer({ min: 1, max: 255 })], { numRuns: 200 })(
    "never returns wrong data for a corrupted byte: CorruptContainer or the exact original",
    async (at, xor) => {
      const c = Buffer.from((await corruptible).tdlz);
      const i = at % c.length;
      c[i] = (c[i] as number) ^ xor;
      const got = await decompressBuffer(c).then(
        (d) => d,
        (e: unknown) => e,
      );
      if (got instanceof Uint8Array) {
        expect(Buffer.compare(Buffer.from(got), (await corruptible).original)).toBe(0);
      } else {
        expect(isLogAnalyzerError(got) && got.code === LogErrorCode.CorruptContainer).toBe(true);
      }
    },
  );

  it("rejects bytes after the end of the data", async () => {
    const c = Buffer.concat([(await corruptible).tdlz, Buffer.from("x")]);
    await expect(decompressBuffer(c)).rejects.toMatchObject({
      code: LogErrorCode.CorruptContainer,
    });
  });
});

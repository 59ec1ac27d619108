import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { LOGHUB_2K_DIR } from "../../test/data/index.js";
import { isLogAnalyzerError, LogErrorCode } from "../errors.js";
import { compressBuffer, compressFile, decompressBuffer, decompressFile } from "./tdlz.js";

const DATA = LOGHUB_2K_DIR;
const DATASETS = ["HDFS", "Zookeeper", "OpenSSH", "Proxifier"];

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

// Brotli and a 400 KB line take seconds on a loaded machine.
describe(".tdlz round trip", { timeout: 120_000 }, () => {
  it.each(DATASETS)("is byte-identical on %s", async (name) => {
    const data = readFileSync(join(DATA, name, `${name}_2k.log`));
    expect(Buffer.compare(Buffer.from(await roundTrip(data)), data)).toBe(0);
  });

  it("is byte-identical across many small blocks", async () => {
    const data = readFileSync(join(DATA, "Zookeeper", "Zookeeper_2k.log"));
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

  it("compresses files and restores them through the file API", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tdlz-"));
    const src = join(DATA, "OpenSSH", "OpenSSH_2k.log");
    const stats = await compressFile(src, join(dir, "o.tdlz"));
    expect(stats.lines).toBe(readFileSync(src, "latin1").split("\n").length);
    expect(stats.bytesOut).toBeLessThan(stats.bytesIn / 10);
    await decompressFile(join(dir, "o.tdlz"), join(dir, "o.log"));
    expect(Buffer.compare(readFileSync(join(dir, "o.log")), readFileSync(src))).toBe(0);
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
    const dir = mkdtempSync(join(tmpdir(), "tdlz-"));
    writeFileSync(join(dir, "x.tdlz"), c.subarray(0, 10));
    await expect(decompressFile(join(dir, "x.tdlz"), join(dir, "x"))).rejects.toMatchObject({
      code: LogErrorCode.CorruptContainer,
    });
  });
});

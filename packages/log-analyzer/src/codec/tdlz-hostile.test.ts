// No data lost on hostile input: files mixing binary bytes, invalid UTF-8,
// CRLF and lone CRs, NULs, numbers that are not canonical, huge lines, no
// trailing newline or nothing at all come back byte for byte, through every
// block form and through real files (chunked reads, atomic writes).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fc, test } from "@fast-check/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_MINED_CHARS } from "../mining/message-cap.js";
import { TemplateMiner } from "../mining/template-miner.js";
import { decodeBlock, encodeBlock } from "./block-codec.js";
import { ProgramTable } from "./program-table.js";
import {
  compressBuffer,
  compressFile,
  decompressBuffer,
  decompressFile,
  encodeTdlz,
  newStats,
} from "./tdlz.js";

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const text = (s: string): Uint8Array => Buffer.from(s, "latin1");

// Byte sequences that are not valid UTF-8, and control characters logs carry.
const invalidUtf8 = fc.constantFrom(
  bytes(0xff),
  bytes(0xc3),
  bytes(0x80, 0x80),
  bytes(0xc0, 0xaf),
  bytes(0xed, 0xa0, 0x80),
  bytes(0xf4, 0x90, 0x80, 0x80),
  bytes(0xe2, 0x82),
  bytes(0),
  text("\r\n"),
  text("\r"),
  text("\n"),
  text("\t"),
  text("\x1b[31m"),
);

// Values a columnar encoder might canonicalise by mistake.
const oddNumber = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map(String),
  fc.constantFrom("007", "-0", "+5", "1e5", "0x1F", "00", "9007199254740993", "1.50", "-"),
  fc.nat(99_999).map((n) => String(n).padStart(8, "0")),
);

// Lines of a few templates with such values: they make the columnar form worth choosing.
const structured = fc
  .array(fc.tuple(fc.constantFrom("INFO", "WARN", "ERROR"), oddNumber, oddNumber, fc.nat(3)), {
    maxLength: 40,
  })
  .map((rows) =>
    rows
      .map(([lvl, a, b, t]) =>
        t === 0
          ? `2026-12-05 01:00:${a} ${lvl} worker ${b} done`
          : t === 1
            ? `${lvl}  peer=${a}  lag=${b}ms `
            : t === 2
              ? `${lvl}\tretry ${a} of ${b}\r`
              : `${a}`,
      )
      .join("\n"),
  )
  .map(text);

// One very long line (beyond the reader's and the miner's usual sizes).
const hugeLine = fc
  .tuple(fc.constantFrom("ab 12 ", "x", "\u00ff\u00fe ", "9"), fc.integer({ min: 1, max: 60_000 }))
  .map(([unit, n]) => text(unit.repeat(n)));

const segment = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 3, arbitrary: invalidUtf8 },
  { weight: 4, arbitrary: structured },
  { weight: 1, arbitrary: hugeLine },
  {
    weight: 2,
    arbitrary: fc.string({ unit: "grapheme", maxLength: 80 }).map((s) => Buffer.from(s)),
  },
);

// A whole file: segments glued together, ending anywhere (or empty).
const hostileFile = fc
  .array(segment, { maxLength: 12 })
  .map((parts) => Buffer.concat(parts.map((p) => Buffer.from(p))));

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

// Made when the tests run, not when the file is collected (`vitest list` runs no hooks).
let scratch = "";
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "tdlz-hostile-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Brotli on a few hundred KB takes seconds on a loaded machine.
describe(".tdlz on hostile input", { timeout: 300_000 }, () => {
  test.prop([hostileFile, fc.constantFrom(1, 5, 11), fc.integer({ min: 1, max: 50 })], {
    numRuns: 60,
  })("loses no byte, whatever the quality and however many blocks", async (data, q, lines) => {
    const packed = await compressBuffer(data, { quality: q, blockLines: lines });
    expect(same(await decompressBuffer(packed), data)).toBe(true);
  });

  test.prop([hostileFile], { numRuns: 60 })(
    "the columnar form rebuilds every line exactly (or keeps it verbatim)",
    (data) => {
      const lines = data.toString("latin1").split("\n");
      const miner = new TemplateMiner({ stats: false, collapseRuns: false, matchValues: false });
      const table = new ProgramTable();
      const payload = encodeBlock(lines, miner, { table, resetTable: false });
      // Null: mostly new templates, the writer sends such a block as text.
      if (payload !== null) expect(decodeBlock(payload, new ProgramTable())).toEqual(lines);
    },
  );

  test.prop([hostileFile], { numRuns: 20 })(
    "every block form is lossless in one file: stored, text and columnar blocks side by side",
    async (data) => {
      // Random bytes, prose and a templated log, each its own block, around the hostile part.
      const numbers = Array.from({ length: 300 }, (_, i) => `t=${1_000_000 + i * 7} ok`).join("\n");
      const file = Buffer.concat([
        Buffer.from(`${numbers}\n`),
        data,
        Buffer.from("\n"),
        Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 7919) % 251)),
      ]);
      const stats = newStats();
      const parts: Uint8Array[] = [];
      const lines = file.toString("latin1").split("\n");
      for await (const c of encodeTdlz([lines], { quality: 5, blockLines: 64 }, stats))
        parts.push(c);
      expect(stats.blocks.columnar).toBeGreaterThan(0);
      expect(same(await decompressBuffer(Buffer.concat(parts)), file)).toBe(true);
    },
  );

  test.prop([hostileFile, fc.nat()], { numRuns: 15 })(
    "files round-trip through compressFile and decompressFile, chunked reads included",
    async (data, n) => {
      const dir = mkdtempSync(join(scratch, "f-"));
      const input = join(dir, "in.log");
      writeFileSync(input, data);
      const s = await compressFile(input, join(dir, "in.log.tdlz"), { quality: 5 });
      const expectedLines = data.length === 0 ? 0 : data.toString("latin1").split("\n").length;
      const trailing = data.length > 0 && data[data.length - 1] === 0x0a ? 1 : 0;
      expect(s.lines).toBe(expectedLines - trailing);
      const out = join(dir, `out-${n}.log`);
      await decompressFile(join(dir, "in.log.tdlz"), out);
      expect(same(readFileSync(out), data)).toBe(true);
    },
  );
});

describe(".tdlz on hostile extremes", { timeout: 300_000 }, () => {
  it("a huge line took 200 bytes of memory per byte to mine: lines over 64 KiB are kept verbatim", () => {
    const huge = "ab 12 ".repeat(MAX_MINED_CHARS / 3);
    const lines = ["job 1 started", huge, "job 2 started", `${huge} `];
    const miner = new TemplateMiner({ stats: false, collapseRuns: false, matchValues: false });
    const payload = encodeBlock(lines, miner, { table: new ProgramTable(), resetTable: false });
    expect(miner.templates().map((t) => t.tokens.length)).toEqual([3]);
    expect(decodeBlock(payload as Uint8Array, new ProgramTable())).toEqual(lines);
  });

  // The reader splits files into 4 MiB chunks: this line spans two.
  test.prop([fc.constantFrom("\r\n", "\n", ""), fc.boolean()], { numRuns: 2 })(
    "a line longer than a read chunk comes back whole",
    async (end, binary) => {
      const dir = mkdtempSync(join(scratch, "big-"));
      const unit = binary ? Buffer.from([0xff, 0x00, 0x80, 0x20]) : Buffer.from("ab 12 ");
      const data = Buffer.concat([
        Buffer.from("first line\r\n"),
        Buffer.alloc(5 << 20, unit),
        Buffer.from(`${end}last`),
        Buffer.from(end),
      ]);
      writeFileSync(join(dir, "big.log"), data);
      await compressFile(join(dir, "big.log"), join(dir, "big.tdlz"), { quality: 1 });
      await decompressFile(join(dir, "big.tdlz"), join(dir, "back.log"));
      expect(same(readFileSync(join(dir, "back.log")), data)).toBe(true);
      rmSync(dir, { recursive: true, force: true });
    },
  );
});

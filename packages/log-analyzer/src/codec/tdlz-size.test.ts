// What the format buys: each test pins one of the cases .tdlz used to lose
// to zstd -19 on (issue 17), by the mechanism that fixes it.
import { readFileSync } from "node:fs";
import { brotliCompressSync, constants } from "node:zlib";
import { describe, expect, it } from "vitest";
import { loghubLog, loghubSets } from "../../test/data/index.js";
import { letters, noise } from "../../test/fixtures/noise.js";
import { TemplateMiner } from "../mining/template-miner.js";
import { encodeBlock } from "./block-codec.js";
import { BlockWriter } from "./block-writer.js";
import { ProgramTable } from "./program-table.js";
import {
  compressBuffer,
  decompressBuffer,
  encodeTdlz,
  newStats,
  type RunningStats,
} from "./tdlz.js";

async function compressWithStats(
  data: Uint8Array,
  opts: { quality?: number; blockLines?: number } = {},
  writer?: BlockWriter,
): Promise<{ tdlz: Buffer; stats: RunningStats }> {
  const stats = newStats();
  const lines = Buffer.from(data).toString("latin1").split("\n");
  const parts: Uint8Array[] = [];
  const o = { sizeHint: data.length, ...opts };
  for await (const c of encodeTdlz([lines], o, stats, writer)) parts.push(c);
  const tdlz = Buffer.concat(parts);
  expect(Buffer.compare(Buffer.from(await decompressBuffer(tdlz)), Buffer.from(data))).toBe(0);
  return { tdlz, stats };
}

function brotli11(data: Uint8Array): number {
  const params = { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24 };
  return brotliCompressSync(data, { params }).length;
}

// Brotli 11 on hundreds of KB takes seconds on a loaded machine.
describe(".tdlz size", { timeout: 120_000 }, () => {
  it("random input does not grow by 2.7%: incompressible blocks are stored as they are", async () => {
    const data = noise(1 << 20);
    const { tdlz, stats } = await compressWithStats(data, { quality: 5 });
    expect(stats.blocks.stored).toBeGreaterThan(0);
    expect(stats.blocks.columnar + stats.blocks.text).toBe(0);
    // Header 5, one kind byte, the CRC: nothing per line.
    expect(tdlz.length - data.length).toBeLessThanOrEqual(10);
  });

  it("replicated content across blocks costs almost nothing after the first copy (one stream)", async () => {
    const one = readFileSync(loghubLog(loghubSets()[0] as string));
    const lines = one.toString("latin1").split("\n").length;
    const once = await compressWithStats(one, { quality: 9, blockLines: lines });
    const four = Buffer.concat([one, Buffer.from("\n"), one, Buffer.from("\n"), one, one]);
    const replicated = await compressWithStats(four, { quality: 9, blockLines: lines });
    expect(replicated.stats.blocks.columnar + replicated.stats.blocks.text).toBeGreaterThan(3);
    expect(replicated.tdlz.length).toBeLessThan(once.tdlz.length * 1.1);
  });

  it("a block names the templates it shares with earlier blocks instead of spelling them out", () => {
    const lines = readFileSync(loghubLog(loghubSets()[0] as string), "latin1").split("\n");
    const miner = new TemplateMiner({ stats: false, collapseRuns: false });
    const table = new ProgramTable();
    const first = encodeBlock(lines, miner, { table, resetTable: false });
    const known = table.size;
    const again = encodeBlock(lines, miner, { table, resetTable: false });
    expect(known).toBeGreaterThan(3);
    expect(table.size).toBe(known);
    expect(again?.length).toBeLessThan(first?.length ?? 0);
  });

  it("clears and rebuilds the shared template table when it fills, and still round-trips", async () => {
    const words = letters(3000).match(/.{6}/g) as string[];
    // Ten new templates per 1,000-line block; the table holds four.
    const text = Array.from({ length: 8000 }, (_, i) => {
      const verb = words[Math.floor(i / 1000) * 10 + (i % 10)] as string;
      return `${verb} handled request ${i} in ${i % 97} ms for ${words[200 + (i % 7)]}`;
    }).join("\n");
    const writer = new BlockWriter(
      { quality: 5, lgwin: 20, sizeHint: undefined },
      { collapseRuns: false, stats: false },
      new ProgramTable(4),
    );
    const { stats } = await compressWithStats(Buffer.from(text), { blockLines: 1000 }, writer);
    expect(stats.blocks.columnar).toBe(8);
  });

  it("tiny files stay tiny: at most 10 bytes over their size; an empty file is 10 bytes", async () => {
    expect((await compressBuffer(new Uint8Array(0))).length).toBe(10);
    const samples = ["x", "a\n", "GET /index.html 200\n", noise(40).toString("latin1")];
    for (const s of samples) {
      const data = Buffer.from(s, "latin1");
      expect((await compressWithStats(data)).tdlz.length).toBeLessThanOrEqual(data.length + 10);
    }
  });

  it("a file of one small block is as small as brotli at its best quality for it, plus the container", async () => {
    const log = readFileSync(loghubLog(loghubSets()[0] as string));
    for (const n of [40, 64, 100, 200, 300, 1000]) {
      const data = log.subarray(0, n);
      let best = Number.POSITIVE_INFINITY;
      for (let q = 0; q <= 11; q++) {
        const params = { [constants.BROTLI_PARAM_QUALITY]: q, [constants.BROTLI_PARAM_LGWIN]: 16 };
        best = Math.min(best, brotliCompressSync(data, { params }).length);
      }
      // Header 5, kind 1, CRC 4: the only block carries no length.
      expect((await compressWithStats(data)).tdlz.length).toBeLessThanOrEqual(best + 10);
    }
  });

  it("logs with thousands of templates go through as text when that is smaller", async () => {
    const words = letters(4000).match(/.{7}/g) as string[];
    const pick = noise(6 * 3000, 7);
    // Three random words per line: almost every line is its own template.
    const text = Array.from({ length: 3000 }, (_, i) => {
      const at = (k: number): number => pick.readUInt16LE(6 * i + 2 * (k - 1)) % words.length;
      const w = (k: number): string => words[at(k)] as string;
      return `2024-05-01T10:00:${String(i % 60).padStart(2, "0")}Z ${w(1)} ${w(2)} ${w(3)} ${i}`;
    }).join("\n");
    const data = Buffer.from(text);
    const { tdlz, stats } = await compressWithStats(data, { quality: 11 });
    expect(stats.blocks.text).toBe(1);
    expect(tdlz.length).toBeLessThanOrEqual(brotli11(data) + 10);
  });

  it("stops mining a log of mostly new templates and retries it now and then", async () => {
    const words = letters(6 * 4096, 3).match(/.{6}/g) as string[];
    const pick = noise(6 * 20_000, 4);
    const text = Array.from({ length: 20_000 }, (_, i) => {
      const w = (k: number): string =>
        words[pick.readUInt16LE(6 * i + 2 * k) % words.length] as string;
      return `${w(0)} ${w(1)} ${w(2)} ${i}`;
    }).join("\n");
    const { stats } = await compressWithStats(Buffer.from(text), { quality: 5, blockLines: 2_500 });
    expect(stats.blocks).toEqual({ columnar: 0, text: 8, stored: 0, modeled: 0, delimited: 0 });
    expect(stats.payloadBytes).toBe(0);
  });
});

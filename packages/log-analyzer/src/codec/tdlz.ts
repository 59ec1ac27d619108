// compress / decompress whole files in bounded memory (one block at a time).
import { open } from "node:fs/promises";
import { brotliCompressSync, brotliDecompressSync, constants, crc32 } from "node:zlib";
import { LogAnalyzerError, LogErrorCode } from "../errors.js";
import { readLineBatches } from "../io/line-reader.js";
import { type MinerConfig, TemplateMiner } from "../mining/template-miner.js";
import { decodeBlock, encodeBlock } from "./block-codec.js";
import { blockFrame, ContainerReader, headerBytes, trailerBytes } from "./container.js";

/** Compression options. */
export interface CompressOptions {
  /** Brotli quality 0..11 (default 9: near-max ratio at a usable speed). */
  readonly quality?: number;
  /** Lines per block (default 65536); memory grows with it. */
  readonly blockLines?: number;
  readonly miner?: Partial<MinerConfig>;
  /** Called after each block with bytes read so far. */
  readonly onProgress?: (bytesIn: number) => void;
}

/** Sizes of one compression run. */
export interface CompressStats {
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly lines: number;
  readonly blocks: number;
  /** Bytes of the columnar payload before brotli. */
  readonly payloadBytes: number;
}

// Mining memory is bounded: past this many templates the miner starts afresh.
const MAX_TEMPLATES = 20_000;
const BLOCK_BYTES = 16 << 20;

function brotli(data: Uint8Array, quality: number): Uint8Array {
  return brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: quality,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
}

/** Encodes batches of latin1 lines into .tdlz chunks; the caller writes them. */
export async function* encodeTdlz(
  batches: AsyncIterable<string[]> | Iterable<string[]>,
  opts: CompressOptions = {},
  stats?: { payloadBytes: number; lines: number; blocks: number; bytesIn: number },
): AsyncGenerator<Uint8Array> {
  const quality = opts.quality ?? 9;
  const blockLines = opts.blockLines ?? 65536;
  // Collapsed runs would turn integer columns into string columns: keep tokens apart.
  // Merging lines whose values differ in kind does the same, so match values exactly.
  const minerCfg: Partial<MinerConfig> = {
    collapseRuns: false,
    matchValues: false,
    ...opts.miner,
    stats: false,
  };
  let miner = new TemplateMiner(minerCfg);
  let crc = 0;
  let total = 0;
  let first = true;
  let block: string[] = [];
  let blockBytes = 0;
  const s = stats ?? { payloadBytes: 0, lines: 0, blocks: 0, bytesIn: 0 };
  yield headerBytes();
  const flush = (): Uint8Array => {
    // The original bytes are the lines joined by "\n"; checksum them per block.
    const bytes = Buffer.from((first ? "" : "\n") + block.join("\n"), "latin1");
    first = false;
    crc = crc32(bytes, crc);
    total += bytes.length;
    const payload = encodeBlock(block, miner);
    s.payloadBytes += payload.length;
    s.lines += block.length;
    s.blocks++;
    const framed = blockFrame(block.length, brotli(payload, quality));
    block = [];
    blockBytes = 0;
    if (miner.templates().length > MAX_TEMPLATES) miner = new TemplateMiner(minerCfg);
    return framed;
  };
  for await (const batch of batches) {
    for (const line of batch) {
      block.push(line);
      blockBytes += line.length;
      if (block.length >= blockLines || blockBytes >= BLOCK_BYTES) {
        yield flush();
        s.bytesIn = total;
        opts.onProgress?.(total);
      }
    }
  }
  if (block.length > 0 || first) {
    if (first && block.length === 0) block.push("");
    yield flush();
  }
  s.bytesIn = total;
  yield trailerBytes(crc, total);
}

/** Compresses `input` into `output` (.tdlz). */
export async function compressFile(
  input: string,
  output: string,
  opts: CompressOptions = {},
): Promise<CompressStats> {
  const stats = { payloadBytes: 0, lines: 0, blocks: 0, bytesIn: 0 };
  const out = await open(output, "w");
  let bytesOut = 0;
  try {
    for await (const chunk of encodeTdlz(readLineBatches(input, "latin1"), opts, stats)) {
      await out.write(chunk);
      bytesOut += chunk.length;
    }
  } finally {
    await out.close();
  }
  return { ...stats, bytesOut };
}

/** Decodes a .tdlz byte source, yielding the original bytes chunk by chunk; checks the CRC. */
export async function* decodeTdlz(
  pull: () => Promise<Uint8Array | null>,
): AsyncGenerator<Uint8Array> {
  const r = new ContainerReader(pull);
  await r.header();
  let crc = 0;
  let total = 0;
  let first = true;
  for (;;) {
    const lines = await r.uvar();
    if (lines === 0) break;
    const len = await r.uvar();
    const compressed = await r.bytes(len);
    let payload: Uint8Array;
    try {
      payload = brotliDecompressSync(compressed);
    } catch (err) {
      throw new LogAnalyzerError(
        LogErrorCode.CorruptContainer,
        "brotli stream is corrupt",
        {},
        err,
      );
    }
    const decoded = decodeBlock(payload);
    if (decoded.length !== lines) {
      throw new LogAnalyzerError(LogErrorCode.CorruptContainer, "block line count mismatch");
    }
    const text = (first ? "" : "\n") + decoded.join("\n");
    first = false;
    const bytes = Buffer.from(text, "latin1");
    crc = crc32(bytes, crc);
    total += bytes.length;
    yield bytes;
  }
  const wantCrc = await r.uvar();
  const wantTotal = await r.uvar();
  if (crc >>> 0 !== wantCrc || total !== wantTotal) {
    throw new LogAnalyzerError(
      LogErrorCode.CorruptContainer,
      "checksum mismatch after decompression",
      {
        crc,
        wantCrc,
        total,
        wantTotal,
      },
    );
  }
}

/** Compresses a whole in-memory buffer (tests, small inputs). */
export async function compressBuffer(
  data: Uint8Array,
  opts: CompressOptions = {},
): Promise<Uint8Array> {
  const lines = Buffer.from(data).toString("latin1").split("\n");
  const parts: Uint8Array[] = [];
  for await (const c of encodeTdlz([lines], opts)) parts.push(c);
  return Buffer.concat(parts);
}

/** Decompresses a whole in-memory .tdlz buffer. */
export async function decompressBuffer(data: Uint8Array): Promise<Uint8Array> {
  let given = false;
  const parts: Uint8Array[] = [];
  for await (const c of decodeTdlz(async () => {
    if (given) return null;
    given = true;
    return data;
  })) {
    parts.push(c);
  }
  return Buffer.concat(parts);
}

/** Decompresses `input` (.tdlz) into `output`. Returns bytes written. */
export async function decompressFile(input: string, output: string): Promise<number> {
  let inp: Awaited<ReturnType<typeof open>>;
  try {
    inp = await open(input, "r");
  } catch (err) {
    throw new LogAnalyzerError(
      LogErrorCode.InputUnreadable,
      `cannot open ${input}`,
      { path: input },
      err,
    );
  }
  const out = await open(output, "w");
  let written = 0;
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    const pull = async (): Promise<Uint8Array | null> => {
      const { bytesRead } = await inp.read(buf, 0, buf.length, null);
      return bytesRead === 0 ? null : Uint8Array.prototype.slice.call(buf, 0, bytesRead);
    };
    for await (const chunk of decodeTdlz(pull)) {
      await out.write(chunk);
      written += chunk.length;
    }
  } finally {
    await inp.close();
    await out.close();
  }
  return written;
}

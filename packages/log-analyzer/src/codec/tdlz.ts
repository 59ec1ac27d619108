// compress / decompress whole files in bounded memory (one block at a time,
// plus the brotli window). The format is in docs/tdlz-format.md.
import { crc32 } from "node:zlib";
import { LogAnalyzerError, LogErrorCode } from "../errors.js";
import { refuseInPlace, writeAtomically } from "../io/atomic-file.js";
import { readLineBatches } from "../io/line-reader.js";
import { openInput } from "../io/open-input.js";
import type { MinerConfig } from "../mining/template-miner.js";
import { decodeBlock } from "./block-codec.js";
import { BlockWriter } from "./block-writer.js";
import { BrotliBlockDecoder, lgwinFor } from "./brotli-stream.js";
import {
  BlockKind,
  ContainerReader,
  type FormatVersion,
  type Frame,
  frameBytes,
  headerBytes,
  LAST_BLOCK,
  trailerBytes,
} from "./container.js";
import { decodeDelimited } from "./delimited.js";
import { decodeModeled } from "./modeled-block.js";
import { ProgramTable } from "./program-table.js";
import { decodeV1Blocks } from "./tdlz-v1.js";

/** Default brotli quality: the smallest output; about as fast as `zstd -19`. */
export const DEFAULT_QUALITY = 11;

/** Compression options. */
export interface CompressOptions {
  /** Brotli quality 0..11 (default {@link DEFAULT_QUALITY}). */
  readonly quality?: number;
  /** Lines per block (default 65536); memory grows with it. */
  readonly blockLines?: number;
  readonly miner?: Partial<MinerConfig>;
  /** The input's size when known: a small input gets a small brotli window (a shorter header). */
  readonly sizeHint?: number;
  /** Called after each block with bytes read so far. */
  readonly onProgress?: (bytesIn: number) => void;
}

/** How many blocks took each form. */
export interface BlockCounts {
  stored: number;
  text: number;
  columnar: number;
  modeled: number;
  delimited: number;
}

export interface RunningStats {
  bytesIn: number;
  /** Lines as `wc -l` would count them, plus one for a last line without a newline. */
  lines: number;
  /** Bytes of the columnar payloads before brotli (all blocks, whichever form was kept). */
  payloadBytes: number;
  blocks: BlockCounts;
}

/** Sizes of one compression run. */
export type CompressStats = Readonly<RunningStats> & { readonly bytesOut: number };

const BLOCK_BYTES = 16 << 20;

// Node 20's zlib.crc32 returned 0 for an empty Buffer made from "" with a
// non-zero start value (seen in the round-trip property test): skip empty input.
function crcUpdate(data: Uint8Array | string, crc: number): number {
  return data.length === 0 ? crc : crc32(data, crc);
}

export function newStats(): RunningStats {
  return {
    bytesIn: 0,
    lines: 0,
    payloadBytes: 0,
    blocks: { stored: 0, text: 0, columnar: 0, modeled: 0, delimited: 0 },
  };
}

const KIND_NAME = {
  [BlockKind.Stored]: "stored",
  [BlockKind.Text]: "text",
  [BlockKind.Columnar]: "columnar",
  [BlockKind.Modeled]: "modeled",
  [BlockKind.Delimited]: "delimited",
} as const;

/** The block writer `encodeTdlz` uses for these options. */
export function blockWriterFor(opts: CompressOptions): BlockWriter {
  const quality = opts.quality ?? DEFAULT_QUALITY;
  // Collapsed runs would turn integer columns into string columns: keep tokens apart.
  // Merging lines whose values differ in kind does the same, so match values exactly.
  const minerCfg: Partial<MinerConfig> = {
    collapseRuns: false,
    matchValues: false,
    ...opts.miner,
    stats: false,
  };
  return new BlockWriter(
    { quality, lgwin: lgwinFor(opts.sizeHint), sizeHint: opts.sizeHint },
    minerCfg,
  );
}

/**
 * Encodes batches of latin1 lines (the file split on "\n") into .tdlz
 * chunks; `writer` (default {@link blockWriterFor}) is closed at the end.
 */
export async function* encodeTdlz(
  batches: AsyncIterable<string[]> | Iterable<string[]>,
  opts: CompressOptions = {},
  stats: RunningStats = newStats(),
  writer: BlockWriter = blockWriterFor(opts),
): AsyncGenerator<Uint8Array> {
  const blockLines = opts.blockLines ?? 65536;
  let crc = 0;
  let block: string[] = [];
  let blockBytes = 0;
  let blocks = 0;
  let lastLine = "";
  let pending: Promise<Frame> | null = null;
  // Mines `block` now; its frame is yielded after the next block is mined.
  const encode = (last: boolean): Promise<Frame> => {
    const b = writer.encode(block, last);
    crc = crcUpdate(b.raw, blocks === 0 ? crc : crcUpdate("\n", crc));
    stats.bytesIn += b.bytesIn + (blocks === 0 ? 0 : 1);
    stats.lines += block.length;
    stats.payloadBytes += b.payloadBytes;
    stats.blocks[KIND_NAME[b.kind]]++;
    blocks++;
    block = [];
    blockBytes = 0;
    return b.frame;
  };
  try {
    yield headerBytes();
    for await (const batch of batches) {
      for (const line of batch) {
        block.push(line);
        lastLine = line;
        blockBytes += line.length;
        if (block.length < blockLines && blockBytes < BLOCK_BYTES) continue;
        const next = encode(false);
        if (pending !== null) yield frameBytes(await pending, false);
        pending = next;
        opts.onProgress?.(stats.bytesIn);
      }
    }
    // An empty input is no block at all; any other tail is a block.
    const empty = blocks === 0 && block.length === 1 && block[0] === "";
    if (block.length > 0 && !empty) {
      const next = encode(true);
      if (pending !== null) yield frameBytes(await pending, false);
      pending = next;
    }
    if (pending !== null) yield frameBytes(await pending, true);
    // The piece after a final newline is not a line.
    if (lastLine === "" && stats.lines > 0) stats.lines--;
    yield trailerBytes(crc, pending !== null);
  } finally {
    writer.close();
  }
}

/** Options for writing a file. */
export interface OutputOptions {
  /** Replace an existing output file (default: refuse with OutputExists). */
  readonly overwrite?: boolean;
}

/**
 * Compresses `input` into `output` (.tdlz). The output appears only when
 * complete (written to a temporary file beside it, then renamed).
 */
export async function compressFile(
  input: string,
  output: string,
  opts: CompressOptions & OutputOptions = {},
): Promise<CompressStats> {
  const stats = newStats();
  await refuseInPlace(input, output);
  const size = (await openInput(input, (fh) => fh.stat())).size;
  const bytesOut = await writeAtomically(output, opts.overwrite === true, async (out) => {
    let n = 0;
    const chunks = encodeTdlz(readLineBatches(input, "latin1"), { sizeHint: size, ...opts }, stats);
    for await (const chunk of chunks) {
      await out.write(chunk);
      n += chunk.length;
    }
    return n;
  });
  return { ...stats, bytesOut };
}

function corrupt(message: string, details: Record<string, unknown> = {}): never {
  throw new LogAnalyzerError(LogErrorCode.CorruptContainer, message, details);
}

// Version 2 and 3 blocks, each as the lines or bytes it decodes to.
async function* decodeV2Blocks(
  r: ContainerReader,
  version: FormatVersion,
): AsyncGenerator<string[] | Uint8Array> {
  const stream = new BrotliBlockDecoder();
  const table = new ProgramTable();
  try {
    for (;;) {
      const byte = await r.byte();
      const kind = (byte & ~LAST_BLOCK) as BlockKind;
      const last = (byte & LAST_BLOCK) !== 0;
      if (kind === BlockKind.End && !last) return;
      const known =
        kind === BlockKind.Stored ||
        kind === BlockKind.Text ||
        kind === BlockKind.Columnar ||
        ((kind === BlockKind.Modeled || kind === BlockKind.Delimited) && version === 3);
      if (!known) corrupt(`unknown block kind ${kind}`);
      // The last block has no length: its body runs up to the 4-byte CRC.
      const body = last ? await r.rest(4) : await r.bytes(await r.length());
      if (kind === BlockKind.Stored) yield body;
      else if (kind === BlockKind.Modeled) yield decodeModeled(body);
      else {
        const bytes = await stream.block(body);
        yield kind === BlockKind.Text
          ? bytes
          : kind === BlockKind.Delimited
            ? decodeDelimited(bytes)
            : decodeBlock(bytes, table);
      }
      if (last) return;
    }
  } finally {
    stream.close();
  }
}

/** Decodes a .tdlz byte source, yielding the original bytes chunk by chunk; checks the CRC. */
export async function* decodeTdlz(
  pull: () => Promise<Uint8Array | null>,
): AsyncGenerator<Uint8Array> {
  const r = new ContainerReader(pull);
  const version = await r.header();
  let crc = 0;
  let total = 0;
  let first = true;
  const v1Trailer = { crc: 0, total: 0 };
  const blocks = version === 1 ? decodeV1Blocks(r, v1Trailer) : decodeV2Blocks(r, version);
  for await (const b of blocks) {
    // Blocks are joined by "\n".
    const bytes =
      b instanceof Uint8Array
        ? first
          ? b
          : Buffer.concat([Buffer.from("\n"), b])
        : Buffer.from((first ? "" : "\n") + b.join("\n"), "latin1");
    first = false;
    crc = crcUpdate(bytes, crc);
    total += bytes.length;
    yield bytes;
  }
  const wantCrc = version === 1 ? v1Trailer.crc : await r.u32();
  if (crc >>> 0 !== wantCrc || (version === 1 && v1Trailer.total !== total)) {
    corrupt("checksum mismatch after decompression", { crc, wantCrc, total });
  }
  if (!(await r.atEnd())) corrupt("unexpected bytes after the end of the .tdlz data");
}

/** Compresses a whole in-memory buffer (tests, small inputs). */
export async function compressBuffer(
  data: Uint8Array,
  opts: CompressOptions = {},
): Promise<Uint8Array> {
  const lines = Buffer.from(data).toString("latin1").split("\n");
  const parts: Uint8Array[] = [];
  for await (const c of encodeTdlz([lines], { sizeHint: data.length, ...opts })) parts.push(c);
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

/**
 * Decompresses `input` (.tdlz) into `output`; returns the bytes written. The
 * output appears only when every byte decoded and the checksum matched.
 */
export async function decompressFile(
  input: string,
  output: string,
  opts: OutputOptions = {},
): Promise<number> {
  await refuseInPlace(input, output);
  return openInput(input, (inp) =>
    writeAtomically(output, opts.overwrite === true, async (out) => {
      let written = 0;
      const buf = Buffer.allocUnsafe(1 << 20);
      const pull = async (): Promise<Uint8Array | null> => {
        const { bytesRead } = await inp.read(buf, 0, buf.length, null);
        return bytesRead === 0 ? null : Uint8Array.prototype.slice.call(buf, 0, bytesRead);
      };
      for await (const chunk of decodeTdlz(pull)) {
        await out.write(chunk);
        written += chunk.length;
      }
      return written;
    }),
  );
}

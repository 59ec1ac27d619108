// Reads format version 1 (blocks compressed independently, every program
// inline), so files written by earlier builds still decompress.
import { brotliDecompressSync } from "node:zlib";
import { LogAnalyzerError, LogErrorCode } from "../errors.js";
import { decodeBlock } from "./block-codec.js";
import { type ContainerReader, MAX_BLOCK_BYTES } from "./container.js";

/** Compressor ids of version 1; only brotli was ever written. */
const BROTLI = 1;

/** Yields each block's lines; then fills `trailer` with the CRC-32 and byte count it declares. */
export async function* decodeV1Blocks(
  r: ContainerReader,
  trailer: { crc: number; total: number },
): AsyncGenerator<string[]> {
  const compressor = await r.byte();
  if (compressor !== BROTLI) {
    throw new LogAnalyzerError(LogErrorCode.CorruptContainer, `unknown compressor ${compressor}`);
  }
  for (;;) {
    const lines = await r.uvar();
    if (lines === 0) break;
    const compressed = await r.bytes(await r.length());
    let payload: Uint8Array;
    try {
      payload = brotliDecompressSync(compressed, { maxOutputLength: MAX_BLOCK_BYTES });
    } catch (err) {
      throw new LogAnalyzerError(LogErrorCode.CorruptContainer, "brotli block is corrupt", {}, err);
    }
    const decoded = decodeBlock(payload, null, 1);
    if (decoded.length !== lines) {
      throw new LogAnalyzerError(LogErrorCode.CorruptContainer, "block line count mismatch");
    }
    yield decoded;
  }
  trailer.crc = await r.uvar();
  trailer.total = await r.uvar();
}

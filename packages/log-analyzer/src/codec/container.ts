// The .tdlz container (docs/tdlz-format.md): "TDLZ" and a version byte; then
// blocks, each a kind byte, a length and its bytes; the last block's kind has
// the LAST bit and it has no length (or an End byte follows the blocks); then
// the CRC-32 of the original file, checked on decompression.
import { LogAnalyzerError, LogErrorCode } from "../errors.js";
import { ByteWriter } from "./bytes.js";

export const MAGIC = "TDLZ";
/**
 * Version 2: one brotli stream across blocks, shared templates, stored
 * blocks. Version 3: version 2 plus Modeled and Delimited blocks.
 */
export const FORMAT_VERSION = 3;
/** Versions this build reads. */
export type FormatVersion = 1 | 2 | 3;

/** What follows a block's kind byte. */
export enum BlockKind {
  /** No more blocks: the CRC-32 follows. */
  End = 0,
  /** uvar length, then the original bytes as they are (incompressible input). */
  Stored = 1,
  /** uvar compressed length, then the original bytes through the stream. */
  Text = 2,
  /** uvar compressed length, then the columnar payload through the stream. */
  Columnar = 3,
  /** uvar length, then uvar n and the n original bytes through the context-mixing coder (v3). */
  Modeled = 4,
  /** uvar compressed length, then the Delimited payload (fields by column) through the stream (v3). */
  Delimited = 5,
}

/** The largest block written as Modeled (a one-block file); larger declared sizes are corrupt. */
export const MAX_MODELED_BYTES = 16 << 10;

/** Set in a kind byte: this is the last block; it has no length and the CRC-32 follows it. */
export const LAST_BLOCK = 0x80;

/** The kinds that carry data. */
export type DataBlockKind = Exclude<BlockKind, BlockKind.End>;

/** Declared lengths above this are corrupt (a block holds 16 MiB plus at most one long line). */
export const MAX_BLOCK_BYTES = 1 << 30;

function corrupt(message: string, details: Record<string, unknown> = {}): never {
  throw new LogAnalyzerError(LogErrorCode.CorruptContainer, message, details);
}

/** Bytes of the file header. */
export function headerBytes(): Uint8Array {
  const w = new ByteWriter();
  w.latin1(MAGIC);
  w.byte(FORMAT_VERSION);
  return w.finish();
}

/** A block's kind and body, before it is framed. */
export interface Frame {
  readonly kind: DataBlockKind;
  readonly body: Uint8Array;
}

/**
 * The bytes of a block: its kind byte, then its length and body; the last
 * block has the LAST bit and no length (its body runs up to the CRC-32).
 */
export function frameBytes(f: Frame, last: boolean): Uint8Array {
  const w = new ByteWriter();
  w.byte(last ? f.kind | LAST_BLOCK : f.kind);
  if (!last) w.uvar(f.body.length);
  w.bytes(f.body);
  return w.finish();
}

/** The CRC-32 (little-endian) of the original bytes, after an End byte unless `afterLast`. */
export function trailerBytes(crc: number, afterLast: boolean): Uint8Array {
  const w = new ByteWriter();
  if (!afterLast) w.byte(BlockKind.End);
  w.u32(crc >>> 0);
  return w.finish();
}

/** Pull-based reader of container bytes from any source of byte chunks. */
export class ContainerReader {
  private buf: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private readonly pull: () => Promise<Uint8Array | null>;

  constructor(pull: () => Promise<Uint8Array | null>) {
    this.pull = pull;
  }

  private async need(n: number): Promise<void> {
    while (this.buf.length - this.pos < n) {
      const more = await this.pull();
      if (more === null) corrupt("container is truncated", { needed: n });
      const next = new Uint8Array(this.buf.length - this.pos + more.length);
      next.set(this.buf.subarray(this.pos));
      next.set(more, this.buf.length - this.pos);
      this.buf = next;
      this.pos = 0;
    }
  }

  async bytes(n: number): Promise<Uint8Array> {
    await this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  async byte(): Promise<number> {
    return (await this.bytes(1))[0] as number;
  }

  async uvar(): Promise<number> {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = await this.byte();
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 0x80;
    }
    return corrupt("bad varint in container");
  }

  /** A declared block length, refused when implausible. */
  async length(): Promise<number> {
    const n = await this.uvar();
    if (n > MAX_BLOCK_BYTES) corrupt("block length out of range", { length: n });
    return n;
  }

  async u32(): Promise<number> {
    const b = await this.bytes(4);
    return (
      ((b[0] as number) | ((b[1] as number) << 8) | ((b[2] as number) << 16)) +
      (b[3] as number) * 2 ** 24
    );
  }

  /**
   * Everything up to the end of the source but its last `keep` bytes (the
   * body of the last block, which has no length), refused when implausible.
   */
  async rest(keep: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [this.buf.subarray(this.pos)];
    let total = (parts[0] as Uint8Array).length;
    for (let more = await this.pull(); more !== null; more = await this.pull()) {
      parts.push(more);
      total += more.length;
      if (total > MAX_BLOCK_BYTES + keep) corrupt("block length out of range", { length: total });
    }
    if (total < keep) corrupt("container is truncated", { needed: keep - total });
    const all = Buffer.concat(parts, total);
    this.buf = all.subarray(total - keep);
    this.pos = 0;
    return all.subarray(0, total - keep);
  }

  /** True when the source has no bytes left (read after the trailer). */
  async atEnd(): Promise<boolean> {
    if (this.buf.length > this.pos) return false;
    const more = await this.pull();
    if (more === null) return true;
    this.buf = more;
    this.pos = 0;
    return more.length === 0 ? this.atEnd() : false;
  }

  /** Reads and checks the header; returns the format version. */
  async header(): Promise<FormatVersion> {
    const h = await this.bytes(5);
    const magic = String.fromCharCode(h[0] ?? 0, h[1] ?? 0, h[2] ?? 0, h[3] ?? 0);
    if (magic !== MAGIC) corrupt("not a .tdlz file (bad magic)");
    const version = h[4] as number;
    if (version !== 1 && version !== 2 && version !== 3)
      corrupt(`unsupported .tdlz version ${version}`);
    return version;
  }
}

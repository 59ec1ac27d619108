// The .tdlz container: "TDLZ", version, compressor id; then blocks
// (line count, compressed length, brotli bytes); then a 0 line count, the
// CRC-32 and byte length of the original file, checked on decompression.
import { LogAnalyzerError, LogErrorCode } from "../errors.js";
import { ByteWriter } from "./bytes.js";

export const MAGIC = "TDLZ";
export const FORMAT_VERSION = 1;
/** Compressor ids; only brotli (Node's zlib) is written today. */
export enum Compressor {
  Brotli = 1,
}

/** Bytes of the file header. */
export function headerBytes(): Uint8Array {
  const w = new ByteWriter();
  w.latin1(MAGIC);
  w.byte(FORMAT_VERSION);
  w.byte(Compressor.Brotli);
  return w.finish();
}

/** Bytes framing one block. */
export function blockFrame(lines: number, compressed: Uint8Array): Uint8Array {
  const w = new ByteWriter();
  w.uvar(lines);
  w.uvar(compressed.length);
  w.bytes(compressed);
  return w.finish();
}

/** Bytes of the trailer. */
export function trailerBytes(crc: number, totalBytes: number): Uint8Array {
  const w = new ByteWriter();
  w.uvar(0);
  w.uvar(crc >>> 0);
  w.uvar(totalBytes);
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
      if (more === null) {
        throw new LogAnalyzerError(LogErrorCode.CorruptContainer, "container is truncated", {
          needed: n,
        });
      }
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

  async uvar(): Promise<number> {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = (await this.bytes(1))[0] as number;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 0x80;
    }
    throw new LogAnalyzerError(LogErrorCode.CorruptContainer, "bad varint in container");
  }

  /** Reads and checks the header. */
  async header(): Promise<void> {
    const h = await this.bytes(6);
    const magic = String.fromCharCode(h[0] ?? 0, h[1] ?? 0, h[2] ?? 0, h[3] ?? 0);
    if (magic !== MAGIC) {
      throw new LogAnalyzerError(LogErrorCode.CorruptContainer, "not a .tdlz file (bad magic)");
    }
    if (h[4] !== FORMAT_VERSION) {
      throw new LogAnalyzerError(
        LogErrorCode.CorruptContainer,
        `unsupported .tdlz version ${h[4]}`,
      );
    }
    if (h[5] !== Compressor.Brotli) {
      throw new LogAnalyzerError(LogErrorCode.CorruptContainer, `unknown compressor ${h[5]}`);
    }
  }
}

// Growable byte buffer with LEB128 varints and latin1 strings (one byte per
// char: the codec works on "binary strings", so any input bytes round-trip).
import { LogAnalyzerError, LogErrorCode } from "../errors.js";

export class ByteWriter {
  private buf = new Uint8Array(1024);
  private pos = 0;

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Unsigned varint, 0 ≤ v ≤ 2^53. */
  uvar(v: number): void {
    this.ensure(8);
    let x = v;
    while (x >= 0x80) {
      this.buf[this.pos++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buf[this.pos++] = x;
  }

  /** Signed varint (zigzag), |v| < 2^52. */
  svar(v: number): void {
    this.uvar(v < 0 ? -2 * v - 1 : 2 * v);
  }

  /** Unsigned 32-bit integer, little-endian. */
  u32(v: number): void {
    this.ensure(4);
    for (let k = 0; k < 4; k++) this.buf[this.pos++] = (v >>> (8 * k)) & 0xff;
  }

  /** A latin1 string's bytes, without length. */
  latin1(s: string): void {
    this.ensure(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
  }

  /** Length-prefixed latin1 string. */
  str(s: string): void {
    this.uvar(s.length);
    this.latin1(s);
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

export class ByteReader {
  private pos = 0;
  private readonly buf: Uint8Array;

  constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private fail(what: string): never {
    throw new LogAnalyzerError(LogErrorCode.CorruptContainer, `truncated data reading ${what}`, {
      offset: this.pos,
    });
  }

  byte(): number {
    if (this.pos >= this.buf.length) this.fail("byte");
    return this.buf[this.pos++] as number;
  }

  uvar(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.buf.length) this.fail("varint");
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 0x80;
    }
    return this.fail("varint (too long)");
  }

  svar(): number {
    const u = this.uvar();
    return u % 2 === 1 ? -(u + 1) / 2 : u / 2;
  }

  latin1(n: number): string {
    if (this.pos + n > this.buf.length) this.fail("string");
    // Chunked to stay under the engine's argument limit.
    let s = "";
    for (let i = 0; i < n; i += 8192) {
      const end = Math.min(n, i + 8192);
      s += String.fromCharCode.apply(
        null,
        this.buf.subarray(this.pos + i, this.pos + end) as unknown as number[],
      );
    }
    this.pos += n;
    return s;
  }

  str(): string {
    return this.latin1(this.uvar());
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) this.fail("bytes");
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

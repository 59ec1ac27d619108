// Connect streaming and gRPC frame each message in an envelope: one flags
// byte, a 4-byte big-endian length, the message. The proxy reads them from
// the chunks it forwards, which split envelopes anywhere.
import { MAX_MESSAGE_BYTES } from "@tidemark/protocol";

/** An envelope's flag for a compressed message. */
export const COMPRESSED = 0x01;
/** A Connect streaming envelope's flag for the end-of-stream message. */
export const END_STREAM = 0x02;

/**
 * A whole envelope; `data` is undefined when it was not kept: over
 * MAX_MESSAGE_BYTES, or of flags the reader was told to skip.
 */
export type Envelope = { readonly flags: number; readonly length: number; readonly data?: Buffer };

export class EnvelopeReader {
  private prefix = Buffer.alloc(0);
  private flags = 0;
  private left = 0;
  private parts: Buffer[] | undefined;

  /** `wanted`: whether an envelope of these flags is worth its bytes (default: all). */
  constructor(
    private readonly onEnvelope: (e: Envelope) => void,
    private readonly wanted: (flags: number) => boolean = () => true,
  ) {}

  chunk(buf: Buffer): void {
    let at = 0;
    while (at < buf.length) {
      if (this.prefix.length < 5) {
        const take = Math.min(5 - this.prefix.length, buf.length - at);
        this.prefix = Buffer.concat([this.prefix, buf.subarray(at, at + take)]);
        at += take;
        if (this.prefix.length < 5) return;
        this.flags = this.prefix[0] ?? 0;
        this.left = this.prefix.readUInt32BE(1);
        this.parts = this.left <= MAX_MESSAGE_BYTES && this.wanted(this.flags) ? [] : undefined;
      }
      const take = Math.min(this.left, buf.length - at);
      this.parts?.push(buf.subarray(at, at + take));
      at += take;
      this.left -= take;
      if (this.left === 0) this.emit();
    }
  }

  private emit(): void {
    const length = this.prefix.readUInt32BE(1);
    const data = this.parts === undefined ? undefined : Buffer.concat(this.parts);
    this.prefix = Buffer.alloc(0);
    this.parts = undefined;
    this.onEnvelope({ flags: this.flags, length, ...(data === undefined ? {} : { data }) });
  }
}

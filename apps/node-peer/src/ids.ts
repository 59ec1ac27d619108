// 16-byte ids: UUIDv7 for rows and devices (time-ordered, so SQLite's
// B-tree appends instead of splitting), lowercase hex for keys and logs.
import { randomBytes } from "node:crypto";
import { CliError, CliErrorCode } from "./errors.js";

let lastMs = 0;
let seqInMs = 0;

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix ms, version 7, 12-bit counter that keeps
 * ids monotone within one millisecond in this process, variant, 62 random bits.
 */
export function uuidv7(now: number = Date.now()): Uint8Array {
  const bytes = randomBytes(16);
  let ms = Math.max(now, lastMs);
  if (ms === lastMs) {
    seqInMs++;
    if (seqInMs > 0xfff) {
      // Counter exhausted: borrow the next millisecond rather than wrap.
      ms++;
      seqInMs = 0;
    }
  } else {
    seqInMs = 0;
  }
  lastMs = ms;
  const hi = Math.floor(ms / 2 ** 16);
  bytes[0] = (hi >>> 24) & 0xff;
  bytes[1] = (hi >>> 16) & 0xff;
  bytes[2] = (hi >>> 8) & 0xff;
  bytes[3] = hi & 0xff;
  bytes[4] = (ms >>> 8) & 0xff;
  bytes[5] = ms & 0xff;
  bytes[6] = 0x70 | ((seqInMs >>> 8) & 0x0f);
  bytes[7] = seqInMs & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, 16);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Parses a 32-char hex id (dashes allowed, as in UUID text form). */
export function fromHex(text: string, what = "id"): Uint8Array {
  const clean = text.replaceAll("-", "").toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(clean)) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      `${what} must be 32 hex digits, got "${text}"`,
    );
  }
  return new Uint8Array(Buffer.from(clean, "hex"));
}

/**
 * An 8-hex-digit label for people. Takes the random tail: UUIDv7s made in
 * the same millisecond share their leading (time) digits.
 */
export function shortId(idHex: string): string {
  return idHex.slice(-8);
}

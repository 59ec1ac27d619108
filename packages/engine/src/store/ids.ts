// Ids and stream keys: 16-byte ids on the wire and in SQLite, lowercase hex
// (IdHex) in maps, logs and keys. No Buffer: the engine sees no Node globals.
import { create } from "@bufbuild/protobuf";
import { type Resource, type StreamId, StreamIdSchema } from "@tidemark/protocol";
import { EngineError, EngineErrorCode } from "../errors.js";
import type { IdHex, StreamKey } from "./store-api.js";

export const ID_BYTES = 16;

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lowercase hex of any bytes (32 chars for an id). */
export function idToHex(id: Uint8Array): IdHex {
  let s = "";
  for (let i = 0; i < id.length; i++) s += HEX[id[i] as number];
  return s;
}

/** Parses a 32-char hex id; throws Invalid on anything else. */
export function idFromHex(hex: IdHex): Uint8Array {
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) {
    throw new EngineError(EngineErrorCode.Invalid, "id must be 32 hex characters", { id: hex });
  }
  const out = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Throws Invalid unless `id` is exactly 16 bytes. */
export function assertId(id: Uint8Array, what: string): void {
  if (id.length !== ID_BYTES) {
    throw new EngineError(EngineErrorCode.Invalid, `${what} must be ${ID_BYTES} bytes`, {
      length: id.length,
    });
  }
}

/**
 * A fresh UUIDv7 (RFC 9562): 48-bit Unix ms, version 7, 74 random bits,
 * variant 10. Time-ordered, so bulk inserts land near the B-tree's end.
 * `random` returns floats in [0, 1) (the Random port).
 */
export function newRowId(nowMs: number, random: () => number): Uint8Array {
  const id = new Uint8Array(ID_BYTES);
  let ms = Math.max(0, Math.floor(nowMs));
  for (let i = 5; i >= 0; i--) {
    id[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  for (let i = 6; i < ID_BYTES; i++) id[i] = Math.floor(random() * 256) & 0xff;
  id[6] = 0x70 | ((id[6] as number) & 0x0f);
  id[8] = 0x80 | ((id[8] as number) & 0x3f);
  return id;
}

/** Lexicographic byte order of two ids (the order reconciliation uses). */
export function compareIds(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** True when both byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** StreamKey of a wire StreamId (validates the origin). */
export function streamKeyOf(id: StreamId): StreamKey {
  assertId(id.origin, "stream origin");
  return { origin: idToHex(id.origin), resource: id.resource };
}

/** Wire StreamId of a StreamKey. */
export function toStreamId(key: StreamKey): StreamId {
  return create(StreamIdSchema, { origin: idFromHex(key.origin), resource: key.resource });
}

/** Canonical `${originHex}/${resource}` string of a stream, for map keys and logs. */
export function streamKeyString(key: StreamKey): string {
  return `${key.origin}/${key.resource}`;
}

/** Builds a StreamKey, normalising the origin to lowercase hex. */
export function streamKey(origin: IdHex | Uint8Array, resource: Resource): StreamKey {
  return { origin: typeof origin === "string" ? origin.toLowerCase() : idToHex(origin), resource };
}

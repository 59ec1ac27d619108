// Id and stream-key helpers the control plane needs (hex <-> bytes,
// StreamId <-> StreamKey); the formats are the FINGERPRINT.md conventions.
// Hex encoding and the stream map key are the store's own (store/ids.ts).
import { create } from "@bufbuild/protobuf";
import { type Resource, type StreamId, StreamIdSchema } from "@tidemark/protocol";
import { EngineError, EngineErrorCode } from "../errors.js";
import { idToHex as toHex } from "../store/ids.js";
import type { StreamKey } from "../store/store-api.js";

export { bytesEqual, idToHex as toHex, streamKeyString } from "../store/ids.js";

/** Bytes of a lowercase or uppercase hex string; throws Invalid on bad input. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new EngineError(EngineErrorCode.Invalid, "not a hex string", { hex });
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function streamKeyFromId(id: StreamId | undefined): StreamKey {
  if (id === undefined)
    throw new EngineError(EngineErrorCode.Invalid, "stream missing", {
      field: "stream",
      missing: true,
    });
  return { origin: toHex(id.origin), resource: id.resource as Resource };
}

export function streamIdFromKey(stream: StreamKey): StreamId {
  return create(StreamIdSchema, { origin: fromHex(stream.origin), resource: stream.resource });
}

/** The stream of a `streamKeyString` key (`${originHex}/${resource}`). */
export function streamKeyFromString(key: string): StreamKey {
  const [origin, resource] = key.split("/");
  return { origin: origin as string, resource: Number(resource) as Resource };
}

/** Orders streams in foreign-key order (resource), then by origin. */
export function compareStreams(a: StreamKey, b: StreamKey): number {
  if (a.resource !== b.resource) return a.resource - b.resource;
  return a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : 0;
}

// How a Connect or gRPC message is framed on the wire, from its headers,
// and how the proxy decodes one: binary or JSON, bare or in an envelope.

import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { type DescMessage, fromJsonString, type MessageShape } from "@bufbuild/protobuf";
import {
  decodeRequest,
  ErrorReason,
  MAX_MESSAGE_BYTES,
  ProtocolError,
  type ValidationResult,
} from "@tidemark/protocol";
import { COMPRESSED } from "./envelopes.js";

/** Compressions Connect and gRPC peers use (connect-node offers both). */
type Encoding = "identity" | "gzip" | "br";

/**
 * `enveloped`: Connect streaming or gRPC; `json`: Connect's JSON codec;
 * `encoding`: of the whole body (Connect unary) or of each envelope flagged
 * compressed (streaming, gRPC).
 */
export type Framing = {
  readonly enveloped: boolean;
  readonly json: boolean;
  readonly encoding: Encoding;
};

const ENCODINGS: ReadonlySet<string> = new Set(["identity", "gzip", "br"]);

/** The framing its headers name; undefined when not ours to read (an unknown type or compression). */
export function framingOf(headers: Readonly<Record<string, unknown>>): Framing | undefined {
  const type = String(headers["content-type"] ?? "");
  const enveloped = type.startsWith("application/connect+") || type.startsWith("application/grpc");
  const named = enveloped
    ? (headers["connect-content-encoding"] ?? headers["grpc-encoding"])
    : headers["content-encoding"];
  const encoding = String(named ?? "identity");
  if (!ENCODINGS.has(encoding)) return undefined;
  const at = { enveloped, encoding: encoding as Encoding };
  switch (type) {
    case "application/proto":
    case "application/connect+proto":
    case "application/grpc":
    case "application/grpc+proto":
      return { ...at, json: false };
    case "application/json":
    case "application/connect+json":
      return { ...at, json: true };
    default:
      return undefined;
  }
}

/** Inflates what `encoding` compressed, at most a message's bound; undefined when it cannot. */
export function inflate(data: Uint8Array, encoding: Encoding): Uint8Array | undefined {
  const options = { maxOutputLength: MAX_MESSAGE_BYTES + 1 };
  try {
    if (encoding === "gzip") return gunzipSync(data, options);
    if (encoding === "br") return brotliDecompressSync(data, options);
    return data;
  } catch {
    return undefined;
  }
}

/** A one-message body's message: the body, or its first envelope (undefined: cut short or not inflatable). */
export function messageOf(body: Buffer, framing: Framing): Uint8Array | undefined {
  if (!framing.enveloped) return inflate(body, framing.encoding);
  if (body.length < 5) return undefined;
  const length = body.readUInt32BE(1);
  if (body.length < 5 + length) return undefined;
  const data = body.subarray(5, 5 + length);
  return ((body[0] ?? 0) & COMPRESSED) === 0 ? data : inflate(data, framing.encoding);
}

/** Decodes with the protocol's own decoder (size bound, MALFORMED on bad bytes), or from JSON. */
export function decodeMessage<Desc extends DescMessage>(
  schema: Desc,
  bytes: Uint8Array,
  json: boolean,
): ValidationResult<MessageShape<Desc>> {
  if (!json) return decodeRequest(schema, bytes);
  try {
    return { ok: true, value: fromJsonString(schema, new TextDecoder().decode(bytes)) };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const message = `cannot decode ${schema.typeName} from JSON: ${why}`;
    return { ok: false, error: new ProtocolError(ErrorReason.MALFORMED, message) };
  }
}

// Every error a SyncService answer carries gets an ErrorDetail, on every
// protocol (PROTOCOL.md §10). Errors raised by our handlers already have
// one; errors connect-es raises itself before a handler runs (undecodable
// bytes, a message over readMaxBytes, a missing or extra request message,
// a truncated envelope) have none, and it reports undecodable protobuf as
// `internal` — the caller's fault, so `invalid_argument`, MALFORMED here.
// connect-es serialises those errors before any interceptor can see them
// (unary requests are parsed ahead of interceptors), so the answer is
// rewritten: found in the protocol's own place, re-serialised with
// connect-es's own encoders.
import { Code, ConnectError } from "@connectrpc/connect";
import type { UniversalServerResponse } from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  createEndStreamSerialization,
  endStreamFlag,
  errorFromJsonBytes,
  errorToJsonBytes,
} from "@connectrpc/connect/protocol-connect";
import { findTrailerError, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerParse, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import {
  ErrorDetailSchema,
  ErrorReason,
  MAX_MESSAGE_BYTES,
  ProtocolError,
} from "@tidemark/protocol";

/** The four ways a request reaches us, told apart by its content-type. */
export type WireProtocol = "connect-unary" | "connect-stream" | "grpc" | "grpc-web";

export function wireProtocolOf(contentType: string | undefined): WireProtocol | undefined {
  const t = (contentType ?? "").toLowerCase();
  if (/^application\/(proto|json)\b/.test(t)) return "connect-unary";
  if (t.startsWith("application/connect+")) return "connect-stream";
  if (t.startsWith("application/grpc-web")) return "grpc-web";
  if (t.startsWith("application/grpc")) return "grpc";
  return undefined;
}

// Transport failures carry no detail (§10): the caller retries them.
const TRANSPORT = new Set([Code.Canceled, Code.DeadlineExceeded, Code.Unavailable, Code.Aborted]);

// connect-es's own words for a request it could not read.
const UNREADABLE = /^(parse binary|cannot decode|protocol error|invalid envelope|unexpected EOF)/i;

/**
 * The error a Tidemark peer answers with in place of `err`: `err` itself
 * when it has an ErrorDetail or is a transport failure; else the same
 * failure with a detail: unreadable bytes are invalid_argument MALFORMED,
 * a message over the size bound is MESSAGE_TOO_LARGE, anything else keeps
 * its code with reason UNSPECIFIED.
 */
export function withErrorDetail(err: ConnectError): ConnectError {
  if (TRANSPORT.has(err.code) || err.findDetails(ErrorDetailSchema).length > 0) return err;
  const message = err.rawMessage;
  let p: ProtocolError;
  if (err.code === Code.ResourceExhausted) {
    p = new ProtocolError(ErrorReason.MESSAGE_TOO_LARGE, message, { limit: MAX_MESSAGE_BYTES });
  } else if (UNREADABLE.test(message) || err.code === Code.InvalidArgument) {
    p = new ProtocolError(ErrorReason.MALFORMED, message, { code: Code.InvalidArgument });
  } else {
    p = new ProtocolError(ErrorReason.UNSPECIFIED, message, { code: err.code });
  }
  const out = p.toConnectError();
  err.metadata.forEach((v, k) => {
    out.metadata.set(k, v);
  });
  return out;
}

/** Rewrites the error of a SyncService answer (if any) to carry an ErrorDetail. */
export async function withErrorDetails(
  protocol: WireProtocol | undefined,
  res: UniversalServerResponse,
): Promise<UniversalServerResponse> {
  switch (protocol) {
    case "connect-unary":
      return connectUnary(res);
    case "connect-stream":
      return mapEnvelopes(res, endStreamFlag, rewriteEndStream);
    case "grpc":
      return grpc(res);
    case "grpc-web":
      if (rewriteGrpcHeaders(res.header)) return res; // trailers-only answer
      return mapEnvelopes(res, trailerFlag, (data) => {
        const trailer = trailerParse(data);
        rewriteGrpcHeaders(trailer);
        return trailerSerialize(trailer);
      });
    default:
      return res;
  }
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of body) chunks.push(c);
  return Buffer.concat(chunks);
}

// A Connect unary error is a JSON body with a non-200 status.
async function connectUnary(res: UniversalServerResponse): Promise<UniversalServerResponse> {
  const header = res.header ?? new Headers();
  const body = res.body;
  if (res.status === 200 || body === undefined || !(Symbol.asyncIterator in Object(body))) {
    return res;
  }
  // Error bodies are a few hundred bytes: connect-es compresses none under 1 KiB.
  if (header.get("content-encoding") !== null) return res;
  const raw = await readAll(body as AsyncIterable<Uint8Array>);
  const fallback = new ConnectError("unreadable error body", Code.Internal);
  const err = errorFromJsonBytes(raw, undefined, fallback);
  if (err === fallback) return { ...res, body: once(raw) };
  const out = withErrorDetail(err);
  const bytes = errorToJsonBytes(out, {});
  header.set("content-length", String(bytes.byteLength));
  return { ...res, header, status: codeToHttpStatus(out.code), body: once(bytes) };
}

/** Rewrites grpc-status & co in `h` in place; true when `h` carried an error. */
function rewriteGrpcHeaders(h: Headers | undefined): boolean {
  if (h === undefined) return false;
  const err = findTrailerError(h);
  if (err === undefined) return false;
  const out = withErrorDetail(err);
  if (out !== err) setTrailerStatus(h, out);
  return true;
}

// gRPC: the status is in the headers (trailers-only) or in the trailers,
// which connect-es fills once the body has been read to its end.
function grpc(res: UniversalServerResponse): UniversalServerResponse {
  if (rewriteGrpcHeaders(res.header) || res.body === undefined) return res;
  const body = res.body as AsyncIterable<Uint8Array>;
  const trailer = res.trailer;
  async function* thenTrailer() {
    yield* body;
    rewriteGrpcHeaders(trailer);
  }
  return { ...res, body: thenTrailer() };
}

function rewriteEndStream(data: Uint8Array): Uint8Array {
  const serialization = createEndStreamSerialization({});
  const end = serialization.parse(data);
  if (end.error === undefined) return data;
  const out = withErrorDetail(end.error);
  return out === end.error ? data : serialization.serialize({ ...end, error: out });
}

// Envelopes (5-byte header: flags, big-endian length) pass through whole;
// the one flagged `flag` (end of stream, trailers) is rewritten unless it
// is compressed (connect-es compresses none under 1 KiB; errors are smaller).
function mapEnvelopes(
  res: UniversalServerResponse,
  flag: number,
  rewrite: (data: Uint8Array) => Uint8Array,
): UniversalServerResponse {
  if (res.body === undefined || !(Symbol.asyncIterator in Object(res.body))) return res;
  const body = res.body as AsyncIterable<Uint8Array>;
  async function* mapped() {
    let buf = Buffer.alloc(0);
    for await (const chunk of body) {
      buf = buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([buf, chunk]);
      for (;;) {
        if (buf.length < 5) break;
        const length = buf.readUInt32BE(1);
        if (buf.length < 5 + length) break;
        const flags = buf[0] as number;
        const envelope = buf.subarray(0, 5 + length);
        buf = buf.subarray(5 + length);
        yield flags === flag ? encode(flags, rewrite(envelope.subarray(5))) : envelope;
      }
    }
    if (buf.length > 0) yield buf;
  }
  return { ...res, body: mapped() };
}

function encode(flags: number, data: Uint8Array): Uint8Array {
  const out = Buffer.alloc(5 + data.byteLength);
  out[0] = flags;
  out.writeUInt32BE(data.byteLength, 1);
  out.set(data, 5);
  return out;
}

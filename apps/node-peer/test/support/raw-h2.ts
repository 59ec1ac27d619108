// Raw HTTP/2 requests for tests that send what no Connect client would:
// garbage, truncated envelopes, any content-type; to an https URL over
// TLS with the caller's certificate (tls-caller.ts rawTlsAs). The error of
// an answer is read back with connect-es's own decoders, per protocol.
import http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  endStreamFlag,
  endStreamFromJson,
  errorFromJsonBytes,
} from "@connectrpc/connect/protocol-connect";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerParse } from "@connectrpc/connect/protocol-grpc-web";
import type { WireProtocol } from "../../src/net/wire-errors.js";

export type RawAnswer = {
  readonly status: number;
  readonly headers: Headers;
  readonly trailers: Headers;
  readonly body: Buffer;
};

export const CONTENT_TYPE: Readonly<Record<WireProtocol, string>> = {
  "connect-unary": "application/proto",
  "connect-stream": "application/connect+proto",
  grpc: "application/grpc+proto",
  "grpc-web": "application/grpc-web+proto",
};

function toHeaders(h: http2.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith(":") || v === undefined) continue;
    out.set(k, Array.isArray(v) ? v.join(", ") : String(v));
  }
  return out;
}

/**
 * POSTs `body` to `path` on `url` (https: with `tls`, the client's key,
 * certificate and trust); resolves with the whole answer (or rejects on a reset).
 */
export function rawPost(
  url: string,
  path: string,
  contentType: string,
  body: Uint8Array,
  timeoutMs = 10_000,
  tls?: http2.SecureClientSessionOptions,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, tls ?? {});
    session.on("error", reject);
    const req = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": contentType,
      te: "trailers",
    });
    req.setTimeout(timeoutMs, () => req.close(http2.constants.NGHTTP2_CANCEL));
    let status = 0;
    let headers = new Headers();
    let trailers = new Headers();
    const chunks: Buffer[] = [];
    req.on("response", (h) => {
      status = Number(h[":status"]);
      headers = toHeaders(h);
    });
    req.on("trailers", (t) => {
      trailers = toHeaders(t);
    });
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => {
      session.close();
      resolve({ status, headers, trailers, body: Buffer.concat(chunks) });
    });
    req.on("error", (err) => {
      session.destroy();
      reject(err);
    });
    req.end(body);
  });
}

/** `data` in one envelope (flags 0): the framing of every protocol but Connect unary. */
export function envelope(data: Uint8Array, flags = 0): Buffer {
  const out = Buffer.alloc(5 + data.length);
  out[0] = flags;
  out.writeUInt32BE(data.length, 1);
  out.set(data, 5);
  return out;
}

function envelopes(body: Buffer): { flags: number; data: Buffer }[] {
  const out: { flags: number; data: Buffer }[] = [];
  for (let at = 0; at + 5 <= body.length; ) {
    const length = body.readUInt32BE(at + 1);
    out.push({ flags: body[at] as number, data: body.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return out;
}

/** The error an answer carries in `protocol`'s own place, or undefined (success). */
export function errorOf(protocol: WireProtocol, a: RawAnswer): ConnectError | undefined {
  switch (protocol) {
    case "connect-unary":
      return a.status === 200
        ? undefined
        : errorFromJsonBytes(a.body, undefined, new ConnectError("no error body", Code.Unknown));
    case "connect-stream": {
      const end = envelopes(a.body).find((e) => e.flags === endStreamFlag);
      return end === undefined ? undefined : endStreamFromJson(end.data).error;
    }
    case "grpc":
      return findTrailerError(a.headers) ?? findTrailerError(a.trailers);
    case "grpc-web": {
      const end = envelopes(a.body).find((e) => e.flags === trailerFlag);
      return findTrailerError(a.headers) ?? (end && findTrailerError(trailerParse(end.data)));
    }
  }
}

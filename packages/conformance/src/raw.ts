// Undecodable request bodies (decoder cases, ER-4) cannot be built with a
// generated client: this sends bytes as one unary call over HTTP/2 (h2c,
// or TLS with the caller's certificate), framed
// for the Connect protocol or gRPC, and reads the code and detail back.
import { connect, constants, type SecureClientSessionOptions } from "node:http2";
import { fromBinary } from "@bufbuild/protobuf";
import { ErrorDetailSchema, ErrorReason } from "@tidemark/protocol";
import { statusDetails } from "./status.js";
import type { WireProtocol } from "./transport.js";

export type RawOutcome = { readonly code: string; readonly reason: string | undefined };

export const GRPC_CODES = [
  "ok",
  "canceled",
  "unknown",
  "invalid_argument",
  "deadline_exceeded",
  "not_found",
  "already_exists",
  "permission_denied",
  "resource_exhausted",
  "failed_precondition",
  "aborted",
  "out_of_range",
  "unimplemented",
  "internal",
  "unavailable",
  "data_loss",
  "unauthenticated",
];

/** One unary call with a raw body; resolves with the error code ("ok" if none). */
export function rawUnary(
  baseUrl: string,
  method: string,
  body: Uint8Array,
  protocol: WireProtocol,
  timeoutMs = 10_000,
  /** For an https:// target: the caller's certificate and the pinned server (transport.ts). */
  tls?: SecureClientSessionOptions,
): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const session = connect(baseUrl, tls ?? {});
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`raw ${method}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (v: RawOutcome | Error) => {
      clearTimeout(timer);
      session.close();
      v instanceof Error ? reject(v) : resolve(v);
    };
    session.on("error", (e) => done(e));
    const grpc = protocol === "grpc";
    const req = session.request({
      [constants.HTTP2_HEADER_METHOD]: "POST",
      [constants.HTTP2_HEADER_PATH]: `/tidemark.sync.v1.SyncService/${method}`,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: grpc ? "application/grpc+proto" : "application/proto",
      ...(grpc ? { te: "trailers" } : { "connect-protocol-version": "1" }),
    });
    const chunks: Buffer[] = [];
    let status = 0;
    req.on("response", (h) => {
      status = Number(h[constants.HTTP2_HEADER_STATUS]);
      if (grpc && h["grpc-status"] !== undefined) done(fromGrpcHeaders(h));
    });
    req.on("trailers", (t) => done(fromGrpcHeaders(t)));
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (grpc) return;
      if (status === 200) return done({ code: "ok", reason: undefined });
      done(fromConnectBody(Buffer.concat(chunks).toString("utf8")));
    });
    req.on("error", (e) => done(e));
    if (grpc) {
      const frame = Buffer.alloc(5 + body.length);
      frame.writeUInt32BE(body.length, 1);
      frame.set(body, 5);
      req.end(frame);
    } else req.end(Buffer.from(body));
  });
}

function fromConnectBody(text: string): RawOutcome {
  try {
    const j = JSON.parse(text) as { code?: string; details?: { type?: string; value?: string }[] };
    const d = j.details?.find((x) => x.type === "tidemark.sync.v1.ErrorDetail");
    const reason = d?.value === undefined ? undefined : reasonOf(Buffer.from(d.value, "base64"));
    return { code: j.code ?? "unknown", reason };
  } catch {
    return { code: "unknown", reason: undefined };
  }
}

function fromGrpcHeaders(h: Record<string, unknown>): RawOutcome {
  const code = GRPC_CODES[Number(h["grpc-status"])] ?? "unknown";
  const bin = h["grpc-status-details-bin"];
  let reason: string | undefined;
  if (typeof bin === "string") {
    const details = statusDetails(Buffer.from(bin, "base64"));
    const any = details.find((d) => d.typeUrl.endsWith("/tidemark.sync.v1.ErrorDetail"));
    if (any !== undefined) reason = reasonOf(any.value);
  }
  return { code, reason };
}

function reasonOf(bytes: Uint8Array): string | undefined {
  const detail = fromBinary(ErrorDetailSchema, bytes);
  return errorReasonName(detail.reason);
}

/** "ERROR_REASON_MALFORMED" for ErrorReason.MALFORMED, as protobuf JSON spells it. */
export function errorReasonName(r: ErrorReason): string {
  return `ERROR_REASON_${ErrorReason[r] ?? String(r)}`;
}

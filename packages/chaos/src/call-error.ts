// How a proxied call ended: its Connect or gRPC error code and message, as
// gRPC's status trailer or Connect's error JSON spell them (answer-check.ts
// reads them as the answer passes). Honest peers never refuse each other's
// requests as malformed (invalid_argument, PROTOCOL.md §10), so the run can
// judge what crossed the wire, whoever wrote the peers.
import { Code } from "@connectrpc/connect";

/** A call's error: its code in Connect's spelling (e.g. "invalid_argument"), and its message. */
export type CallError = { readonly code: string; readonly message: string };

/** Connect's spelling of a code number (gRPC sends numbers): 3 → "invalid_argument". */
export function codeName(code: number): string {
  const name = Code[code];
  return name === undefined
    ? `code_${code}`
    : name.replace(/[A-Z]/g, (c, i: number) => `${i === 0 ? "" : "_"}${c.toLowerCase()}`);
}

/** gRPC: the status in trailers (or in the headers of a trailers-only answer). */
export function grpcError(h: Readonly<Record<string, unknown>> | undefined): CallError | undefined {
  const status = Number(h?.["grpc-status"] ?? 0);
  if (!Number.isInteger(status) || status === 0) return undefined;
  const raw = String(h?.["grpc-message"] ?? "");
  let message = raw;
  try {
    message = decodeURIComponent(raw);
  } catch {
    // Not percent-encoded as gRPC asks: keep it as it came.
  }
  return { code: codeName(status), message };
}

/** Connect's error JSON ({code, message}, unary body or an end-stream's `error`). */
export function connectErrorJson(text: string): CallError | undefined {
  try {
    const v = JSON.parse(text) as { code?: unknown; message?: unknown; error?: unknown };
    const e = (typeof v.error === "object" && v.error !== null ? v.error : v) as {
      code?: unknown;
      message?: unknown;
    };
    if (typeof e.code !== "string") return undefined;
    return { code: e.code, message: typeof e.message === "string" ? e.message : "" };
  } catch {
    return undefined;
  }
}

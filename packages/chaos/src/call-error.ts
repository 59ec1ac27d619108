// How a proxied call ended, read from the bytes the proxy forwards anyway:
// the Connect or gRPC error code and message, or none. Honest peers never
// refuse each other's requests as malformed (invalid_argument, PROTOCOL.md
// §10), so the run can judge what crossed the wire, whoever wrote the peers.
import { Code } from "@connectrpc/connect";
import { EnvelopeReader } from "./envelopes.js";

/** A call's error: its code in Connect's spelling (e.g. "invalid_argument"), and its message. */
export type CallError = { readonly code: string; readonly message: string };

/** What of a response body is kept to read an error from (an error message is short). */
const KEEP_BYTES = 8 * 1024;
/** A Connect streaming envelope's flag for the end-of-stream message. */
export const END_STREAM = 0x02;

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
function connectErrorJson(text: string): CallError | undefined {
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

/**
 * Reads a Connect response's error as its body passes: a unary answer
 * with a non-200 status carries it as the whole body; a streaming one in
 * its end-stream envelope. Only the bytes an error could be in are kept.
 */
export class ConnectErrorReader {
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private readonly envelopes: EnvelopeReader | undefined;

  constructor(
    streaming: boolean,
    private readonly status: number,
  ) {
    this.envelopes = streaming
      ? new EnvelopeReader((e) => {
          if ((e.flags & END_STREAM) !== 0 && e.data !== undefined) this.keep(e.data);
        })
      : undefined;
  }

  chunk(buf: Buffer): void {
    if (this.envelopes !== undefined) this.envelopes.chunk(buf);
    else if (this.status !== 200) this.keep(buf);
  }

  error(): CallError | undefined {
    if (this.keptBytes === 0) return undefined;
    return connectErrorJson(Buffer.concat(this.kept).toString("utf8"));
  }

  private keep(buf: Buffer): void {
    if (this.keptBytes >= KEEP_BYTES) return;
    const part = buf.subarray(0, KEEP_BYTES - this.keptBytes);
    this.kept.push(Buffer.from(part));
    this.keptBytes += part.length;
  }
}
